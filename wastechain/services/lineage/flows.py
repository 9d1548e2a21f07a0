"""Lineage of every kilogram: recorded as flows when quantities move; read both ways with set-based SQL.

Design (see also LineageFlow):
- Issuing a manifest draws each line's quantity from the batch's open parts, oldest first, as `shipped` flows;
  a consolidated stock batch at a collector holds parts of many origin batches, so one line may become several
  flows, each keeping its origin batch.
- Receipt splits every shipped flow exactly (whole grams) into accepted, refused and variance in proportion to
  what it carried. At a collector (小微收集中心) the accepted quantity becomes a new stock batch per waste code
  (`stocked` flows): that storage record is where the inbound manifest's loop ends (it closes at receipt) and
  the lineage continues on the collector's outbound manifests. At a treating receiver it is `accepted` and waits
  for disposal records. Refused quantity is never lost: it becomes a `returned` batch of the issuer that names
  the refusing manifest (`refused_from_id`) and stays in the carrier's custody — at no site, so in no ledger —
  until a return manifest takes it back to the issuer's site or a redirect manifest to another receiver; there it
  is received like any load (a return trip into the issuer's stock).
- A disposal record draws from the manifest's accepted flows, oldest first, as `disposed` flows: the only kind
  that closes a kilogram.
"""
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import aliased

from wastechain.domain import rules
from wastechain.domain.lineage import Part, draw_fifo, split_receipt
from wastechain.domain.quantities import GRAMS_PER_KG, ZERO, kg_from_grams
from wastechain.domain.states import Step
from wastechain.domain.vocabulary import BatchStatus, LineageKind as K
from wastechain.models import Batch, DisposalRecord, LineageFlow, Manifest, ManifestEvent, Organization
from wastechain.services.storage.batches import next_unit_code

HOLDING_KINDS = (K.PRODUCED, K.STOCKED, K.RETURNED, K.CANCELLED, K.SURPLUS)  # with batch_id: parts of a batch
TREATABLE_KINDS = (K.ACCEPTED, K.SURPLUS)  # with manifest_id and no batch: waiting at a receiver for disposal


def grams(kg: Decimal) -> int:
    return int(kg * GRAMS_PER_KG)


def _g(column):
    """A Mass column as its stored integer grams, so SQL sums stay exact integers."""
    return type_coerce(column, BigInteger)


def receives_into_stock(manifest: Manifest) -> bool:
    site = manifest.receiver_site
    return rules.receives_into_stock(site.organization.roles, site.kind,
                                     return_trip=manifest.receiver_id == manifest.issuer_id)


# ---------------------------------------------------------------- recording (an in-step handler)

def _open_parts(session, where) -> list[tuple[LineageFlow, int]]:
    child = aliased(LineageFlow)
    used = (select(func.coalesce(func.sum(_g(child.quantity_kg)), 0)).where(child.parent_id == LineageFlow.id)
            .scalar_subquery())
    rows = session.execute(select(LineageFlow, _g(LineageFlow.quantity_kg) - used).where(*where)
                           .order_by(LineageFlow.id)).all()
    return [(flow, int(open_g)) for flow, open_g in rows if open_g > 0]


def _batch_parts(session, batch: Batch) -> list[tuple[LineageFlow, int]]:
    """The open parts of a batch; a batch that never moved gets its root `produced` flow now."""
    where = (LineageFlow.batch_id == batch.id, LineageFlow.kind.in_(HOLDING_KINDS))
    has_root = session.scalar(select(func.count()).select_from(LineageFlow).where(*where))
    if not has_root:
        session.add(LineageFlow(kind=K.PRODUCED, origin_batch_id=batch.id, batch_id=batch.id, site_id=batch.site_id,
                                waste_code=batch.waste_code, quantity_kg=batch.quantity_kg,
                                recorded_at=batch.generated_at))
        session.flush()
    return _open_parts(session, where)


