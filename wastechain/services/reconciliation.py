"""The daily reconciliation: every anomaly of SPEC.md, found with set-based SQL scoped to one day's work.

Cost follows the work, not the history: each check starts from the day's events (indexed on occurred_at and
recorded_at) or from open items (indexed on status + time), never from all manifests ever recorded. Python only
sees candidate rows that already failed a SQL test (findings), plus the day's event hashes for the seal, which it
streams. The same checks run for one event right after a step (run-time findings), scoped to that event.
"""
import logging
import math
import time as clock
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Callable, Iterable, Iterator

from sqlalchemy import (BigInteger, Float, and_, delete, exists, func, or_, select, text,
                        type_coerce, union)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from wastechain.domain import anomalies as catalog
from wastechain.domain import rules
from wastechain.domain.anomalies import Finding, Thresholds, day_window, kg
from wastechain.domain.hashing import verify_chain
from wastechain.domain.streams import Stream
from wastechain.domain.timeutil import add_working_days, local_date
from wastechain.models import (Anomaly, Approval, Batch, DaySeal, Declaration, Manifest, ManifestEvent, ManifestLine,
                               Organization, Payment, Permit, ReceiverIntake, Site, Vehicle, WasteCode)

log = logging.getLogger(__name__)

E = ManifestEvent.__table__
M = Manifest.__table__
L = ManifestLine.__table__
B = Batch.__table__
W = WasteCode.__table__
CHUNK = 1000
HAZARDOUS_STREAMS = ("hazardous", "medical")
Progress = Callable[[str, int, int], None]


# ---------------------------------------------------------------- SQL helpers

class epoch(FunctionElement):
    """Seconds since 1970 of a stored time, on both databases (SQLite keeps naive UTC text)."""

    type = Float()
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return "((julianday(%s) - 2440587.5) * 86400.0)" % compiler.process(element.clauses, **kw)


@compiles(epoch, "postgresql")
def _epoch_pg(element, compiler, **kw):
    return "extract(epoch from %s)" % compiler.process(element.clauses, **kw)


def g(column) -> ColumnElement:
    """A Mass column as raw integer grams (arithmetic must not go through the kg type)."""
    return type_coerce(column, BigInteger)


def haversine_m(lat1, lon1, lat2, lon2) -> ColumnElement:
    """Great-circle distance in SQL, the same formula as domain.anomalies.distance_m."""
    r = math.pi / 180
    dlat = (lat2 - lat1) * r / 2
    dlon = (lon2 - lon1) * r / 2
    a = func.sin(dlat) * func.sin(dlat) + func.cos(lat1 * r) * func.cos(lat2 * r) * func.sin(dlon) * func.sin(dlon)
    return 2 * catalog.EARTH_RADIUS_M * func.asin(func.sqrt(a))


def _ensure_sqlite_math(session) -> None:
    """SQLite builds may lack the math functions PostgreSQL has; register them on this connection."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if getattr(raw, "_wastechain_math", False):
        return
    for name, fn in (("sin", math.sin), ("cos", math.cos), ("asin", math.asin), ("sqrt", math.sqrt)):
        raw.create_function(name, 1, fn, deterministic=True)
    try:
        raw._wastechain_math = True
    except AttributeError:  # sqlite3.Connection has no __dict__ on some builds; registering twice is harmless
        pass


@contextmanager
def _without_nested_loops(session):
    """Plans one statement without nested-loop joins (PostgreSQL only; SET LOCAL ends with the transaction)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        session.execute(text("SET LOCAL enable_nestloop = off"))
    try:
        yield
    finally:
        if postgres:
            session.execute(text("SET LOCAL enable_nestloop = on"))


def _insert(dialect: str):
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Anomaly.__table__)


