"""The daily rollups (models/rollups.py): each China day's figures recomputed from that day's rows and replaced.

What a day's row counts, per county (region), stream and waste category:
- produced_kg: batches produced that day at the county's sites (not the batches a receipt creates in a collector's
  stock or back at the producer); storage_change_kg: every batch created that day, minus what manifests issued
  that day took out, plus what manifests cancelled that day put back (summed over all days: what is in storage);
- transferred_kg, manifests_picked_up, approval_*: manifests picked up that day, by their origin county;
  manifests_closed: of those, the ones closed when the day was refreshed;
- disposed_kg: utilization/disposal (R/D) records of that day at the county's receivers;
- manifests_issued: issued that day; deliveries / receipts_on_time: manifests delivered that day to the county's
  receivers, and those whose receipt was confirmed within the legal deadline (timeutil.receipt_deadline).
Kilograms per line (its waste code's category); a manifest counts once, under its first line's category.
Flows: kilograms picked up that day by origin county, destination county and stream.

Figures of a day can still move after it (a late closure or receipt, a step recorded up to 7 days late), so the
night refreshes the last SETTLING_DAYS days besides the day it reconciles; `flask rollups rebuild` any range.
"""
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Integer, any_, bindparam, delete, exists, insert, select
from sqlalchemy.dialects.postgresql import ARRAY

from wastechain.domain.anomalies import day_window
from wastechain.domain.states import ManifestStatus, Step
from wastechain.domain.timeutil import local_date, receipt_deadline
from wastechain.domain.vocabulary import LineageKind
from wastechain.models import (Batch, DailyFigures, DailyFlow, DisposalRecord, LineageFlow, Manifest, ManifestEvent,
                               ManifestLine, Site, WasteCode)

SETTLING_DAYS = 30
RECEIPT_BATCH_KINDS = (LineageKind.STOCKED, LineageKind.RETURNED, LineageKind.SURPLUS)
ZERO = Decimal(0)


@dataclass
class Figures:
    produced_kg: Decimal = ZERO
    storage_change_kg: Decimal = ZERO
    transferred_kg: Decimal = ZERO
    disposed_kg: Decimal = ZERO
    approval_kg: Decimal = ZERO
    manifests_issued: int = 0
    manifests_picked_up: int = 0
    manifests_closed: int = 0
    approval_manifests: int = 0
    deliveries: int = 0
    receipts_on_time: int = 0


FIGURES = tuple(f.name for f in fields(Figures))


@dataclass
class Day:
    """One day's figures keyed by (region, stream, category) and flows by (origin, destination, stream)."""

    day: date
    figures: dict = field(default_factory=lambda: defaultdict(Figures))
    flows: dict = field(default_factory=lambda: defaultdict(lambda: [ZERO, 0]))

    def add(self, key, **amounts) -> None:
        row = self.figures[key].__dict__
        for name, amount in amounts.items():
            row[name] += amount


def compute_day(session, day: date, *, receipt_working_days: int = 5) -> Day:
    """The figures of one day, from that day's batches, events and disposal records (nothing written)."""
    window = day_window(day)
    out = Day(day)
    _batches(session, window, out)
    steps = session.execute(
        select(ManifestEvent.manifest_id, ManifestEvent.type, ManifestEvent.occurred_at)
        .where(ManifestEvent.occurred_at >= window.start, ManifestEvent.occurred_at < window.end,
               ManifestEvent.type.in_([Step.ISSUE, Step.CANCEL, Step.PICKUP, Step.DELIVER]))).all()
    by_step = defaultdict(list)
    for manifest_id, step, occurred_at in steps:
        by_step[step].append((manifest_id, occurred_at))
    ids = {manifest_id for manifest_id, _, _ in steps}
    manifests, lines = _manifests(session, ids)
    for manifest_id, _ in by_step[Step.ISSUE]:
        m = manifests[manifest_id]
        out.add(_key(m.origin_region_code, lines[manifest_id][0]), manifests_issued=1)
        for line in lines[manifest_id]:
            out.add(_key(line.site_region, line), storage_change_kg=-line.kg)
    for manifest_id, _ in by_step[Step.CANCEL]:
        for line in lines[manifest_id]:
            out.add(_key(line.site_region, line), storage_change_kg=line.kg)
    for manifest_id, _ in by_step[Step.PICKUP]:
        _picked_up(out, manifests[manifest_id], lines[manifest_id])
    _deliveries(session, out, by_step[Step.DELIVER], manifests, lines, receipt_working_days)
    _disposals(session, window, out)
    return out


@dataclass(frozen=True)
class _Line:
    stream: str
    category: str
    kg: Decimal
    site_region: str  # of the batch it was taken from


def _key(region: str, line: _Line) -> tuple[str, str, str]:
    return region, line.stream, line.category


def _batches(session, window, out: Day) -> None:
    from_receipt = exists().where(LineageFlow.batch_id == Batch.id, LineageFlow.kind.in_(RECEIPT_BATCH_KINDS))
    rows = session.execute(
        select(Site.region_code, WasteCode.stream, WasteCode.category, Batch.quantity_kg, from_receipt)
        .join(Site, Site.id == Batch.site_id).join(WasteCode, WasteCode.code == Batch.waste_code)
        .where(Batch.generated_at >= window.start, Batch.generated_at < window.end))
    for region, stream, category, kg, received in rows:
        out.add((region, stream, category), storage_change_kg=kg, **({} if received else {"produced_kg": kg}))