def _child(parent: LineageFlow, kind: str, grams_: int, at: datetime, **fields) -> LineageFlow:
    values = dict(kind=kind, parent_id=parent.id, origin_batch_id=parent.origin_batch_id,
                  waste_code=parent.waste_code, quantity_kg=kg_from_grams(grams_), recorded_at=at)
    values.update(fields)
    return LineageFlow(**values)


def record_shipment(session, manifest: Manifest, now: datetime) -> None:
    """Each line's quantity leaves its batch as shipped flows drawn from the batch's parts, oldest first."""
    for line in manifest.lines:
        parts = _batch_parts(session, line.batch)
        by_id = {flow.id: flow for flow, _ in parts}
        for flow_id, taken in draw_fifo([Part(f.id, g) for f, g in parts], grams(line.quantity_kg)):
            site_id = None if line.batch.refused_from_id else line.batch.site_id  # from the carrier's custody
            session.add(_child(by_id[flow_id], K.SHIPPED, taken, now, batch_id=line.batch_id,
                               manifest_id=manifest.id, manifest_line_id=line.id, site_id=site_id))
    session.flush()


def _shipped(session, manifest: Manifest) -> list[LineageFlow]:
    return session.scalars(select(LineageFlow).where(LineageFlow.manifest_id == manifest.id,
                                                     LineageFlow.kind == K.SHIPPED).order_by(LineageFlow.id)).all()


def record_cancellation(session, manifest: Manifest, at: datetime) -> None:
    """A cancelled manifest's quantities go back into the batches they came from."""
    for flow in _shipped(session, manifest):
        session.add(_child(flow, K.CANCELLED, grams(flow.quantity_kg), at, batch_id=flow.batch_id,
                           manifest_id=manifest.id, manifest_line_id=flow.manifest_line_id, site_id=flow.site_id))
    session.flush()


def _new_batch(session, *, org: Organization, site_id: int, waste_code: str, kg: Decimal, at: datetime,
               refused_from_id: int | None = None) -> Batch:
    batch = Batch(unit_code=next_unit_code(session, org.credit_code, waste_code, at), organization_id=org.id,
                  site_id=site_id, waste_code=waste_code, quantity_kg=kg, remaining_kg=kg, status=BatchStatus.STORED,
                  generated_at=at, refused_from_id=refused_from_id)
    session.add(batch)
    session.flush()
    return batch


def record_receipt(session, manifest: Manifest, at: datetime) -> dict:
    """Splits what was shipped into accepted, refused and variance, and puts each where it now is."""
    shipped = _shipped(session, manifest)
    into_stock = receives_into_stock(manifest)
    accepted_by_code, rejected_by_code = defaultdict(list), defaultdict(list)
    surplus_accepted, surplus_rejected = defaultdict(int), defaultdict(int)
    for flows, code, split in _receipt_splits(manifest, shipped):
        for flow, share in zip(flows, split.shares):
            if share.accepted_g:
                accepted_by_code[flow.waste_code].append((flow, share.accepted_g))
            if share.rejected_g:
                rejected_by_code[flow.waste_code].append((flow, share.rejected_g))
            if share.variance_g:
                session.add(_child(flow, K.VARIANCE, share.variance_g, at, manifest_id=manifest.id,
                                   manifest_line_id=flow.manifest_line_id))
        if split.surplus_accepted_g:
            accepted_by_code.setdefault(code, [])
            surplus_accepted[code] += split.surplus_accepted_g
        if split.surplus_rejected_g:
            rejected_by_code.setdefault(code, [])
            surplus_rejected[code] += split.surplus_rejected_g
    stock_batches, return_batches = [], []
    for code, shares in accepted_by_code.items():
        surplus = surplus_accepted[code]
        total = kg_from_grams(sum(g for _, g in shares) + surplus)
        if into_stock:
            holder = _new_batch(session, org=manifest.receiver, site_id=manifest.receiver_site_id, waste_code=code,
                                kg=total, at=at)
            stock_batches.append(holder.id)
            place = dict(batch_id=holder.id, manifest_id=manifest.id, site_id=manifest.receiver_site_id)
            kind = K.STOCKED
        else:
            place = dict(manifest_id=manifest.id, site_id=manifest.receiver_site_id)
            kind = K.ACCEPTED
        for flow, g in shares:
            session.add(_child(flow, kind, g, at, manifest_line_id=flow.manifest_line_id, **place))
        if surplus:
            session.add(LineageFlow(kind=K.SURPLUS, waste_code=code, quantity_kg=kg_from_grams(surplus),
                                    recorded_at=at, **place))
    for code, shares in rejected_by_code.items():
        surplus = surplus_rejected[code]
        total = kg_from_grams(sum(g for _, g in shares) + surplus)
        # the batch's site is where the load stands (the receiver's gate), its flows at none: the carrier holds it
        holder = _new_batch(session, org=manifest.issuer, site_id=manifest.receiver_site_id, waste_code=code,
                            kg=total, at=at, refused_from_id=manifest.id)
        return_batches.append(holder.id)
        place = dict(batch_id=holder.id, manifest_id=manifest.id, site_id=None)
        for flow, g in shares:
            session.add(_child(flow, K.RETURNED, g, at, manifest_line_id=flow.manifest_line_id, **place))
        if surplus:
            session.add(LineageFlow(kind=K.SURPLUS, waste_code=code, quantity_kg=kg_from_grams(surplus),
                                    recorded_at=at, **place))
    session.flush()
    return {"stock_batch_ids": stock_batches, "return_batch_ids": return_batches}


