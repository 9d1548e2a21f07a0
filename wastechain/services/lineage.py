"""Lineage of every kilogram: recorded as flows when quantities move; read both ways with set-based SQL.

Design (see also LineageFlow):
- Issuing a manifest draws each line's quantity from the batch's open parts, oldest first, as `shipped` flows;
  a consolidated stock batch at a collector holds parts of many origin batches, so one line may become several
  flows, each keeping its origin batch.
- Receipt splits every shipped flow exactly (whole grams) into accepted, refused and variance in proportion to
  what it carried. At a collector (小微收集中心) the accepted quantity becomes a new stock batch per waste code
  (`stocked` flows): that storage record is where the inbound manifest's loop ends (it closes at receipt) and
  the lineage continues on the collector's outbound manifests. At a treating receiver it is `accepted` and waits
  for disposal records. Refused quantity is never lost: it becomes a `returned` batch of the issuer at the
  origin site, which the issuer ships onward under the same rules (or keeps in its storage).
- A disposal record draws from the manifest's accepted flows, oldest first, as `disposed` flows: the only kind
  that closes a kilogram.
"""
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, func, select, text, type_coerce
from sqlalchemy.orm import aliased

from wastechain.domain.lineage import Part, draw_fifo, split_receipt
from wastechain.domain.quantities import ZERO, GRAMS_PER_KG, kg_from_grams
from wastechain.models import Batch, DisposalRecord, LineageFlow, Manifest, ManifestEvent, Organization, Site, User

HOLDING_KINDS = ("produced", "stocked", "returned", "cancelled", "surplus")  # with batch_id: parts of a batch
TREATABLE_KINDS = ("accepted", "surplus")  # with manifest_id and no batch: waiting at a receiver for disposal


def grams(kg: Decimal) -> int:
    return int(kg * GRAMS_PER_KG)


def _g(column):
    """A Mass column as its stored integer grams, so SQL sums stay exact integers."""
    return type_coerce(column, BigInteger)


def receives_into_stock(manifest: Manifest) -> bool:
    """A collector's storage site takes inbound waste into its own stock instead of treating it."""
    site = manifest.receiver_site
    return site.organization.has_role("collector") and site.kind != "facility"


