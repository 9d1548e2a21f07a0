"""Tamper evidence: every touched manifest's hash chain, and the signed Merkle seal of each day's events."""
from datetime import date, datetime, timedelta

from sqlalchemy import select, union

from wastechain.domain import anomalies as catalog
from wastechain.domain.anomalies import day_window
from wastechain.domain.hashing import verify_chain
from wastechain.models import DaySeal, ManifestEvent
from wastechain.services.reconciliation.context import Candidate, Context, Progress
from wastechain.services.reconciliation.sql import CHUNK, E, M

# ---------------------------------------------------------------- tamper evidence

def check_chains(ctx: Context, progress: Progress | None = None) -> tuple[list[Candidate], int]:
    """Recomputes the hash chain of every manifest touched on the day; the manifest's state must match its last event."""
    e = E.alias("e")
    touched = select(e.c.manifest_id).where(ctx.scope(e))
    if ctx.nightly:
        touched = union(touched, select(M.c.id).where(M.c.status_changed_at >= ctx.start,
                                                      M.c.status_changed_at < ctx.end))
    touched = touched.subquery("touched")
    found: list[Candidate] = []
    verified = 0
    query = (select(E, M.c.status.label("manifest_status"))
             .join(M, M.c.id == E.c.manifest_id)
             .where(E.c.manifest_id.in_(select(touched.c[0])))
             .order_by(E.c.manifest_id, E.c.seq))
    current, chain, last_status = None, [], None

    def finish():
        nonlocal verified
        if current is None:
            return
        verified += 1
        check = verify_chain(chain)
        last_after = last_status[0]
        if not check.ok or last_after != last_status[1]:
            found.append(Candidate("CHAIN_BROKEN", f"m:{current}", {
                "kind": "manifest_chain", "events": check.events, "broken_at_seq": check.broken_at,
                "manifest_status": last_status[1], "last_event_status": last_after,
                "hash_chain_ok": check.ok}, manifest_id=current, responsible="issuer"))
        if progress and verified % 10000 == 0:
            progress("hash chains", verified, 0)

    # Core rows (typed by the columns), not ORM objects: nothing cached in the session can hide an edit.
    for row in ctx.session.execute(query.execution_options(yield_per=CHUNK)):
        event = row._mapping
        if event["manifest_id"] != current:
            finish()
            current, chain = event["manifest_id"], []
        chain.append((event["seq"], event["prev_hash"], event["hash"],
                      {name: event[name] for name in ManifestEvent.HASHED_FIELDS}))
        last_status = (event["status_after"], event["manifest_status"])
    finish()
    return found, verified


def _day_root(session, day: date) -> tuple[int, str]:
    window = day_window(day)
    builder = catalog.MerkleBuilder()
    query = (select(E.c.id, E.c.hash).where(E.c.recorded_at >= window.start, E.c.recorded_at < window.end)
             .order_by(E.c.id))
    for event_id, event_hash in session.execute(query.execution_options(yield_per=5 * CHUNK)):
        builder.add(catalog.merkle_leaf(event_id, event_hash))
    return builder.count, builder.root()


def seal_day(session, *, day: date, secret: str, now: datetime, seal: DaySeal) -> tuple[str, Candidate | None, int]:
    """Seals the day's events once the day is over; on a later run, checks the stored seal still matches."""
    if now < day_window(day).end:
        return "deferred", None, 0
    count, root = _day_root(session, day)
    if seal.merkle_root is None:
        seal.event_count, seal.merkle_root = count, root
        seal.signature = catalog.seal_signature(secret, day, count, root)
        seal.sealed_at = now
        return "created", None, count
    problem = _seal_problem(secret, seal, count, root)
    return ("mismatch" if problem else "unchanged"), problem, count


def _seal_problem(secret: str, seal: DaySeal, count: int, root: str) -> Candidate | None:
    signature_ok = catalog.seal_ok(secret, seal.day, seal.event_count, seal.merkle_root, seal.signature or "")
    if signature_ok and count == seal.event_count and root == seal.merkle_root:
        return None
    return Candidate("CHAIN_BROKEN", f"seal:{seal.day.isoformat()}", {
        "kind": "day_seal", "sealed_day": seal.day, "sealed_events": seal.event_count, "events_now": count,
        "sealed_root": seal.merkle_root, "root_now": root, "signature_ok": signature_ok,
        "sealed_at": seal.sealed_at}, subject_type="day", subject_label=seal.day.isoformat())


def recheck_seals(session, *, day: date, secret: str, days: int) -> tuple[list[Candidate], int]:
    """Re-verifies the seals of the previous days: an edit after sealing is found within `days` nights."""
    seals = session.scalars(select(DaySeal).where(DaySeal.day < day, DaySeal.day >= day - timedelta(days=days),
                                                  DaySeal.merkle_root.is_not(None)).order_by(DaySeal.day)).all()
    found = []
    for seal in seals:
        count, root = _day_root(session, seal.day)
        problem = _seal_problem(secret, seal, count, root)
        if problem:
            found.append(problem)
    return found, len(seals)
