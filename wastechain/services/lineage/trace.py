"""Reading lineage both ways with set-based SQL: where a batch went (trace), where a manifest came from (origins)."""
from collections import defaultdict

from sqlalchemy import func, select, text
from sqlalchemy.orm import aliased

from wastechain.domain.errors import NotFound
from wastechain.domain.text import N_
from wastechain.domain.quantities import ZERO, kg_from_grams
from wastechain.domain.vocabulary import LineageKind as K
from wastechain.models import Batch, DisposalRecord, LineageFlow, Manifest, Organization, Site, User
from wastechain.services import access
from wastechain.services.lineage.flows import HOLDING_KINDS, _g, grams


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
    batch = access.get_batch(session, actor, batch_id)
    rows = session.execute(_TRACE_SQL, {"batch_id": batch.id}).all()
    state = defaultdict(int)  # where the batch's grams are now, by the open leaves of its tree
    stock, returns, disposals = defaultdict(int), defaultdict(int), defaultdict(int)
    per_manifest = defaultdict(lambda: defaultdict(int))
    for row in rows:
        held_here = row.batch_id == batch.id and row.kind in HOLDING_KINDS  # the batch's own parts
        if row.manifest_id and not held_here and row.kind in _RECEIPT_COLUMN:
            per_manifest[row.manifest_id][_RECEIPT_COLUMN[row.kind]] += row.grams
        if row.kind == K.STOCKED and row.batch_id != batch.id:
            stock[row.batch_id] += row.grams
        if row.kind == K.RETURNED and row.batch_id != batch.id:
            returns[row.batch_id] += row.grams
        if row.kind == K.DISPOSED:
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
    if row.kind == K.SHIPPED:
        return "in_transit"
    if row.kind == K.VARIANCE:
        return "variance"
    if row.kind == K.ACCEPTED or (row.kind == K.SURPLUS and row.batch_id is None):
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
    manifest = access.get_manifest(session, actor, manifest_id)
    origins = _origin_rows(session, LineageFlow.manifest_id == manifest.id, LineageFlow.kind == K.SHIPPED)
    disposed = {r["batch_id"]: r["quantity_kg"] for r in
                _origin_rows(session, LineageFlow.manifest_id == manifest.id, LineageFlow.kind == K.DISPOSED)}
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
    record = session.get(DisposalRecord, disposal_id)
    if record is None:
        raise NotFound(N_("{label} {id} 不存在或无权查看"), params={"label": N_("处置记录"), "id": disposal_id})
    access.get_manifest(session, actor, record.manifest_id)
    origins = _origin_rows(session, LineageFlow.disposal_id == record.id)
    return {"disposal_id": record.id, "manifest_id": record.manifest_id, "method": record.method,
            "quantity_kg": record.quantity_kg, "origins_kg": sum((o["quantity_kg"] for o in origins), ZERO),
            "origins": origins}