# ---------------------------------------------------------------- recording (called by services.manifests)

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
        session.add(LineageFlow(kind="produced", origin_batch_id=batch.id, batch_id=batch.id, site_id=batch.site_id,
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
            session.add(_child(by_id[flow_id], "shipped", taken, now, batch_id=line.batch_id,
                               manifest_id=manifest.id, manifest_line_id=line.id, site_id=line.batch.site_id))
    session.flush()


def _shipped(session, manifest: Manifest) -> list[LineageFlow]:
    return session.scalars(select(LineageFlow).where(LineageFlow.manifest_id == manifest.id,
                                                     LineageFlow.kind == "shipped").order_by(LineageFlow.id)).all()


def record_cancellation(session, manifest: Manifest, at: datetime) -> None:
    """A cancelled manifest's quantities go back into the batches they came from."""
    for flow in _shipped(session, manifest):
        session.add(_child(flow, "cancelled", grams(flow.quantity_kg), at, batch_id=flow.batch_id,
                           manifest_id=manifest.id, manifest_line_id=flow.manifest_line_id, site_id=flow.site_id))
    session.flush()


def _new_batch(session, *, org: Organization, site_id: int, waste_code: str, kg: Decimal, at: datetime) -> Batch:
    from wastechain.services.batches import next_unit_code

    batch = Batch(unit_code=next_unit_code(session, org.credit_code, waste_code, at), organization_id=org.id,
                  site_id=site_id, waste_code=waste_code, quantity_kg=kg, remaining_kg=kg, status="stored",
                  generated_at=at)
    session.add(batch)
    session.flush()
    return batch


def record_receipt(session, manifest: Manifest, at: datetime) -> dict:
    """Splits what was shipped into accepted, refused and variance, and puts each where it now is."""
    shipped = _shipped(session, manifest)
    split = split_receipt([grams(f.quantity_kg) for f in shipped], grams(manifest.accepted_kg or ZERO),
                          grams(manifest.rejected_kg or ZERO))
    into_stock = receives_into_stock(manifest)
    accepted_by_code, rejected_by_code = defaultdict(list), defaultdict(list)
    for flow, share in zip(shipped, split.shares):
        if share.accepted_g:
            accepted_by_code[flow.waste_code].append((flow, share.accepted_g))
        if share.rejected_g:
            rejected_by_code[flow.waste_code].append((flow, share.rejected_g))
        if share.variance_g:
            session.add(_child(flow, "variance", share.variance_g, at, manifest_id=manifest.id,
                               manifest_line_id=flow.manifest_line_id))
    first_code = shipped[0].waste_code if shipped else manifest.lines[0].waste_code
    if split.surplus_accepted_g:
        accepted_by_code.setdefault(first_code, [])
    if split.surplus_rejected_g:
        rejected_by_code.setdefault(first_code, [])
    stock_batches, return_batches = [], []
    for code, shares in accepted_by_code.items():
        surplus = split.surplus_accepted_g if code == first_code else 0
        total = kg_from_grams(sum(g for _, g in shares) + surplus)
        if into_stock:
            holder = _new_batch(session, org=manifest.receiver, site_id=manifest.receiver_site_id, waste_code=code,
                                kg=total, at=at)
            stock_batches.append(holder.id)
            place = dict(batch_id=holder.id, manifest_id=manifest.id, site_id=manifest.receiver_site_id)
            kind = "stocked"
        else:
            place = dict(manifest_id=manifest.id, site_id=manifest.receiver_site_id)
            kind = "accepted"
        for flow, g in shares:
            session.add(_child(flow, kind, g, at, manifest_line_id=flow.manifest_line_id, **place))
        if surplus:
            session.add(LineageFlow(kind="surplus", waste_code=code, quantity_kg=kg_from_grams(surplus),
                                    recorded_at=at, **place))
    for code, shares in rejected_by_code.items():
        surplus = split.surplus_rejected_g if code == first_code else 0
        total = kg_from_grams(sum(g for _, g in shares) + surplus)
        holder = _new_batch(session, org=manifest.issuer, site_id=manifest.origin_site_id, waste_code=code,
                            kg=total, at=at)
        return_batches.append(holder.id)
        place = dict(batch_id=holder.id, manifest_id=manifest.id, site_id=manifest.origin_site_id)
        for flow, g in shares:
            session.add(_child(flow, "returned", g, at, manifest_line_id=flow.manifest_line_id, **place))
        if surplus:
            session.add(LineageFlow(kind="surplus", waste_code=code, quantity_kg=kg_from_grams(surplus),
                                    recorded_at=at, **place))
    session.flush()
    return {"stock_batch_ids": stock_batches, "return_batch_ids": return_batches}


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
        session.add(_child(by_id[flow_id], "disposed", taken, event.occurred_at, manifest_id=manifest.id,
                           disposal_id=record.id, site_id=manifest.receiver_site_id))
    session.flush()
    return record


def record_step_effects(session, *, manifest: Manifest, event: ManifestEvent) -> None:
    """The lineage side of a step just appended to a manifest (same transaction)."""
    if event.type == "cancel":
        record_cancellation(session, manifest, event.occurred_at)
    elif event.type == "receive":
        record_receipt(session, manifest, event.occurred_at)
    elif event.type == "dispose":
        record_disposal(session, manifest, event)


# ---------------------------------------------------------------- reading: trace (downstream)

_TRACE_SQL = text("""
WITH RECURSIVE tree(id) AS (
    SELECT f.id FROM lineage_flow f LEFT JOIN lineage_flow p ON p.id = f.parent_id
    WHERE f.batch_id = :batch_id AND f.kind IN ('produced', 'stocked', 'returned', 'cancelled', 'surplus')
      AND (p.id IS NULL OR p.batch_id IS NULL OR p.batch_id <> :batch_id)
    UNION ALL
    SELECT c.id FROM lineage_flow c JOIN tree t ON c.parent_id = t.id
)
SELECT f.id, f.kind, f.parent_id, f.origin_batch_id, f.batch_id, f.manifest_id, f.disposal_id, f.site_id,
       f.waste_code, f.quantity_kg AS grams,
       f.quantity_kg - COALESCE((SELECT SUM(c.quantity_kg) FROM lineage_flow c WHERE c.parent_id = f.id), 0)
         AS open_grams,
       f.recorded_at
FROM lineage_flow f JOIN tree t ON t.id = f.id
ORDER BY f.id
""")


def trace_batch(session, *, actor: User, batch_id: int) -> dict:
    """Where every kilogram of a batch went: manifests, receivers, consolidations, returns and disposal records."""
    from wastechain.services.batches import get_batch

    batch = get_batch(session, actor=actor, batch_id=batch_id)
    rows = session.execute(_TRACE_SQL, {"batch_id": batch.id}).all()
    state = defaultdict(int)  # where the batch's grams are now, by the open leaves of its tree
    stock, returns, disposals = defaultdict(int), defaultdict(int), defaultdict(int)
    per_manifest = defaultdict(lambda: defaultdict(int))
    for row in rows:
        held_here = row.batch_id == batch.id and row.kind in HOLDING_KINDS  # the batch's own parts
        if row.manifest_id and not held_here and row.kind in _RECEIPT_COLUMN:
            per_manifest[row.manifest_id][_RECEIPT_COLUMN[row.kind]] += row.grams
        if row.kind == "stocked" and row.batch_id != batch.id:
            stock[row.batch_id] += row.grams
        if row.kind == "returned" and row.batch_id != batch.id:
            returns[row.batch_id] += row.grams
        if row.kind == "disposed":
            disposals[row.disposal_id] += row.grams
            state["disposed"] += row.grams
        elif row.open_grams:
            state[_leaf_state(row)] += row.open_grams
    if not rows:  # never moved: all of it still in storage
        state["in_storage"] = grams(batch.quantity_kg)
    manifest_rows = _manifest_rows(session, per_manifest)
    closed = state["disposed"]
    total = grams(batch.quantity_kg)
    return {
        "batch_id": batch.id, "unit_code": batch.unit_code, "waste_code": batch.waste_code,
        "quantity_kg": batch.quantity_kg, "closed_kg": kg_from_grams(closed), "open_kg": kg_from_grams(total - closed),
        "closed": closed == total,
        "accounted_kg": {k: kg_from_grams(state.get(k, 0)) for k in
                         ("in_storage", "in_transit", "awaiting_disposal", "variance", "disposed")},
        "manifests": manifest_rows,
        "consolidations": _batch_rows(session, stock),
        "returns": _batch_rows(session, returns),
        "disposals": _disposal_rows(session, disposals),
    }


_RECEIPT_COLUMN = {"shipped": "shipped", "accepted": "accepted", "stocked": "accepted", "surplus": "accepted",
                   "returned": "rejected", "variance": "variance"}


def _leaf_state(row) -> str:
    if row.kind == "shipped":
        return "in_transit"
    if row.kind == "variance":
        return "variance"
    if row.kind in ("accepted",) or (row.kind == "surplus" and row.batch_id is None):
        return "awaiting_disposal"
    return "in_storage"


def _manifest_rows(session, per_manifest: dict) -> list[dict]:
    if not per_manifest:
        return []
    receiver = aliased(Organization)
    rows = session.execute(
        select(Manifest.id, Manifest.number, Manifest.status, Manifest.issuer_id, Organization.name,
               Manifest.receiver_id, receiver.name, Manifest.receiver_site_id, Site.name, Site.kind,
               Manifest.issued_at)
        .join(Organization, Organization.id == Manifest.issuer_id).join(receiver, receiver.id == Manifest.receiver_id)
        .join(Site, Site.id == Manifest.receiver_site_id).where(Manifest.id.in_(list(per_manifest)))
        .order_by(Manifest.id)).all()
    out = []
    for (mid, number, status, issuer_id, issuer, receiver_id, receiver_name, site_id, site_name, site_kind,
         issued_at) in rows:
        q = per_manifest[mid]
        out.append({"manifest_id": mid, "number": number, "status": status, "issued_at": issued_at,
                    "issuer_id": issuer_id, "issuer": issuer, "receiver_id": receiver_id, "receiver": receiver_name,
                    "receiver_site_id": site_id, "receiver_site": site_name,
                    "quantity_kg": kg_from_grams(q["shipped"]), "accepted_kg": kg_from_grams(q["accepted"]),
                    "rejected_kg": kg_from_grams(q["rejected"]), "variance_kg": kg_from_grams(q["variance"])})
    return out


def _batch_rows(session, grams_by_batch: dict) -> list[dict]:
    if not grams_by_batch:
        return []
    rows = session.execute(select(Batch.id, Batch.unit_code, Batch.organization_id, Organization.name, Batch.site_id)
                           .join(Organization, Organization.id == Batch.organization_id)
                           .where(Batch.id.in_(list(grams_by_batch))).order_by(Batch.id)).all()
    return [{"batch_id": r[0], "unit_code": r[1], "organization_id": r[2], "organization": r[3], "site_id": r[4],
             "quantity_kg": kg_from_grams(grams_by_batch[r[0]])} for r in rows]


def _disposal_rows(session, grams_by_disposal: dict) -> list[dict]:
    if not grams_by_disposal:
        return []
    rows = session.execute(select(DisposalRecord, Organization.name).join(
        Organization, Organization.id == DisposalRecord.organization_id)
        .where(DisposalRecord.id.in_(list(grams_by_disposal))).order_by(DisposalRecord.id)).all()
    return [{"disposal_id": d.id, "certificate_number": d.certificate_number, "manifest_id": d.manifest_id,
             "method": d.method, "disposed_at": d.disposed_at, "organization_id": d.organization_id,
             "organization": name, "site_id": d.site_id, "record_kg": d.quantity_kg,
             "quantity_kg": kg_from_grams(grams_by_disposal[d.id])} for d, name in rows]


# ---------------------------------------------------------------- reading: origins (upstream)

_UPSTREAM_SQL = text("""
WITH RECURSIVE up(id, parent_id, manifest_id, kind) AS (
    SELECT f.id, f.parent_id, f.manifest_id, f.kind FROM lineage_flow f
    WHERE f.manifest_id = :manifest_id AND f.kind = 'shipped'
    UNION ALL
    SELECT p.id, p.parent_id, p.manifest_id, p.kind FROM lineage_flow p JOIN up u ON p.id = u.parent_id
)
SELECT DISTINCT manifest_id FROM up WHERE kind = 'shipped' AND manifest_id <> :manifest_id
""")


def _origin_rows(session, *where) -> list[dict]:
    """Origin batches with producer, site and waste code, summed from flows (origin is kept on every flow)."""
    total = func.sum(_g(LineageFlow.quantity_kg))
    grouped = (select(LineageFlow.origin_batch_id.label("batch_id"), total.label("grams"))
               .where(*where).group_by(LineageFlow.origin_batch_id).subquery())
    rows = session.execute(
        select(grouped.c.batch_id, grouped.c.grams, Batch.unit_code, Batch.waste_code, Batch.generated_at,
               Batch.organization_id, Organization.name, Organization.credit_code, Batch.site_id, Site.name,
               Site.region_code)
        .outerjoin(Batch, Batch.id == grouped.c.batch_id)
        .outerjoin(Organization, Organization.id == Batch.organization_id)
        .outerjoin(Site, Site.id == Batch.site_id).order_by(grouped.c.batch_id)).all()
    return [{"batch_id": r[0], "quantity_kg": kg_from_grams(int(r[1])), "unit_code": r[2], "waste_code": r[3],
             "generated_at": r[4], "producer_id": r[5], "producer": r[6], "producer_credit_code": r[7],
             "site_id": r[8], "site": r[9], "region_code": r[10]} for r in rows]


def manifest_origins(session, *, actor: User, manifest_id: int) -> dict:
    """The original batches behind a manifest, through any number of collection steps."""
    from wastechain.services.manifests import get_manifest

    manifest = get_manifest(session, actor=actor, manifest_id=manifest_id)
    origins = _origin_rows(session, LineageFlow.manifest_id == manifest.id, LineageFlow.kind == "shipped")
    disposed = {r["batch_id"]: r["quantity_kg"] for r in
                _origin_rows(session, LineageFlow.manifest_id == manifest.id, LineageFlow.kind == "disposed")}
    for row in origins:
        row["disposed_kg"] = disposed.get(row["batch_id"], ZERO)
    upstream_ids = [r[0] for r in session.execute(_UPSTREAM_SQL, {"manifest_id": manifest.id}).all()]
    upstream = session.execute(select(Manifest.id, Manifest.number, Manifest.issuer_id, Manifest.receiver_id)
                               .where(Manifest.id.in_(upstream_ids)).order_by(Manifest.id)).all() if upstream_ids else []
    return {"manifest_id": manifest.id, "number": manifest.number, "total_kg": manifest.total_kg,
            "origins_kg": sum((o["quantity_kg"] for o in origins), ZERO), "origins": origins,
            "collection_steps": [{"manifest_id": m[0], "number": m[1], "issuer_id": m[2], "receiver_id": m[3]}
                                 for m in upstream]}


def disposal_origins(session, *, actor: User, disposal_id: int) -> dict:
    """The original batches a disposal record treated."""
    from wastechain.services.manifests import get_manifest
    from wastechain.domain.errors import NotFound

    record = session.get(DisposalRecord, disposal_id)
    if record is None:
        raise NotFound(f"处置记录 {disposal_id} 不存在或无权查看")
    get_manifest(session, actor=actor, manifest_id=record.manifest_id)
    origins = _origin_rows(session, LineageFlow.disposal_id == record.id)
    return {"disposal_id": record.id, "manifest_id": record.manifest_id, "method": record.method,
            "quantity_kg": record.quantity_kg, "origins_kg": sum((o["quantity_kg"] for o in origins), ZERO),
            "origins": origins}
