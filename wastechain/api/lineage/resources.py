from flask import Response

from wastechain.api.common import Blueprint, current_user, login_required, page_of, page_schema
from wastechain.api.lineage.schemas import DisposalArgs, DisposalOriginsOut, DisposalOut, OriginsOut, TraceOut
from wastechain.db import request_session, utcnow
from wastechain.services import disposal, lineage

bp = Blueprint("lineage", __name__, description="追溯：批次去向、联单来源、利用处置记录")


@bp.get("/batches/<int:batch_id>/trace")
@bp.response(200, TraceOut)
@login_required
def trace(batch_id):
    """Downstream lineage of a batch: manifests, consolidations, returns, disposal records; closed_kg, open_kg."""
    return lineage.trace_batch(request_session(), actor=current_user(), batch_id=batch_id)


@bp.get("/manifests/<int:manifest_id>/origins")
@bp.response(200, OriginsOut)
@login_required
def origins(manifest_id):
    """Upstream lineage of a manifest: the original batches behind it, through any collector."""
    return lineage.manifest_origins(request_session(), actor=current_user(), manifest_id=manifest_id)


@bp.get("/disposals")
@bp.arguments(DisposalArgs, location="query")
@bp.response(200, page_schema(DisposalOut))
@login_required
def list_disposals(args):
    """Utilization/disposal records of the manifests the user may see."""
    return page_of(disposal.list_disposals(request_session(), actor=current_user(), manifest_id=args["manifest_id"]),
                   args)


@bp.get("/disposals/<int:disposal_id>/origins")
@bp.response(200, DisposalOriginsOut)
@login_required
def disposal_origins(disposal_id):
    """The original batches one utilization/disposal record treated."""
    return lineage.disposal_origins(request_session(), actor=current_user(), disposal_id=disposal_id)


@bp.get("/batches/<int:batch_id>/certificate.pdf")
@bp.response(200, content_type="application/pdf")
@login_required
def certificate(batch_id):
    """Disposal certificate (利用处置证明) of a batch for its producer: every record that treated part of it."""
    pdf = disposal.batch_certificate_pdf(request_session(), actor=current_user(), batch_id=batch_id, now=utcnow())
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="certificate-{batch_id}.pdf"'})
