from flask import Response

from wastechain.api.common import Blueprint, config, current_user, login_required, page_of, page_schema, qr_url_for
from wastechain.api.manifests.schemas import (ManifestArgs, ManifestDetailOut, ManifestIn, ManifestOut, StepEventOut,
                                              StepIn, VerifyOut)
from wastechain.db import request_session, utcnow
from wastechain.services import handover, manifests, qr

bp = Blueprint("manifests", __name__, description="转移联单")


@bp.post("/manifests")
@bp.arguments(ManifestIn)
@bp.response(201, ManifestOut)
@login_required
def issue(body):
    """Issue a transfer manifest (producer, collector); refused with a rule's error code."""
    lines = [manifests.LineRequest(**line) for line in body.pop("lines")]
    return manifests.issue_manifest(request_session(), actor=current_user(), lines=lines, now=utcnow(), **body)


@bp.get("/manifests")
@bp.arguments(ManifestArgs, location="query")
@bp.response(200, page_schema(ManifestOut))
@login_required
def list_manifests(args):
    """Manifests the user may see, newest first."""
    query = manifests.list_manifests(request_session(), actor=current_user(), status=args["status"],
                                     region=args["region"], date_from=args["date_from"], date_to=args["date_to"],
                                     q=args["q"])
    return page_of(query, args)


@bp.get("/manifests/<int:manifest_id>")
@bp.response(200, ManifestDetailOut)
@login_required
def get_manifest(manifest_id):
    """One manifest with its lines and events (parties, regulators)."""
    return manifests.get_manifest(request_session(), actor=current_user(), manifest_id=manifest_id)


@bp.post("/manifests/<int:manifest_id>/events")
@bp.arguments(StepIn)
@bp.response(201, StepEventOut)
@bp.alt_response(200, schema=StepEventOut, description="the same idempotency key again: the first event")
@login_required
def record_step(body, manifest_id):
    """Record a step: pickup, deliver, receive, dispose or cancel.

    A pickup with `handover_code` is confirmed by the producer's one-time code (a wrong code counts towards the
    code's lockout); without it the pickup is recorded with `handover_confirmed: false`.
    """
    code = body.pop("handover_code", None)
    request = manifests.StepRequest(**body)
    if code is not None:
        result = handover.confirm_pickup(request_session(), actor=current_user(), manifest_id=manifest_id, code=code,
                                         request=request, secret=config("SECRET_KEY"), now=utcnow())
    else:
        result = manifests.record_step(request_session(), actor=current_user(), manifest_id=manifest_id,
                                       request=request, now=utcnow())
    return result.event, 201 if result.created else 200


@bp.get("/manifests/<int:manifest_id>/verify")
@bp.response(200, VerifyOut)
@login_required
def verify(manifest_id):
    """Recompute the manifest's event hash chain."""
    return manifests.verify_manifest(request_session(), actor=current_user(), manifest_id=manifest_id)


def _qr_data(manifest_id: int) -> str:
    manifest = manifests.get_manifest(request_session(), actor=current_user(), manifest_id=manifest_id)
    return qr_url_for("manifest", manifest.id)


@bp.get("/manifests/<int:manifest_id>/qr.png")
@bp.response(200, content_type="image/png")
@login_required
def qr_png(manifest_id):
    """The manifest's QR code as PNG; it encodes qr_url."""
    return Response(qr.qr_png(_qr_data(manifest_id)), mimetype="image/png")


@bp.get("/manifests/<int:manifest_id>/qr.svg")
@bp.response(200, content_type="image/svg+xml")
@login_required
def qr_svg(manifest_id):
    """The manifest's QR code as SVG."""
    return Response(qr.qr_svg(_qr_data(manifest_id)), mimetype="image/svg+xml")