def _receipt_splits(manifest: Manifest, shipped: list[LineageFlow]):
    """(shipped flows, waste code for a surplus, split) per part of the receipt: one per line when the receiver
    weighed line by line (each line's figures over that line's flows), else one over the whole manifest."""
    lines = manifest.lines
    if lines and all(line.accepted_kg is not None for line in lines):
        for line in lines:
            flows = [f for f in shipped if f.manifest_line_id == line.id]
            yield flows, line.waste_code, split_receipt([grams(f.quantity_kg) for f in flows],
                                                        grams(line.accepted_kg), grams(line.rejected_kg or ZERO))
        return
    code = shipped[0].waste_code if shipped else lines[0].waste_code
    yield shipped, code, split_receipt([grams(f.quantity_kg) for f in shipped], grams(manifest.accepted_kg or ZERO),
                                       grams(manifest.rejected_kg or ZERO))


def record_disposal(session, manifest: Manifest, event: ManifestEvent) -> DisposalRecord:
    """A utilization/disposal record, drawn from the manifest's accepted quantity oldest first."""
    record = DisposalRecord(manifest_id=manifest.id, event_id=event.id, organization_id=manifest.receiver_id,
                            site_id=manifest.receiver_site_id, method=event.method, quantity_kg=event.quantity_kg,
                            disposed_at=event.occurred_at, recorded_at=event.recorded_at,
                            certificate_number=f"{manifest.number}-{event.seq:03d}")
    session.add(record)
    session.flush()
    parts = _open_parts(session, (LineageFlow.manifest_id == manifest.id, LineageFlow.kind.in_(TREATABLE_KINDS),
                                  LineageFlow.batch_id.is_(None)))
    by_id = {flow.id: flow for flow, _ in parts}
    for flow_id, taken in draw_fifo([Part(f.id, g) for f, g in parts], grams(record.quantity_kg)):
        session.add(_child(by_id[flow_id], K.DISPOSED, taken, event.occurred_at, manifest_id=manifest.id,
                           disposal_id=record.id, site_id=manifest.receiver_site_id))
    session.flush()
    return record


def record_step_effects(session, *, manifest: Manifest, event: ManifestEvent) -> None:
    """The lineage side of a step just appended to a manifest (same transaction)."""
    if event.type == Step.ISSUE:
        record_shipment(session, manifest, event.occurred_at)
    elif event.type == Step.CANCEL:
        record_cancellation(session, manifest, event.occurred_at)
    elif event.type == Step.RECEIVE:
        record_receipt(session, manifest, event.occurred_at)
    elif event.type == Step.DISPOSE:
        record_disposal(session, manifest, event)