def _jsonable(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(catalog.CHINA).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _aware(value: datetime | str | None) -> datetime | None:
    """A time read through a raw (untyped) column: SQLite gives naive UTC text."""
    from datetime import timezone

    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


# ---------------------------------------------------------------- context

@dataclass
class Context:
    session: object
    day: date
    start: datetime
    end: datetime
    thresholds: Thresholds
    event_id: int | None = None  # run-time mode: only this event

    @property
    def nightly(self) -> bool:
        return self.event_id is None

    def scope(self, events) -> ColumnElement:
        """The day's events: occurred on the day, or reached the server on the day (a phone syncing late)."""
        if self.event_id is not None:
            return events.c.id == self.event_id
        return or_(and_(events.c.occurred_at >= self.start, events.c.occurred_at < self.end),
                   and_(events.c.recorded_at >= self.start, events.c.recorded_at < self.end))

    def stream(self, query) -> Iterator:
        result = self.session.execute(query.execution_options(yield_per=CHUNK))
        yield from result


@dataclass
class Candidate:
    """A row that failed a check; enriched with the manifest's facts before it becomes a Finding."""

    code: str
    key: str
    evidence: dict
    manifest_id: int | None = None
    responsible: str = "issuer"  # issuer | receiver | transporter, or an organization id below
    organization_id: int | None = None
    subject_type: str = "manifest"
    subject_id: int | None = None
    subject_label: str = ""
    region_code: str | None = None
    severity: str = ""


# ---------------------------------------------------------------- checks

def check_transit_overdue(ctx: Context) -> Iterator[Candidate]:
    """Picked up and not delivered within TRANSIT_OVERDUE_HOURS (open now, or delivered late on the day)."""
    hours = ctx.thresholds.transit_overdue_hours
    limit = timedelta(hours=hours)
    if ctx.nightly:
        query = select(M.c.id, M.c.status_changed_at).where(M.c.status == "in_transit",
                                                             M.c.status_changed_at < ctx.end - limit)
        for row in ctx.stream(query):
            picked = row.status_changed_at
            yield Candidate("TRANSIT_OVERDUE", f"m:{row.id}", {
                "picked_up_at": picked, "deadline": picked + limit, "status": "in_transit",
                "hours_in_transit_at_day_end": round((ctx.end - picked).total_seconds() / 3600, 1),
                "threshold_hours": hours}, manifest_id=row.id, responsible="transporter")
    d, p = E.alias("d"), E.alias("p")
    query = (select(d.c.manifest_id, d.c.occurred_at.label("delivered_at"), p.c.occurred_at.label("picked_up_at"))
             .join(p, and_(p.c.manifest_id == d.c.manifest_id, p.c.type == "pickup"))
             .where(d.c.type == "deliver", ctx.scope(d),
                    epoch(d.c.occurred_at) - epoch(p.c.occurred_at) > hours * 3600))
    for row in ctx.stream(query):
        yield Candidate("TRANSIT_OVERDUE", f"m:{row.manifest_id}", {
            "picked_up_at": row.picked_up_at, "delivered_at": row.delivered_at,
            "hours_in_transit": round((row.delivered_at - row.picked_up_at).total_seconds() / 3600, 1),
            "threshold_hours": hours}, manifest_id=row.manifest_id, responsible="transporter")


def check_receipt_overdue(ctx: Context) -> Iterator[Candidate]:
    """Delivered and not confirmed by the receiver within N working days (《危险废物转移管理办法》: 5)."""
    days = ctx.thresholds.receipt_overdue_working_days
    if ctx.nightly:
        cutoff = catalog.receipt_cutoff(ctx.day, days)
        query = select(M.c.id, M.c.status_changed_at).where(M.c.status == "delivered",
                                                             M.c.status_changed_at < day_window(cutoff).end)
        for row in ctx.stream(query):
            delivered_on = local_date(row.status_changed_at)
            yield Candidate("RECEIPT_OVERDUE", f"m:{row.id}", {
                "delivered_at": row.status_changed_at, "deadline": add_working_days(delivered_on, days),
                "status": "delivered", "threshold_working_days": days}, manifest_id=row.id, responsible="receiver")
    r, d = E.alias("r"), E.alias("d")
    query = (select(r.c.manifest_id, r.c.occurred_at.label("received_at"), d.c.occurred_at.label("delivered_at"))
             .join(d, and_(d.c.manifest_id == r.c.manifest_id, d.c.type == "deliver"))
             .where(r.c.type == "receive", ctx.scope(r),
                    epoch(r.c.occurred_at) - epoch(d.c.occurred_at) > (days - 1) * 86400))
    for row in ctx.stream(query):
        deadline = add_working_days(local_date(row.delivered_at), days)
        if local_date(row.received_at) > deadline:
            yield Candidate("RECEIPT_OVERDUE", f"m:{row.manifest_id}", {
                "delivered_at": row.delivered_at, "received_at": row.received_at, "deadline": deadline,
                "threshold_working_days": days}, manifest_id=row.manifest_id, responsible="receiver")


def check_weight_mismatch(ctx: Context) -> Iterator[Candidate]:
    """Weighed at receipt differs from the pickup weight by more than WEIGHT_TOLERANCE."""
    tol = ctx.thresholds.weight_tolerance
    ppm = int(tol * 1_000_000)
    r = E.alias("r")
    pickup, received = g(M.c.pickup_kg), g(M.c.received_kg)
    query = (select(M.c.id, pickup.label("pickup_g"), received.label("received_g"))
             .select_from(r.join(M, M.c.id == r.c.manifest_id))
             .where(r.c.type == "receive", ctx.scope(r), M.c.pickup_kg.is_not(None), M.c.received_kg.is_not(None),
                    func.abs(received - pickup) * 1_000_000 > pickup * ppm))
    for row in ctx.stream(query):
        diff = row.received_g - row.pickup_g
        yield Candidate("WEIGHT_MISMATCH", f"m:{row.id}", {
            "pickup_kg": kg(row.pickup_g), "received_kg": kg(row.received_g), "difference_kg": kg(diff),
            "difference_pct": round(100 * diff / row.pickup_g, 2), "tolerance_pct": float(tol * 100)},
            manifest_id=row.id, responsible="transporter",
            severity=catalog.weight_severity(row.pickup_g, row.received_g, tol))


def _storage_limits(ctx: Context) -> dict[str, timedelta]:
    t = ctx.thresholds
    return {"medical": timedelta(hours=t.storage_limit_hours_medical),
            "hazardous": timedelta(days=t.storage_limit_days_hazardous)}


def _storage_candidate(ctx, row, limit: timedelta, **extra) -> Candidate:
    return Candidate("STORAGE_OVERDUE", f"batch:{row.batch_id}", {
        "unit_code": row.unit_code, "waste_code": row.waste_code, "stream": row.stream,
        "generated_at": row.generated_at, "deadline": row.generated_at + limit,
        "limit_hours" if row.stream == "medical" else "limit_days":
            int(limit.total_seconds() // 3600) if row.stream == "medical" else limit.days, **extra},
        subject_type="batch", subject_id=row.batch_id, subject_label=row.unit_code,
        organization_id=row.organization_id, region_code=row.region_code,
        severity="high" if row.stream == "medical" else "medium")


def check_storage_overdue(ctx: Context) -> Iterator[Candidate]:
    """Hazardous waste kept beyond a year, medical waste beyond 48 hours (still stored, or picked up late)."""
    limits = _storage_limits(ctx)
    S = Site.__table__
    cols = (B.c.id.label("batch_id"), B.c.unit_code, B.c.waste_code, W.c.stream, B.c.generated_at,
            B.c.organization_id, S.c.region_code)
    base = B.join(W, W.c.code == B.c.waste_code).join(S, S.c.id == B.c.site_id)
    too_old = or_(*(and_(W.c.stream == stream, B.c.generated_at < ctx.end - limit) for stream, limit in limits.items()))
    if ctx.nightly:
        # Still in the store: not reserved at all, or reserved by a manifest nobody has picked up yet.
        stored = select(*cols).select_from(base).where(B.c.status.in_(("stored", "partially_shipped")),
                                                        g(B.c.remaining_kg) > 0, too_old)
        waiting = (select(*cols).select_from(base.join(L, L.c.batch_id == B.c.id).join(M, M.c.id == L.c.manifest_id))
                   .where(M.c.status == "issued", too_old))
        for row in ctx.stream(union(stored, waiting)):
            yield _storage_candidate(ctx, row, limits[row.stream], status="in storage at day end")
    p = E.alias("p")
    query = (select(*cols, p.c.occurred_at.label("picked_up_at"))
             .select_from(p.join(L, L.c.manifest_id == p.c.manifest_id).join(base, B.c.id == L.c.batch_id))
             .where(p.c.type == "pickup", ctx.scope(p), W.c.stream.in_(tuple(limits)),
                    or_(*(and_(W.c.stream == stream,
                               epoch(p.c.occurred_at) - epoch(B.c.generated_at) > limit.total_seconds())
                          for stream, limit in limits.items()))))
    for row in ctx.stream(query):
        yield _storage_candidate(ctx, row, limits[row.stream], picked_up_at=row.picked_up_at)


def check_loop_not_closed(ctx: Context) -> Iterator[Candidate]:
    """Accepted quantity not wholly utilized or disposed within LOOP_CLOSE_DAYS of receipt."""
    days = ctx.thresholds.loop_close_days
    limit = timedelta(days=days)
    if ctx.nightly:
        query = select(M.c.id, M.c.status_changed_at, g(M.c.accepted_kg).label("accepted_g"),
                       g(M.c.disposed_kg).label("disposed_g")).where(
            M.c.status == "received", M.c.status_changed_at < ctx.end - limit)
        for row in ctx.stream(query):
            yield Candidate("LOOP_NOT_CLOSED", f"m:{row.id}", {
                "received_at": row.status_changed_at, "deadline": row.status_changed_at + limit,
                "accepted_kg": kg(row.accepted_g or 0), "disposed_kg": kg(row.disposed_g or 0),
                "open_kg": kg((row.accepted_g or 0) - (row.disposed_g or 0)), "threshold_days": days},
                manifest_id=row.id, responsible="receiver")
    x, r = E.alias("x"), E.alias("r")
    query = (select(x.c.manifest_id, x.c.occurred_at.label("closed_at"), r.c.occurred_at.label("received_at"))
             .join(r, and_(r.c.manifest_id == x.c.manifest_id, r.c.type == "receive"))
             .where(x.c.type == "dispose", x.c.status_after == "closed", ctx.scope(x),
                    epoch(x.c.occurred_at) - epoch(r.c.occurred_at) > limit.total_seconds()))
    for row in ctx.stream(query):
        yield Candidate("LOOP_NOT_CLOSED", f"m:{row.manifest_id}", {
            "received_at": row.received_at, "closed_at": row.closed_at, "deadline": row.received_at + limit,
            "threshold_days": days}, manifest_id=row.manifest_id, responsible="receiver")


def check_jurisdiction_breach(ctx: Context) -> Iterator[Candidate]:
    """Delivered outside the allowed region (危险废物不出市、一般固体废物不出县) with no approval valid that day."""
    d = E.alias("d")
    A = Approval.__table__
    hazardous = W.c.stream.in_(HAZARDOUS_STREAMS)
    crosses = or_(and_(hazardous, func.substr(M.c.origin_region_code, 1, 4)
                       != func.substr(M.c.destination_region_code, 1, 4)),
                  and_(~hazardous, M.c.origin_region_code != M.c.destination_region_code))
    query = (select(M.c.id, M.c.origin_region_code, M.c.destination_region_code, M.c.receiver_site_id,
                    d.c.occurred_at, L.c.waste_code, W.c.category, W.c.stream, A.c.id.label("approval_id"),
                    A.c.valid_from, A.c.valid_to, A.c.waste_codes, A.c.destination_site_id)
             .select_from(d.join(M, M.c.id == d.c.manifest_id).join(L, L.c.manifest_id == M.c.id)
                          .join(W, W.c.code == L.c.waste_code).outerjoin(A, A.c.id == M.c.approval_id))
             .where(d.c.type == "deliver", ctx.scope(d), crosses))
    seen = set()
    for row in ctx.stream(query):
        on = local_date(row.occurred_at)
        approved = (row.approval_id is not None and row.valid_from <= on <= row.valid_to
                    and row.destination_site_id == row.receiver_site_id
                    and (row.waste_code in row.waste_codes or row.category in row.waste_codes))
        violation = rules.jurisdiction_violation(stream=Stream(row.stream), waste_code=row.waste_code,
                                                 origin_region=row.origin_region_code,
                                                 destination_region=row.destination_region_code, approved=approved)
        if violation is None or row.id in seen:
            continue
        seen.add(row.id)
        yield Candidate("JURISDICTION_BREACH", f"m:{row.id}", {
            **violation.details, "delivered_at": row.occurred_at, "approval_id": row.approval_id,
            "message": violation.message}, manifest_id=row.id, responsible="issuer")


def check_location_mismatch(ctx: Context) -> Iterator[Candidate]:
    """A pickup (delivery) scanned farther than LOCATION_TOLERANCE_M from the origin (receiver) site."""
    tol = ctx.thresholds.location_tolerance_m
    S = Site.__table__.alias("s")
    e = E.alias("e")
    site_for = {"pickup": M.c.origin_site_id, "deliver": M.c.receiver_site_id}
    for step, site_column in site_for.items():
        distance = haversine_m(e.c.lat, e.c.lon, S.c.lat, S.c.lon)
        query = (select(M.c.id, e.c.id.label("event_id"), e.c.lat, e.c.lon, e.c.occurred_at, S.c.name, S.c.lat.label("site_lat"),
                        S.c.lon.label("site_lon"), distance.label("distance"))
                 .select_from(e.join(M, M.c.id == e.c.manifest_id).join(S, S.c.id == site_column))
                 .where(e.c.type == step, ctx.scope(e), e.c.lat.is_not(None), e.c.lon.is_not(None),
                        S.c.lat.is_not(None), S.c.lon.is_not(None), distance > tol))
        for row in ctx.stream(query):
            yield Candidate("LOCATION_MISMATCH", f"m:{row.id}:{step}", {
                "step": step, "scanned_at": row.occurred_at, "scan_lat": row.lat, "scan_lon": row.lon,
                "site": row.name, "site_lat": row.site_lat, "site_lon": row.site_lon,
                "distance_m": round(row.distance), "tolerance_m": tol, "event_id": row.event_id},
                manifest_id=row.id, responsible="transporter")


def check_permit_invalid(ctx: Context) -> Iterator[Candidate]:
    """The receiver's (transporter's) permit was not valid or did not cover the waste when it received (carried)."""
    session = ctx.session
    r = E.alias("r")
    groups = session.execute(
        select(M.c.receiver_id, L.c.waste_code, W.c.category, W.c.stream, func.min(r.c.occurred_at),
               func.max(r.c.occurred_at))
        .select_from(r.join(M, M.c.id == r.c.manifest_id).join(L, L.c.manifest_id == M.c.id)
                     .join(W, W.c.code == L.c.waste_code))
        .where(r.c.type == "receive", ctx.scope(r), W.c.stream.in_(HAZARDOUS_STREAMS), g(M.c.accepted_kg) > 0)
        .group_by(M.c.receiver_id, L.c.waste_code, W.c.category, W.c.stream)).all()
    permits = _permits_of(session, {row[0] for row in groups})
    for receiver_id, waste_code, category, stream, first, last in groups:
        facts = permits.get(receiver_id, [])

        def problem(on):
            return rules.receiver_permit_violation(stream=Stream(stream), waste_code=waste_code, category=category,
                                                   quantity_kg=Decimal(0), on=on, permits=facts, receiver_name="")
        first_on, last_on = local_date(_aware(first)), local_date(_aware(last))
        if problem(first_on) is None and problem(last_on) is None and _same_permit_spans(facts, first_on, last_on):
            continue
        rows = session.execute(
            select(M.c.id, r.c.occurred_at).select_from(r.join(M, M.c.id == r.c.manifest_id)
                                                        .join(L, L.c.manifest_id == M.c.id))
            .where(r.c.type == "receive", ctx.scope(r), M.c.receiver_id == receiver_id, L.c.waste_code == waste_code,
                   g(M.c.accepted_kg) > 0)).all()
        for manifest_id, occurred_at in rows:
            violation = problem(local_date(occurred_at))
            if violation:
                yield Candidate("PERMIT_INVALID", f"m:{manifest_id}:receive", {
                    "step": "receive", "party": "receiver", "waste_code": waste_code, "category": category,
                    "date": local_date(occurred_at), "permits": [p.number for p in facts],
                    "message": violation.message}, manifest_id=manifest_id, responsible="receiver")
    p = E.alias("p")
    hazardous_manifest = exists().where(L.c.manifest_id == M.c.id, W.c.code == L.c.waste_code,
                                        W.c.stream.in_(HAZARDOUS_STREAMS))
    groups = session.execute(
        select(M.c.transporter_id, func.min(p.c.occurred_at), func.max(p.c.occurred_at))
        .select_from(p.join(M, M.c.id == p.c.manifest_id))
        .where(p.c.type == "pickup", ctx.scope(p), hazardous_manifest).group_by(M.c.transporter_id)).all()
    permits = _permits_of(session, {row[0] for row in groups})
    for transporter_id, first, last in groups:
        facts = permits.get(transporter_id, [])

        def problem(on):
            return rules.transport_permit_violation(hazardous=True, on=on, permits=facts, transporter_name="")
        first_on, last_on = local_date(_aware(first)), local_date(_aware(last))
        if problem(first_on) is None and problem(last_on) is None and _same_permit_spans(facts, first_on, last_on):
            continue
        rows = session.execute(select(M.c.id, p.c.occurred_at).select_from(p.join(M, M.c.id == p.c.manifest_id))
                               .where(p.c.type == "pickup", ctx.scope(p), M.c.transporter_id == transporter_id,
                                      hazardous_manifest)).all()
        for manifest_id, occurred_at in rows:
            violation = problem(local_date(occurred_at))
            if violation:
                yield Candidate("PERMIT_INVALID", f"m:{manifest_id}:pickup", {
                    "step": "pickup", "party": "transporter", "date": local_date(occurred_at),
                    "permits": [f.number for f in facts], "message": violation.message},
                    manifest_id=manifest_id, responsible="transporter")


def _same_permit_spans(facts, first_on: date, last_on: date) -> bool:
    """Whether one permit is valid over the whole span (so checking its two ends settles every day between)."""
    return first_on == last_on or any(f.valid_from <= first_on and last_on <= f.valid_to for f in facts)


def _permits_of(session, org_ids: set[int]) -> dict[int, list[rules.PermitFacts]]:
    out: dict[int, list[rules.PermitFacts]] = {}
    if not org_ids:
        return out
    for permit in session.scalars(select(Permit).where(Permit.organization_id.in_(org_ids))):
        out.setdefault(permit.organization_id, []).append(rules.PermitFacts(
            number=permit.number, kind=permit.kind, valid_from=permit.valid_from, valid_to=permit.valid_to,
            waste_codes=frozenset(permit.waste_codes), methods=frozenset(permit.methods),
            annual_capacity_kg=permit.annual_capacity_kg))
    return out


def record_intake(ctx: Context) -> None:
    """Writes the day's accepted quantity per receiver (by the day the receipt reached the server)."""
    session = ctx.session
    session.execute(delete(ReceiverIntake.__table__).where(ReceiverIntake.__table__.c.day == ctx.day))
    r = E.alias("r")
    rows = session.execute(
        select(M.c.receiver_id, func.sum(g(M.c.accepted_kg)))
        .select_from(r.join(M, M.c.id == r.c.manifest_id))
        .where(r.c.type == "receive", r.c.recorded_at >= ctx.start, r.c.recorded_at < ctx.end,
               g(M.c.accepted_kg) > 0)
        .group_by(M.c.receiver_id)).all()
    if rows:
        session.execute(ReceiverIntake.__table__.insert(),
                        [{"day": ctx.day, "receiver_id": rid, "accepted_kg": kg(grams)} for rid, grams in rows])


def backfill_intake(session, *, day: date, thresholds: Thresholds, progress: Progress | None = None) -> int:
    """Intake of the year's earlier days that no run has covered yet (a fresh install with history)."""
    year_start = date(day.year, 1, 1)
    covered = set(session.scalars(select(DaySeal.day).where(DaySeal.day >= year_start, DaySeal.day < day)))
    missing = [year_start + timedelta(days=i) for i in range((day - year_start).days)
               if year_start + timedelta(days=i) not in covered]
    for i, missing_day in enumerate(missing, start=1):
        window = day_window(missing_day)
        record_intake(Context(session, missing_day, window.start, window.end, thresholds))
        session.add(DaySeal(day=missing_day, run_count=0, anomalies_found=0, summary={"backfilled": "intake"}))
        if progress and (i % 30 == 0 or i == len(missing)):
            progress("intake backfill", i, len(missing))
    return len(missing)


def check_capacity_exceeded(ctx: Context) -> Iterator[Candidate]:
    """A receiver's accepted quantity this year passes the annual capacity of its operating permit."""
    session = ctx.session
    T = ReceiverIntake.__table__
    year_start = date(ctx.day.year, 1, 1)
    active = select(T.c.receiver_id).where(T.c.day == ctx.day)
    totals = session.execute(select(T.c.receiver_id, func.sum(g(T.c.accepted_kg)))
                             .where(T.c.day >= year_start, T.c.day <= ctx.day, T.c.receiver_id.in_(active))
                             .group_by(T.c.receiver_id)).all()
    permits = _permits_of(session, {row[0] for row in totals})
    for receiver_id, grams in totals:
        valid = [p for p in permits.get(receiver_id, []) if p.kind == "hw_operation" and p.valid_on(ctx.day)
                 and p.annual_capacity_kg is not None]
        if not valid:
            continue
        best = max(valid, key=lambda p: p.annual_capacity_kg)
        if kg(grams) > best.annual_capacity_kg:
            yield Candidate("CAPACITY_EXCEEDED", f"org:{receiver_id}:{ctx.day.year}", {
                "year": ctx.day.year, "accepted_this_year_kg": kg(grams), "permit": best.number,
                "annual_capacity_kg": best.annual_capacity_kg,
                "excess_kg": kg(grams) - best.annual_capacity_kg, "as_of": ctx.day},
                subject_type="organization", subject_id=receiver_id, organization_id=receiver_id)


def check_mass_balance(ctx: Context) -> Iterator[Candidate]:
    """A batch's ledger (remaining) disagrees with produced − shipped on live manifests, or is negative."""
    S = Site.__table__
    e = E.alias("e")
    touched_by_manifest = (select(L.c.batch_id).select_from(e.join(L, L.c.manifest_id == e.c.manifest_id))
                           .where(e.c.type.in_(("issue", "cancel")), ctx.scope(e)))
    if ctx.nightly:  # a UNION of ids, not an OR: an OR would make PostgreSQL read every batch ever stored
        b2 = B.alias("b2")
        touched = B.c.id.in_(union(select(b2.c.id).where(b2.c.generated_at >= ctx.start, b2.c.generated_at < ctx.end),
                                   touched_by_manifest))
    else:
        touched = B.c.id.in_(touched_by_manifest)
    lm = M.alias("lm")
    ll = L.alias("ll")
    shipped = (select(func.coalesce(func.sum(g(ll.c.quantity_kg)), 0))
               .select_from(ll.join(lm, lm.c.id == ll.c.manifest_id))
               .where(ll.c.batch_id == B.c.id, lm.c.status != "cancelled").scalar_subquery())
    query = (select(B.c.id, B.c.unit_code, B.c.waste_code, B.c.organization_id, S.c.region_code, S.c.name,
                    g(B.c.quantity_kg).label("quantity_g"), g(B.c.remaining_kg).label("remaining_g"),
                    shipped.label("shipped_g"))
             .select_from(B.join(S, S.c.id == B.c.site_id))
             .where(touched, or_(g(B.c.remaining_kg) < 0, g(B.c.remaining_kg) != g(B.c.quantity_kg) - shipped)))
    for row in ctx.stream(query):
        expected = row.quantity_g - row.shipped_g
        yield Candidate("MASS_BALANCE", f"batch:{row.id}", {
            "unit_code": row.unit_code, "waste_code": row.waste_code, "site": row.name,
            "produced_kg": kg(row.quantity_g), "shipped_kg": kg(row.shipped_g),
            "expected_remaining_kg": kg(expected), "ledger_remaining_kg": kg(row.remaining_g),
            "difference_kg": kg(row.remaining_g - expected)},
            subject_type="batch", subject_id=row.id, subject_label=row.unit_code,
            organization_id=row.organization_id, region_code=row.region_code)


def check_declaration_missing(ctx: Context) -> Iterator[Candidate]:
    """On a due date: producers that had to declare (annual ≥ threshold; monthly bulk industrial) and did not."""
    if not ctx.nightly:
        return
    t = ctx.thresholds
    D = Declaration.__table__
    O = Organization.__table__
    deadline = ctx.end
    month = catalog.monthly_period_due_on(ctx.day, t.declaration_monthly_due_day)
    if month:
        first = date(int(month[:4]), int(month[5:]), 1)
        start = day_window(first).start
        end = day_window((first + timedelta(days=32)).replace(day=1)).start
        declared = exists().where(D.c.organization_id == B.c.organization_id, D.c.period_kind == "monthly",
                                  D.c.period == month, D.c.submitted_at < deadline)
        query = (select(B.c.organization_id, O.c.region_code, func.sum(g(B.c.quantity_kg)))
                 .select_from(B.join(W, W.c.code == B.c.waste_code).join(O, O.c.id == B.c.organization_id))
                 .where(W.c.category.in_(t.bulk_industrial_categories), B.c.generated_at >= start,
                        B.c.generated_at < end, ~declared)
                 .group_by(B.c.organization_id, O.c.region_code))
        for org_id, region, grams in ctx.stream(query):
            yield Candidate("DECLARATION_MISSING", f"org:{org_id}:monthly:{month}", {
                "kind": "monthly", "period": month, "due": ctx.day, "generated_kg": kg(grams),
                "categories": list(t.bulk_industrial_categories)},
                subject_type="organization", subject_id=org_id, organization_id=org_id, region_code=region)
    year = ctx.day.year - 1
    if catalog.annual_due_date(year, t.declaration_annual_due) == ctx.day:
        start, end = day_window(date(year, 1, 1)).start, day_window(date(year + 1, 1, 1)).start
        declared = exists().where(D.c.organization_id == B.c.organization_id, D.c.period_kind == "annual",
                                  D.c.period == str(year), D.c.submitted_at < deadline)
        threshold_g = int(t.declaration_annual_threshold_kg * 1000)
        query = (select(B.c.organization_id, O.c.region_code, func.sum(g(B.c.quantity_kg)))
                 .select_from(B.join(W, W.c.code == B.c.waste_code).join(O, O.c.id == B.c.organization_id))
                 .where(W.c.stream.in_(HAZARDOUS_STREAMS), B.c.generated_at >= start, B.c.generated_at < end,
                        ~declared)
                 .group_by(B.c.organization_id, O.c.region_code)
                 .having(func.sum(g(B.c.quantity_kg)) >= threshold_g))
        for org_id, region, grams in ctx.stream(query):
            yield Candidate("DECLARATION_MISSING", f"org:{org_id}:annual:{year}", {
                "kind": "annual", "period": str(year), "due": ctx.day, "hazardous_generated_kg": kg(grams),
                "threshold_kg": t.declaration_annual_threshold_kg},
                subject_type="organization", subject_id=org_id, organization_id=org_id, region_code=region)


def check_payment_anomaly(ctx: Context) -> Iterator[Candidate]:
    """Fees paid to the transporter instead of the receiver (资金直付), or a closed manifest never paid for."""
    if not ctx.nightly:
        return
    P = Payment.__table__
    query = (select(P.c.id, P.c.manifest_id, P.c.payer_id, P.c.payee_id, P.c.amount, P.c.paid_at)
             .select_from(P.join(M, M.c.id == P.c.manifest_id))
             .where(or_(and_(P.c.paid_at >= ctx.start, P.c.paid_at < ctx.end),
                        and_(P.c.recorded_at >= ctx.start, P.c.recorded_at < ctx.end)),
                    P.c.payee_id == M.c.transporter_id, M.c.transporter_id != M.c.receiver_id))
    for row in ctx.stream(query):
        yield Candidate("PAYMENT_ANOMALY", f"payment:{row.id}", {
            "kind": "paid_to_transporter", "payment_id": row.id, "amount_yuan": row.amount, "paid_at": row.paid_at,
            "payee_id": row.payee_id, "payer_id": row.payer_id}, manifest_id=row.manifest_id, responsible="issuer")
    due = ctx.thresholds.payment_due_days
    closed_day = day_window(ctx.day - timedelta(days=due))
    paid = exists().where(P.c.manifest_id == M.c.id, P.c.paid_at < ctx.end)
    query = select(M.c.id, M.c.status_changed_at).where(
        M.c.status == "closed", M.c.status_changed_at >= closed_day.start, M.c.status_changed_at < closed_day.end,
        ~paid)
    for row in ctx.stream(query):
        yield Candidate("PAYMENT_ANOMALY", f"m:{row.id}:unpaid", {
            "kind": "no_payment", "closed_at": row.status_changed_at, "days_since_close": due},
            manifest_id=row.id, responsible="issuer")


def check_long_distance(ctx: Context) -> Iterator[Candidate]:
    """Origin and receiver farther apart than LONG_DISTANCE_KM (checked when the load is picked up)."""
    km = ctx.thresholds.long_distance_km
    O, R = Site.__table__.alias("o"), Site.__table__.alias("rs")
    p = E.alias("p")
    distance = haversine_m(O.c.lat, O.c.lon, R.c.lat, R.c.lon)
    query = (select(M.c.id, O.c.name.label("origin"), R.c.name.label("destination"), distance.label("distance"))
             .select_from(p.join(M, M.c.id == p.c.manifest_id).join(O, O.c.id == M.c.origin_site_id)
                          .join(R, R.c.id == M.c.receiver_site_id))
             .where(p.c.type == "pickup", ctx.scope(p), O.c.lat.is_not(None), R.c.lat.is_not(None),
                    distance > km * 1000))
    for row in ctx.stream(query):
        yield Candidate("LONG_DISTANCE", f"m:{row.id}", {
            "origin_site": row.origin, "destination_site": row.destination,
            "distance_km": round(row.distance / 1000, 1), "threshold_km": km}, manifest_id=row.id,
            responsible="issuer")


def check_overweight_load(ctx: Context) -> Iterator[Candidate]:
    """At a pickup, the manifests on board one vehicle (picked up, not yet delivered) weigh more than it may carry."""
    t = ctx.thresholds
    V = Vehicle.__table__
    lookback = timedelta(hours=t.transit_overdue_hours)
    q_e, q_m = E.alias("qe"), M.alias("qm")
    recent = (select(q_e.c.id.label("event_id"), q_e.c.manifest_id, q_m.c.vehicle_id, q_e.c.occurred_at,
                     g(q_m.c.pickup_kg).label("pickup_g"))
              .select_from(q_e.join(q_m, q_m.c.id == q_e.c.manifest_id))
              .where(q_e.c.type == "pickup", q_e.c.occurred_at >= ctx.start - lookback, q_e.c.occurred_at < ctx.end,
                     q_m.c.vehicle_id.is_not(None)).cte("recent"))
    p_e = E.alias("pe")
    here = (select(p_e.c.id.label("event_id")).where(p_e.c.type == "pickup", ctx.scope(p_e))).subquery("here")
    pr, qr = recent.alias("pr"), recent.alias("qr")
    d = E.alias("d")
    delivered_before = exists().where(d.c.manifest_id == qr.c.manifest_id, d.c.type == "deliver",
                                      d.c.occurred_at <= pr.c.occurred_at)
    load = func.sum(qr.c.pickup_g)
    max_g = func.coalesce(g(V.c.max_load_kg), int(t.max_load_kg * 1000))
    query = (select(pr.c.manifest_id, pr.c.vehicle_id, V.c.plate, pr.c.occurred_at, pr.c.pickup_g,
                    load.label("load_g"), max_g.label("max_g"))
             .select_from(pr.join(here, here.c.event_id == pr.c.event_id)
                          .join(qr, and_(qr.c.vehicle_id == pr.c.vehicle_id, qr.c.occurred_at <= pr.c.occurred_at))
                          .join(V, V.c.id == pr.c.vehicle_id))
             .where(~delivered_before)
             .group_by(pr.c.manifest_id, pr.c.vehicle_id, V.c.plate, pr.c.occurred_at, pr.c.pickup_g, V.c.max_load_kg)
             .having(and_(load > max_g, load - pr.c.pickup_g <= max_g)))
    # The day's pickups are a few thousand rows on each side: a hash join on the vehicle. PostgreSQL misjudges
    # the day's share of the events (an OR of two time ranges) and would pick a nested loop of N × N instead.
    with _without_nested_loops(ctx.session):
        rows = ctx.session.execute(query).all()  # at most one row per pickup that tipped a vehicle over
    for row in rows:
        yield Candidate("OVERWEIGHT_LOAD", f"m:{row.manifest_id}", {
            "vehicle": row.plate, "vehicle_id": row.vehicle_id, "picked_up_at": _aware(row.occurred_at),
            "load_kg": kg(row.load_g), "max_load_kg": kg(row.max_g), "excess_kg": kg(row.load_g - row.max_g)},
            manifest_id=row.manifest_id, responsible="transporter")


NIGHTLY_CHECKS = (check_transit_overdue, check_receipt_overdue, check_weight_mismatch, check_storage_overdue,
                  check_loop_not_closed, check_jurisdiction_breach, check_location_mismatch, check_permit_invalid,
                  check_capacity_exceeded, check_mass_balance, check_declaration_missing, check_payment_anomaly,
                  check_long_distance, check_overweight_load)
EVENT_CHECKS = {
    "pickup": (check_location_mismatch, check_long_distance, check_overweight_load, check_permit_invalid,
               check_storage_overdue),
    "deliver": (check_transit_overdue, check_location_mismatch, check_jurisdiction_breach),
    "receive": (check_receipt_overdue, check_weight_mismatch, check_permit_invalid),
    "dispose": (check_loop_not_closed,),
    "issue": (check_mass_balance,),
    "cancel": (check_mass_balance,),
}


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


# ---------------------------------------------------------------- findings → rows

def _manifest_facts(session, ids: set[int]) -> dict[int, dict]:
    if not ids:
        return {}
    O_, R_ = Site.__table__.alias("o"), Site.__table__.alias("r")
    I, RC, T = (Organization.__table__.alias(n) for n in ("i", "rc", "t"))
    rows = session.execute(
        select(M.c.id, M.c.number, M.c.status, M.c.origin_region_code, M.c.destination_region_code, M.c.issuer_id,
               M.c.receiver_id, M.c.transporter_id, I.c.name.label("issuer"), RC.c.name.label("receiver"),
               T.c.name.label("transporter"), O_.c.name.label("origin_site"), R_.c.name.label("receiver_site"),
               g(M.c.total_kg).label("total_g"))
        .select_from(M.join(I, I.c.id == M.c.issuer_id).join(RC, RC.c.id == M.c.receiver_id)
                     .join(T, T.c.id == M.c.transporter_id).join(O_, O_.c.id == M.c.origin_site_id)
                     .join(R_, R_.c.id == M.c.receiver_site_id))
        .where(M.c.id.in_(ids))).all()
    return {row.id: row._asdict() for row in rows}


def _org_regions(session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    return {row.id: (row.region_code, row.name) for row in
            session.execute(select(Organization.id, Organization.region_code, Organization.name)
                            .where(Organization.id.in_(ids)))}


def to_findings(session, candidates: list[Candidate], *, seal_region: str) -> list[Finding]:
    facts = _manifest_facts(session, {c.manifest_id for c in candidates if c.manifest_id})
    orgs = _org_regions(session, {c.organization_id for c in candidates if c.organization_id})
    findings = []
    for c in candidates:
        evidence = dict(c.evidence)
        region, related, org_id = c.region_code, None, c.organization_id
        subject_type, subject_id, label = c.subject_type, c.subject_id, c.subject_label
        if c.manifest_id and c.manifest_id in facts:
            m = facts[c.manifest_id]
            evidence["manifest"] = {
                "id": m["id"], "number": m["number"], "status": m["status"], "total_kg": kg(m["total_g"]),
                "issuer": m["issuer"], "receiver": m["receiver"], "transporter": m["transporter"],
                "origin_site": m["origin_site"], "receiver_site": m["receiver_site"],
                "origin_region": m["origin_region_code"], "destination_region": m["destination_region_code"]}
            region = region or m["origin_region_code"]
            related = m["destination_region_code"] if m["destination_region_code"] != region else None
            org_id = org_id or m[f"{c.responsible}_id"]
            if subject_type == "manifest":
                subject_id, label = c.manifest_id, m["number"]
        if org_id in orgs:
            region = region or orgs[org_id][0]
            evidence.setdefault("organization", orgs[org_id][1])
            label = label or orgs[org_id][1]
        if subject_type == "day":
            region = region or seal_region
        findings.append(Finding(code=c.code, fingerprint=f"{c.code}:{c.key}", subject_type=subject_type,
                                subject_id=subject_id, subject_label=label or "", region_code=region or seal_region,
                                related_region_code=related, organization_id=org_id, manifest_id=c.manifest_id,
                                evidence=_jsonable(evidence), severity=c.severity))
    return findings


def store_findings(session, findings: list[Finding], *, day: date, now: datetime, source: str) -> int:
    """Inserts the findings not yet known (by fingerprint); returns how many were new."""
    if not findings:
        return 0
    prints = list({f.fingerprint for f in findings})
    known = set()
    for i in range(0, len(prints), 500):
        known.update(session.scalars(select(Anomaly.fingerprint).where(Anomaly.fingerprint.in_(prints[i:i + 500]))))
    rows, seen = [], set(known)
    for f in findings:
        if f.fingerprint in seen:
            continue
        seen.add(f.fingerprint)
        rows.append({"fingerprint": f.fingerprint, "code": f.code, "severity": f.severity, "status": "open",
                     "day": day, "source": source, "subject_type": f.subject_type, "subject_id": f.subject_id,
                     "subject_label": f.subject_label[:200], "region_code": f.region_code,
                     "related_region_code": f.related_region_code, "organization_id": f.organization_id,
                     "manifest_id": f.manifest_id, "evidence": f.evidence, "detected_at": now,
                     "status_changed_at": now})
    if rows:
        dialect = session.get_bind().dialect.name
        session.execute(_insert(dialect).on_conflict_do_nothing(index_elements=["fingerprint"]), rows)
    return len(rows)


# ---------------------------------------------------------------- the run

def run_reconciliation(session, *, day: date, now: datetime, thresholds: Thresholds, secret: str,
                       progress: Progress | None = None) -> catalog.RunSummary:
    """Reconciles one business day (Asia/Shanghai): finds its anomalies, seals its events; idempotent."""
    started = clock.perf_counter()
    _ensure_sqlite_math(session)
    window = day_window(day)
    ctx = Context(session, day, window.start, window.end, thresholds)
    summary = catalog.RunSummary(date=day)
    seal = session.get(DaySeal, day)
    summary.rerun = bool(seal and seal.run_count)
    previous = dict(seal.summary or {}) if summary.rerun else {}
    if seal is None:
        seal = DaySeal(day=day, run_count=0, anomalies_found=0, summary={})
        session.add(seal)
        session.flush()
    backfilled = backfill_intake(session, day=day, thresholds=thresholds, progress=progress)
    record_intake(ctx)
    total_checks = len(NIGHTLY_CHECKS) + 2
    fingerprints: set[str] = set()

    def record(candidates: Iterable[Candidate]) -> None:
        batch: list[Candidate] = []
        for candidate in candidates:
            batch.append(candidate)
            if len(batch) >= CHUNK:
                _flush(batch)
                batch = []
        _flush(batch)

    def _flush(batch: list[Candidate]) -> None:
        if not batch:
            return
        findings = to_findings(session, batch, seal_region=thresholds.seal_region)
        findings = [f for f in findings if f.fingerprint not in fingerprints]
        for f in findings:
            fingerprints.add(f.fingerprint)
            summary.by_code[f.code] = summary.by_code.get(f.code, 0) + 1
        summary.new_anomalies += store_findings(session, findings, day=day, now=now, source="nightly")

    for i, check in enumerate(NIGHTLY_CHECKS, start=1):
        record(check(ctx))
        if progress:
            progress(check.__name__.removeprefix("check_"), i, total_checks)
    broken, summary.manifests_verified = check_chains(ctx, progress)
    record(broken)
    status, problem, summary.events_sealed = seal_day(session, day=day, secret=secret, now=now, seal=seal)
    summary.seal = status
    rechecked, summary.seals_rechecked = recheck_seals(session, day=day, secret=secret,
                                                       days=thresholds.seal_recheck_days)
    record(([problem] if problem else []) + rechecked)
    if progress:
        progress("seal", total_checks, total_checks)
    summary.anomalies_found = len(fingerprints)
    if backfilled:
        summary.changes.append(f"backfilled receiver intake for {backfilled} earlier days of the year")
    if summary.rerun:
        summary.changes.append(f"{summary.new_anomalies} new anomalies since the previous run "
                               f"(which found {previous.get('anomalies_found', 0)})")
        for code, count in sorted(summary.by_code.items()):
            before = previous.get("by_code", {}).get(code, 0)
            if count != before:
                summary.changes.append(f"{code}: {before} → {count}")
        summary.changes.append(f"seal {status}")
    summary.duration_s = clock.perf_counter() - started
    seal.run_count = (seal.run_count or 0) + 1
    seal.last_run_at = now
    seal.anomalies_found = summary.anomalies_found
    seal.summary = {k: v for k, v in summary.as_dict().items() if k in ("anomalies_found", "by_code", "seal")}
    session.commit()
    return summary


def check_event(session, *, event_id: int, now: datetime, thresholds: Thresholds) -> int:
    """Run-time findings for one just-recorded event (same checks as the night, scoped to the event)."""
    _ensure_sqlite_math(session)
    row = session.execute(select(E.c.type, E.c.occurred_at).where(E.c.id == event_id)).first()
    if row is None:
        return 0
    on = local_date(row.occurred_at)
    window = day_window(on)
    ctx = Context(session, on, window.start, window.end, thresholds, event_id=event_id)
    candidates = [c for check in EVENT_CHECKS.get(row.type, ()) for c in check(ctx)]
    findings = to_findings(session, candidates, seal_region=thresholds.seal_region)
    new = store_findings(session, findings, day=on, now=now, source="runtime")
    session.commit()
    return new


# Thresholds for run-time findings: set from the app's configuration when the API is registered (services do not
# read Flask's config); the defaults are the documented ones.
RUNTIME = {"thresholds": Thresholds(), "enabled": True}


def configure_runtime(thresholds: Thresholds, enabled: bool = True) -> None:
    RUNTIME["thresholds"], RUNTIME["enabled"] = thresholds, enabled


def after_step(session, *, event_id: int, now: datetime) -> None:
    """Called by record_step after its commit: records run-time findings of the step, never failing the step."""
    if not RUNTIME["enabled"]:
        return
    try:
        check_event(session, event_id=event_id, now=now, thresholds=RUNTIME["thresholds"])
    except Exception:  # a finding that cannot be recorded now is found again by the nightly run
        log.exception("run-time anomaly check failed for event %s", event_id)
        session.rollback()
