import marshmallow as ma
from flask import Response, request

from wastechain.api.batches.schemas import BatchArgs, BatchIn, BatchOut
from wastechain.api.common import (Blueprint, current_user, db, listed, login_required, now, page_schema, paging,
                                   settings)
from wastechain.services.rendering import labels
from wastechain.services.storage import batches

bp = Blueprint("batches", __name__, description="废物批次（产生与贮存）")


@bp.post("/batches")
@login_required
@bp.arguments(BatchIn)
@bp.response(201, BatchOut)
def create_batch(body):
    """Register waste produced and put in storage (producer, collector)."""
    return batches.register_batch(db(), actor=current_user(), now=now(), **body)


@bp.get("/batches")
@login_required
@bp.arguments(BatchArgs, location="query")
@bp.response(200, page_schema(BatchOut))
def list_batches(args):
    """The user's batches (a regulator: those stored in the jurisdiction)."""
    return listed(batches.list_batches(db(), actor=current_user(), status=args["status"], site_id=args["site_id"],
                                       q=args["q"], waste_code=args["waste_code"], date_from=args["date_from"],
                                       date_to=args["date_to"], **paging(args)))


@bp.get("/batches/<int:batch_id>")
@login_required
@bp.response(200, BatchOut)
def get_batch(batch_id):
    """One batch (owner, regulators)."""
    return batches.get_batch(db(), actor=current_user(), batch_id=batch_id)


class LabelSheetArgs(ma.Schema):
    ids = ma.fields.String(required=True, metadata={"description": "batch ids separated by commas, e.g. 1,2,3 (≤ 200)",
                                                    "pattern": r"^[1-9][0-9]{0,8}(,[1-9][0-9]{0,8}){0,199}$"})


def conditional(rendered) -> Response:
    """A label or sheet with its ETag; 304 (nothing drawn) when the client already holds this very content."""
    headers = {"ETag": f'"{rendered.etag}"', "Cache-Control": "private, no-cache",
               "Content-Disposition": f'inline; filename="{rendered.filename}"'}
    if rendered.etag in {tag.strip().removeprefix("W/").strip('"') for tag in request.headers.get("If-None-Match", "").split(",")}:
        return Response(status=304, headers=headers)
    return Response(rendered.body(), mimetype=rendered.mimetype, headers=headers)


def _label(batch_id: int, fmt: str) -> Response:
    return conditional(labels.batch_label_rendered(db(), actor=current_user(), batch_id=batch_id, fmt=fmt,
                                                   base_url=settings().public_base_url, secret=settings().secret_key))


@bp.get("/batches/<int:batch_id>/label.png")
@login_required
@bp.response(200, content_type="image/png")
def label_png(batch_id):
    """The batch's printable label as PNG at 300 dpi (owner): every HJ 1276-2022 field (name, category, code,
    form, hazards with pictograms, components, precautions, producer, contact, date, weight, 数字识别码) and QR, in
    Chinese; medical waste in the HJ 421 style. Sent with an ETag: If-None-Match with it answers 304."""
    return _label(batch_id, "png")


@bp.get("/batches/<int:batch_id>/label.svg")
@login_required
@bp.response(200, content_type="image/svg+xml")
def label_svg(batch_id):
    """The batch's label as SVG (owner)."""
    return _label(batch_id, "svg")


@bp.get("/batches/<int:batch_id>/label.pdf")
@login_required
@bp.response(200, content_type="application/pdf")
def label_pdf(batch_id):
    """The batch's label as a 100 × 100 mm PDF page with an embedded CJK font (owner)."""
    return _label(batch_id, "pdf")


@bp.get("/batches/labels.pdf")
@login_required
@bp.arguments(LabelSheetArgs, location="query")
@bp.response(200, content_type="application/pdf")
def labels_sheet(args):
    """Many labels on A4 sheets, four per page (owner of every batch); ETag / If-None-Match as for one label."""
    return conditional(labels.label_sheet_rendered(db(), actor=current_user(),
                                                   batch_ids=labels.parse_batch_ids([args["ids"]]),
                                                   base_url=settings().public_base_url,
                                                   secret=settings().secret_key))
