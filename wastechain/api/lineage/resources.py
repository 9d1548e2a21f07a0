from flask import Response

from wastechain.api.common import (Blueprint, current_user, db, listed, login_required, now, page_schema, paging,
                                   settings)
from wastechain.api.lineage.schemas import DisposalArgs, DisposalOriginsOut, DisposalOut, OriginsOut, TraceOut
from wastechain.services import lineage

bp = Blueprint("lineage", __name__, description="追溯：批次去向、联单来源、利用处置记录")


@bp.get("/batches/<int:batch_id>/trace")
@login_required
@bp.response(200, TraceOut)
def trace(batch_id):
    """Downstream lineage of a batch: manifests, consolidations, returns, disposal records; closed_kg, open_kg."""
    return lineage.trace_batch(db(), actor=current_user(), batch_id=batch_id)


@bp.get("/manifests/<int:manifest_id>/origins")
@login_required
@bp.response(200, OriginsOut)
def origins(manifest_id):
    """Upstream lineage of a manifest: the original batches behind it, through any collector."""
    return lineage.manifest_origins(db(), actor=current_user(), manifest_id=manifest_id)


@bp.get("/disposals")
@login_required
@bp.arguments(DisposalArgs, location="query")
@bp.response(200, page_schema(DisposalOut))
def list_disposals(args):
    """Utilization/disposal records of the manifests the user may see."""
    return listed(lineage.list_disposals(db(), actor=current_user(), manifest_id=args["manifest_id"],
                                         **paging(args)))


@bp.get("/disposals/<int:disposal_id>/origins")
@login_required
@bp.response(200, DisposalOriginsOut)
def disposal_origins(disposal_id):
    """The original batches one utilization/disposal record treated."""
    return lineage.disposal_origins(db(), actor=current_user(), disposal_id=disposal_id)


@bp.get("/batches/<int:batch_id>/certificate.pdf")
@login_required
@bp.response(200, content_type="application/pdf")
def certificate(batch_id):
    """Disposal certificate (利用处置证明) of a batch for its producer: every record that treated part of it."""
    pdf = lineage.batch_certificate_pdf(db(), actor=current_user(), batch_id=batch_id, now=now(),
                                        base_url=settings().public_base_url, secret=settings().secret_key)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="certificate-{batch_id}.pdf"'})


@bp.get("/manifests/<int:manifest_id>/certificate.pdf")
@login_required
@bp.response(200, content_type="application/pdf")
def manifest_certificate(manifest_id):
    """Certificate (利用处置证明) of a manifest: parties, manifest, treatment records, verification QR."""
    pdf = lineage.manifest_certificate_pdf(db(), actor=current_user(), manifest_id=manifest_id, now=now(),
                                           base_url=settings().public_base_url, secret=settings().secret_key)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="certificate-{manifest_id}.pdf"'})
