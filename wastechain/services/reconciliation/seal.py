"""Tamper evidence: every touched manifest's hash chain, and the signed, chained Merkle seal of each day's events.

The day seals form one chain: each seal names the previous sealed day and its root, and its signature covers both,
so a deleted, blanked or re-signed seal breaks the next one. A day is sealed only while no later day is sealed;
sealing it first seals, in order, the unsealed days since the last seal (a missed night), so from the chain's start
to its end every day has a seal. A day inside the chain without one is CHAIN_BROKEN, and re-running it reports that
instead of sealing whatever its events are now. What this cannot show is the removal of the newest seal before the
next night links to it; the copy of each seal kept outside the database (`flask seals export`, `seal_records` and
`compare_seal_records` below) closes that gap.

Seals are signed with the keyring's day-seal key and record its key id: after a key rotation the older seals keep
verifying under their own key id while that key stays in the keyring.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select, union

from wastechain.domain.anomalies import day_window, rolling_recheck
from wastechain.domain.hashing import check_macs, verify_chain
from wastechain.domain.keys import Keyring
from wastechain.domain.sealing import seal_signed, sign_seal
from wastechain.domain.timeutil import local_date
from wastechain.models import DaySeal, ManifestEvent
from wastechain.services.manifests.events import day_root, legacy_rule
from wastechain.services.reconciliation.context import Candidate, Context, Progress
from wastechain.services.reconciliation.sql import CHUNK, E, M

# ---------------------------------------------------------------- tamper evidence

def check_chains(ctx: Context, progress: Progress | None = None, *,
                 keys: Keyring | str) -> tuple[list[Candidate], int]:
    """Recomputes the hash chain of every manifest touched on the day and checks its events' MACs; the manifest's
    state must match its last event.

    An event without a MAC passes only as one written before MACs existed, on a day whose signed seal still
    matches (`legacy_rule`).
    """
    keys = Keyring.of(keys)
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
    current, chain, macs, last_status = None, [], [], None
    covered: dict[date, bool] = {}

    def sealed_and_matching(day: date) -> bool:  # asked only for an event without a MAC, once per day
        if day not in covered:
            seal = _seal_rows(ctx.session, (S.c.day == day) & S.c.merkle_root.is_not(None))
            covered[day] = bool(seal) and _signature_ok(keys, seal[0]) and \
                _day_root(ctx.session, day) == (seal[0].event_count, seal[0].merkle_root)
        return covered[day]

    legacy_ok = legacy_rule(ctx.session, sealed_and_matching, tonight=ctx.day if ctx.nightly else None)

    def finish():
        nonlocal verified
        if current is None:
            return
        verified += 1
        check = verify_chain(chain)
        keyed = check_macs(keys, macs, legacy_ok)
        last_after = last_status[0]
        if not check.ok or not keyed.ok or last_after != last_status[1]:
            evidence = {"kind": "manifest_chain", "events": check.events,
                        "broken_at_seq": check.broken_at if not check.ok else keyed.broken_at,
                        "manifest_status": last_status[1], "last_event_status": last_after,
                        "hash_chain_ok": check.ok, "mac_ok": keyed.ok}
            if not keyed.ok:
                evidence.update(mac_problem=keyed.problem, mac_key_id=keyed.key_id)
            found.append(Candidate("CHAIN_BROKEN", f"m:{current}", evidence, manifest_id=current,
                                   responsible="issuer"))
        if progress and verified % 10000 == 0:
            progress("hash chains", verified, 0)

    # Core rows (typed by the columns), not ORM objects: nothing cached in the session can hide an edit.
    for row in ctx.session.execute(query.execution_options(yield_per=CHUNK)):
        event = row._mapping
        if event["manifest_id"] != current:
            finish()
            current, chain, macs = event["manifest_id"], [], []
        chain.append((event["seq"], event["prev_hash"], event["hash"],
                      {name: event[name] for name in ManifestEvent.HASHED_FIELDS}))
        macs.append((event["seq"], event["id"], event["hash"], event["mac"], local_date(event["recorded_at"])))
        last_status = (event["status_after"], event["manifest_status"])
    finish()
    return found, verified


def _day_root(session, day: date) -> tuple[int, str]:
    return day_root(session, day)  # the same root `/verify` recomputes


S = DaySeal.__table__


def _seal_rows(session, where=None) -> list:
    """Seal rows as stored (Core rows: an edit made behind the session's back is seen), in day order."""
    query = select(S).order_by(S.c.day)
    if where is not None:
        query = query.where(where)
    return session.execute(query).all()


def _was_sealed(row) -> bool:
    """A row without a root that shows it was sealed once: a run after the day was over, or a sealing time."""
    return row.sealed_at is not None or bool(row.run_count and row.last_run_at is not None
                                             and row.last_run_at >= day_window(row.day).end)


def _broken(kind: str, day: date, **evidence) -> Candidate:
    return Candidate("CHAIN_BROKEN", f"seal:{day.isoformat()}", {"kind": kind, "sealed_day": day, **evidence},
                     subject_type="day", subject_label=day.isoformat())


def _sign(seal: DaySeal, *, secret: Keyring | str, now: datetime, count: int, root: str, prev) -> None:
    seal.event_count, seal.merkle_root = count, root
    seal.prev_day, seal.prev_root = (prev.day, prev.merkle_root) if prev is not None else (None, None)
    seal.key_id, seal.signature = sign_seal(secret, seal.day, count, root, prev_day=seal.prev_day,
                                            prev_root=seal.prev_root)
    seal.sealed_at = now


def seal_day(session, *, day: date, secret: Keyring | str, now: datetime,
             seal: DaySeal) -> tuple[str, list[Candidate], int]:
    """Seals the day's events once the day is over, chained to the last sealed day; later, checks the stored seal."""
    if now < day_window(day).end:
        return "deferred", [], 0
    count, root = _day_root(session, day)
    if seal.merkle_root is not None:
        problem = _seal_problem(secret, seal, count, root)
        return ("mismatch" if problem else "unchanged"), [problem] if problem else [], count
    session.flush()
    later = session.scalar(select(func.min(S.c.day)).where(S.c.day > day, S.c.merkle_root.is_not(None)))
    if later is not None:
        first = session.scalar(select(func.min(S.c.day)).where(S.c.merkle_root.is_not(None)))
        if day < first:  # before sealing began: nothing to chain it to, nothing was lost
            return "unsealable", [], count
        # Inside the chain: its seal was deleted or blanked. Sealing the events as they are now would seal a forgery.
        return "chain_broken", [_broken("day_seal_blank" if _was_sealed(seal) else "day_seal_missing", day,
                                        events_now=count, root_now=root, next_sealed_day=later)], count
    problems: list[Candidate] = []
    if _was_sealed(seal):  # the newest seal was blanked: report it, never seal over it
        return "chain_broken", [_broken("day_seal_blank", day, events_now=count, root_now=root)], count
    previous = _seal_rows(session, (S.c.day < day) & S.c.merkle_root.is_not(None))
    prev = previous[-1] if previous else None
    if prev is not None:  # a missed night: seal the days in between first, in order
        gap = {row.day: row for row in _seal_rows(session, (S.c.day > prev.day) & (S.c.day < day))}
        last_sealed = prev.day
        for offset in range(1, (day - last_sealed).days):
            missed = last_sealed + timedelta(days=offset)
            row = gap.get(missed)
            if row is not None and _was_sealed(row):
                problems.append(_broken("day_seal_blank", missed))
                continue  # leave the hole in the chain (found again each night); keep sealing what follows
            missed_seal = session.get(DaySeal, missed) or DaySeal(day=missed, run_count=0, anomalies_found=0,
                                                                  summary={"sealed": "catch-up"})
            session.add(missed_seal)
            missed_count, missed_root = _day_root(session, missed)
            _sign(missed_seal, secret=secret, now=now, count=missed_count, root=missed_root, prev=prev)
            session.flush()
            prev = missed_seal
    _sign(seal, secret=secret, now=now, count=count, root=root, prev=prev)
    return "created", problems, count


def _seal_problem(secret: Keyring | str, seal, count: int, root: str) -> Candidate | None:
    signature_ok = _signature_ok(secret, seal)
    if signature_ok and count == seal.event_count and root == seal.merkle_root:
        return None
    return _broken("day_seal", seal.day, sealed_events=seal.event_count, events_now=count,
                   sealed_root=seal.merkle_root, root_now=root, signature_ok=signature_ok, sealed_at=seal.sealed_at)


def _signature_ok(secret: Keyring | str, seal) -> bool:
    return seal_signed(secret, seal.day, seal.event_count, seal.merkle_root, seal.signature, key_id=seal.key_id,
                       prev_day=seal.prev_day, prev_root=seal.prev_root)


def check_seal_chain(session, *, day: date, secret: Keyring | str) -> tuple[list[Candidate], int]:
    """Checks every seal up to `day` without reading events: signatures, links, and no day missing in the chain.

    Cheap (one row per day), so it runs over all history every night; recomputing roots is `recheck_seals`.
    """
    rows = _seal_rows(session, S.c.day <= day)
    sealed = [r for r in rows if r.merkle_root is not None]
    found: list[Candidate] = []
    for row in sealed:
        if not _signature_ok(secret, row):
            found.append(_broken("day_seal_signature", row.day, sealed_events=row.event_count,
                                 sealed_root=row.merkle_root, signature_ok=False, sealed_at=row.sealed_at))
    chained = [i for i, r in enumerate(sealed) if r.prev_day is not None]
    if not chained:  # no seal chained yet (a single seal, or only seals from before the chain)
        return found, len(sealed)
    start = sealed[chained[0]].prev_day
    by_day = {r.day: r for r in rows}
    for i in range(chained[0], len(sealed)):
        row, before = sealed[i], sealed[i - 1] if i > 0 else None
        if row.prev_day is None:
            found.append(_broken("day_seal_unchained", row.day, sealed_root=row.merkle_root))
        elif before is None or row.prev_day != before.day:
            missing = by_day.get(row.prev_day)
            if missing is None or missing.merkle_root is None:
                found.append(_broken("day_seal_blank" if missing is not None and _was_sealed(missing)
                                     else "day_seal_missing", row.prev_day,
                                     next_sealed_day=row.day))
            else:  # the previous sealed day is not the one this seal was chained to: a seal was put in between
                found.append(_broken("day_seal_out_of_order", row.day, prev_day=row.prev_day,
                                     expected_prev_day=before.day if before else None))
        elif row.prev_root != before.merkle_root:  # the previous day's seal was rewritten after this one
            found.append(_broken("day_seal_chain", row.day, prev_day=row.prev_day, prev_root=row.prev_root,
                                 sealed_root=before.merkle_root))
    sealed_days = {r.day for r in sealed}
    last = sealed[-1].day
    for offset in range((last - start).days + 1):
        gap = start + timedelta(days=offset)
        if gap not in sealed_days:
            found.append(_broken("day_seal_blank" if gap in by_day and _was_sealed(by_day[gap])
                                 else "day_seal_missing", gap, next_sealed_day=last))
    return found, len(sealed)


def recheck_seals(session, *, day: date, secret: Keyring | str, days: int,
                  cycle_days: int | None = None) -> tuple[list[Candidate], int]:
    """Recomputes the roots of the previous `days` seals, and of the older seals whose turn it is tonight.

    Each older seal's turn comes once every `cycle_days` nights (by its day number), so over any `cycle_days`
    consecutive nights every seal in the history is recomputed; without a cycle, every older seal is.
    """
    recent = day - timedelta(days=days)
    rows = _seal_rows(session, (S.c.day < day) & S.c.merkle_root.is_not(None))
    due = [r for r in rows if r.day >= recent or cycle_days is None or rolling_recheck(day, r.day, cycle_days)]
    found = []
    for seal in due:
        count, root = _day_root(session, seal.day)
        problem = _seal_problem(secret, seal, count, root)
        if problem:
            found.append(problem)
    return found, len(due)
