"""The running capacity counter: hazardous quantity committed to each receiver per year, kept beside the history.

A receiver's 危险废物经营许可证 caps what it may take in a year. Issuing used to sum the year's live manifests to
the receiver under its row lock, so issuing slowed as the year filled up. The counter (`receiver_capacity`, one row
per receiver and year of the planned pickup, China time) holds that sum instead:

- an issue adds its hazardous quantity with one `INSERT … ON CONFLICT DO UPDATE … RETURNING` (`reserve`), which
  takes the counter row's lock and keeps it to the end of the transaction: concurrent issues to one receiver take
  turns on that statement only, and a refused issue rolls its addition back with everything else;
- a manifest leaving the live states (cancelled, or refused whole at receipt) gives its quantity back through a
  trigger on `manifest.status` (migration 0014), in that step's transaction, whoever writes the status;
- the migration fills the counter from the history once; `rebuild` recomputes it (tools that load history with
  SQL, and `counters_drift` says whether the counter still equals the sum it replaces).

The counter is per receiver, not per permit: the rule has always compared each covering permit's capacity with
everything committed to the receiver that year, and keeps doing so.
"""
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from wastechain.domain.quantities import ZERO
from wastechain.domain.states import ManifestStatus
from wastechain.domain.streams import HAZARDOUS_STREAMS
from wastechain.domain.timeutil import CHINA, local_date
from wastechain.models import Manifest, ManifestLine, ReceiverCapacity, WasteCode

C = ReceiverCapacity.__table__
# The states in which a manifest's quantity counts against its receiver's capacity (the trigger lists the same).
LIVE_STATUSES = tuple(s.value for s in (ManifestStatus.ISSUED, ManifestStatus.IN_TRANSIT, ManifestStatus.DELIVERED,
                                        ManifestStatus.RECEIVED, ManifestStatus.CLOSED))
HAZARDOUS = tuple(s.value for s in HAZARDOUS_STREAMS)


def _taken():
    """What counts against a receiver besides being live: not a return trip (the issuer's own waste back), and not a
    load the receiver refused whole (closed later, when it arrived elsewhere: issue 10)."""
    return and_(Manifest.receiver_id != Manifest.issuer_id,
                or_(Manifest.status != ManifestStatus.CLOSED.value, Manifest.accepted_kg.is_(None),
                    Manifest.accepted_kg > 0))


def capacity_year(planned_pickup_at: datetime) -> int:
    """The year whose capacity a manifest uses: that of its planned pickup, in China."""
    return local_date(planned_pickup_at).year


def _upsert(session):
    return (postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert)(C)


def reserve(session, *, receiver_id: int, year: int, quantity_kg: Decimal) -> Decimal:
    """Adds a new manifest's hazardous quantity to the receiver's counter; returns what was committed before it.

    One statement, and the counter row stays locked until the transaction ends (SQLite: writers are serialized).
    """
    statement = _upsert(session).values(receiver_id=receiver_id, year=year, committed_kg=quantity_kg)
    statement = statement.on_conflict_do_update(
        index_elements=[C.c.receiver_id, C.c.year],
        set_={"committed_kg": C.c.committed_kg + statement.excluded.committed_kg},
    ).returning(C.c.committed_kg)
    after = session.execute(statement).scalar_one()
    return after - quantity_kg


def committed(session, *, receiver_id: int, year: int) -> Decimal:
    """What is committed to the receiver in the year now (a read without the lock: for a check, not an issue)."""
    value = session.scalar(select(C.c.committed_kg).where(C.c.receiver_id == receiver_id, C.c.year == year))
    return value if value is not None else ZERO


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    start = datetime(year, 1, 1, tzinfo=CHINA)
    # year 9999 has no next year in Python: its end is the end of time
    end = datetime(year + 1, 1, 1, tzinfo=CHINA) if year < 9999 else datetime.max.replace(tzinfo=timezone.utc)
    return start, end


def summed(session, *, receiver_id: int, year: int) -> Decimal:
    """The sum the counter replaces: hazardous quantity on live manifests to the receiver planned in the year.

    Grows with the year's history: benchmarks/bench_issue.py times it; no issue runs it.
    """
    start, end = _year_bounds(year)
    total = session.scalar(
        select(func.coalesce(func.sum(ManifestLine.quantity_kg), 0))
        .join(Manifest, Manifest.id == ManifestLine.manifest_id)
        .join(WasteCode, WasteCode.code == ManifestLine.waste_code)
        .where(Manifest.receiver_id == receiver_id, Manifest.status.in_(LIVE_STATUSES), _taken(),
               WasteCode.stream.in_(HAZARDOUS), Manifest.planned_pickup_at >= start,
               Manifest.planned_pickup_at < end))
    return Decimal(total or 0)


def counters_drift(session) -> list[dict]:
    """Every (receiver, year) whose counter differs from the sum of its manifests (empty when all agree)."""
    counters = {(r, y): int(kg * 1000) for r, y, kg in session.execute(select(C.c.receiver_id, C.c.year,
                                                                              C.c.committed_kg))}
    sums = _sums_by_receiver_year(session)
    return [{"receiver_id": r, "year": y, "counter_kg": Decimal(counters.get((r, y), 0)) / 1000,
             "manifests_kg": Decimal(sums.get((r, y), 0)) / 1000}
            for r, y in sorted(set(counters) | set(sums)) if counters.get((r, y), 0) != sums.get((r, y), 0)]


def _sums_by_receiver_year(session) -> dict[tuple[int, int], int]:
    """Grams per (receiver, year of planned pickup in China), summed in Python over the live hazardous lines."""
    out: dict[tuple[int, int], int] = {}
    query = (select(Manifest.receiver_id, Manifest.planned_pickup_at, ManifestLine.quantity_kg)
             .join(ManifestLine, ManifestLine.manifest_id == Manifest.id)
             .join(WasteCode, WasteCode.code == ManifestLine.waste_code)
             .where(Manifest.status.in_(LIVE_STATUSES), _taken(), WasteCode.stream.in_(HAZARDOUS)))
    for receiver_id, planned, quantity in session.execute(query.execution_options(yield_per=5000)):
        key = (receiver_id, capacity_year(planned))
        out[key] = out.get(key, 0) + int(quantity * 1000)
    return out


def rebuild(session) -> int:
    """Recomputes every counter from the manifests (after loading history with SQL); returns the rows written."""
    sums = _sums_by_receiver_year(session)
    session.execute(delete(C))
    if sums:
        session.execute(insert(C), [{"receiver_id": r, "year": y, "committed_kg": Decimal(grams) / 1000}
                                    for (r, y), grams in sorted(sums.items())])
    return len(sums)