def _among(session, column, ids):
    """column IN ids; on PostgreSQL as one array parameter (a day's thousands of ids bound one by one cost more
    than the query, and a subquery instead is misestimated into a scan of every line)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(Integer)))
    return column.in_(ids)


def _manifests(session, ids: set[int]) -> tuple[dict, dict]:
    if not ids:
        return {}, {}
    manifests = {m.id: m for m in session.execute(
        select(Manifest.id, Manifest.origin_region_code, Manifest.destination_region_code, Manifest.status,
               Manifest.approval_id).where(_among(session, Manifest.id, ids))).all()}
    lines = defaultdict(list)
    for manifest_id, stream, category, kg, region in session.execute(
            select(ManifestLine.manifest_id, WasteCode.stream, WasteCode.category, ManifestLine.quantity_kg,
                   Site.region_code)
            .join(WasteCode, WasteCode.code == ManifestLine.waste_code)
            .join(Batch, Batch.id == ManifestLine.batch_id).join(Site, Site.id == Batch.site_id)
            .where(_among(session, ManifestLine.manifest_id, ids)).order_by(ManifestLine.manifest_id, ManifestLine.id)):
        lines[manifest_id].append(_Line(stream, category, kg, region))
    return manifests, lines


def _picked_up(out: Day, m, lines: list[_Line]) -> None:
    first = lines[0]
    approved = m.approval_id is not None
    out.add(_key(m.origin_region_code, first), manifests_picked_up=1,
            manifests_closed=int(m.status == ManifestStatus.CLOSED), approval_manifests=int(approved))
    streams = set()
    for line in lines:
        out.add(_key(m.origin_region_code, line), transferred_kg=line.kg,
                **({"approval_kg": line.kg} if approved else {}))
        flow = out.flows[(m.origin_region_code, m.destination_region_code, line.stream)]
        flow[0] += line.kg
        if line.stream not in streams:
            flow[1] += 1
            streams.add(line.stream)


def _deliveries(session, out: Day, delivered, manifests, lines, working_days: int) -> None:
    if not delivered:
        return
    receipts = dict(session.execute(
        select(ManifestEvent.manifest_id, ManifestEvent.occurred_at)
        .where(_among(session, ManifestEvent.manifest_id, {manifest_id for manifest_id, _ in delivered}),
               ManifestEvent.type == Step.RECEIVE)).all())
    for manifest_id, delivered_at in delivered:
        received_at = receipts.get(manifest_id)
        on_time = received_at is not None and local_date(received_at) <= receipt_deadline(delivered_at, working_days)
        out.add(_key(manifests[manifest_id].destination_region_code, lines[manifest_id][0]), deliveries=1,
                receipts_on_time=int(on_time))


def _disposals(session, window, out: Day) -> None:
    rows = session.execute(
        select(Site.region_code, WasteCode.stream, WasteCode.category, LineageFlow.quantity_kg)
        .select_from(DisposalRecord)
        .join(LineageFlow, (LineageFlow.disposal_id == DisposalRecord.id) & (LineageFlow.kind == LineageKind.DISPOSED))
        .join(Site, Site.id == DisposalRecord.site_id).join(WasteCode, WasteCode.code == LineageFlow.waste_code)
        .where(DisposalRecord.disposed_at >= window.start, DisposalRecord.disposed_at < window.end))
    for region, stream, category, kg in rows:
        out.add((region, stream, category), disposed_kg=kg)


def _store(session, computed: Day) -> None:
    day = computed.day
    session.execute(delete(DailyFigures).where(DailyFigures.day == day))
    session.execute(delete(DailyFlow).where(DailyFlow.day == day))
    figures = [{"day": day, "region_code": region, "stream": stream, "category": category,
                **{name: getattr(row, name) for name in FIGURES}}
               for (region, stream, category), row in computed.figures.items()]
    flows = [{"day": day, "origin_region_code": origin, "destination_region_code": destination, "stream": stream,
              "kg": kg, "manifests": n} for (origin, destination, stream), (kg, n) in computed.flows.items()]
    if figures:
        session.execute(insert(DailyFigures), figures)
    if flows:
        session.execute(insert(DailyFlow), flows)


def refresh_rollups(session, day: date, *, settling_days: int = SETTLING_DAYS, receipt_working_days: int = 5) -> int:
    """Recomputes and replaces the rollups of `day` and of the `settling_days` before it; returns the days done.
    The caller commits (the night's transaction)."""
    first = day - timedelta(days=settling_days)
    return rebuild_rollups(session, first, day, receipt_working_days=receipt_working_days)


def rebuild_rollups(session, first: date, last: date, *, receipt_working_days: int = 5, progress=None) -> int:
    done = 0
    current = first
    while current <= last:
        _store(session, compute_day(session, current, receipt_working_days=receipt_working_days))
        done += 1
        current += timedelta(days=1)
        if progress and done % 30 == 0:
            progress("days", done, (last - first).days + 1)
    return done


def first_day_of_history(session) -> date | None:
    """The China day of the oldest batch or event (where a full rebuild starts)."""
    oldest = [session.scalar(select(Batch.generated_at).order_by(Batch.generated_at).limit(1)),
              session.scalar(select(ManifestEvent.occurred_at).order_by(ManifestEvent.occurred_at).limit(1))]
    oldest = [moment for moment in oldest if moment is not None]
    return local_date(min(oldest)) if oldest else None
