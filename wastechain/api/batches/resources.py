import marshmallow as ma
from flask import Response

from wastechain.api.batches.schemas import BatchArgs, BatchIn, BatchOut
from wastechain.api.common import Blueprint, current_user, login_required, page_of, page_schema, qr_url_for
from wastechain.db import request_session, utcnow
from wastechain.services import batches

bp = Blueprint("batches", __name__, description="废物批次（产生与贮存）")


@bp.post("/batches")
@bp.arguments(BatchIn)
@bp.response(201, BatchOut)
@login_required
def create_batch(body):
    """Register waste produced and put in storage (producer, collector)."""
    return batches.register_batch(request_session(), actor=current_user(), now=utcnow(), **body)


@bp.get("/batches")
@bp.arguments(BatchArgs, location="query")
@bp.response(200, page_schema(BatchOut))
@login_required
def list_batches(args):
    """The user's batches (a regulator: those stored in the jurisdiction)."""
    query = batches.list_batches(request_session(), actor=current_user(), status=args["status"], site_id=args["site_id"])
    return page_of(query, args)


@bp.get("/batches/<int:batch_id>")
@bp.response(200, BatchOut)
@login_required
def get_batch(batch_id):
    """One batch (owner, regulators)."""
    return batches.get_batch(request_session(), actor=current_user(), batch_id=batch_id)


class LabelSheetArgs(ma.Schema):
    ids = ma.fields.String(required=True, metadata={"description": "batch ids separated by commas, e.g. 1,2,3 (≤ 200)"})


def _label_content(batch):
    from wastechain.services import labels

    return labels.label_content(batch, qr_url_for("batch", batch.id))


def _label(batch_id: int, fmt: str) -> Response:
    from wastechain.services import labels

    [batch] = labels.batches_for_labels(request_session(), actor=current_user(), batch_ids=[batch_id])
    body, mimetype = labels.render(_label_content(batch), fmt)
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'inline; filename="label-{batch.unit_code}.{fmt}"'})


@bp.get("/batches/<int:batch_id>/label.png")
@bp.response(200, content_type="image/png")
@login_required
def label_png(batch_id):
    """The batch's printable label as PNG at 300 dpi (owner): waste name, code, HW category, hazards, producer,
    site, date, weight, unit code and QR, in Chinese."""
    return _label(batch_id, "png")


@bp.get("/batches/<int:batch_id>/label.svg")
@bp.response(200, content_type="image/svg+xml")
@login_required
def label_svg(batch_id):
    """The batch's label as SVG (owner)."""
    return _label(batch_id, "svg")


@bp.get("/batches/<int:batch_id>/label.pdf")
@bp.response(200, content_type="application/pdf")
@login_required
def label_pdf(batch_id):
    """The batch's label as a 100 × 100 mm PDF page with an embedded CJK font (owner)."""
    return _label(batch_id, "pdf")


@bp.get("/batches/labels.pdf")
@bp.arguments(LabelSheetArgs, location="query")
@bp.response(200, content_type="application/pdf")
@login_required
def labels_sheet(args):
    """Many labels on A4 sheets, four per page (owner of every batch)."""
    from wastechain.services import labels

    found = labels.batches_for_labels(request_session(), actor=current_user(),
                                      batch_ids=labels.parse_batch_ids([args["ids"]]))
    return Response(labels.labels_sheet_pdf([_label_content(b) for b in found]), mimetype="application/pdf",
                    headers={"Content-Disposition": 'inline; filename="labels.pdf"'})
