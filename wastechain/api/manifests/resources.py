import marshmallow as ma
from flask import Response, request

from wastechain import throttle
from wastechain.api.common import (Blueprint, current_user, db, listed, login_required, now, page_schema, paging,
                                   qr_url_for, settings)
from flask_babel import gettext

from wastechain.api.manifests.schemas import (CheckOut, HandoverCodeOut, ManifestArgs, ManifestDetailOut, ManifestIn,
                                              ManifestOut, StepEventOut, StepIn, TrackIn, TrackOut, VerifyOut)
from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.track import Point, track_length_m
from wastechain.services import manifests
from wastechain.services.rendering import manifest_pdf, qr

bp = Blueprint("manifests", __name__, description="转移联单")


@bp.post("/manifests")
@login_required
@bp.arguments(ManifestIn)
@bp.response(201, ManifestOut)
def issue(body):
    """Issue a transfer manifest (producer, collector); refused with a rule's error code."""
    lines = [manifests.LineRequest(**line) for line in body.pop("lines")]
    legs = [manifests.LegRequest(**leg) for leg in body.pop("legs")]
    return manifests.issue_manifest(db(), actor=current_user(), lines=lines, legs=legs, now=now(), **body)


@bp.post("/manifests/check")
@login_required
@bp.arguments(ManifestIn)
@bp.response(200, CheckOut)
def check(body):
    """Dry run of POST /manifests: every rule's verdict on the same body, in plain words; writes nothing.

    `ok` is true exactly when POST /manifests with this body would issue the manifest now; a failing verdict
    carries the error code the issue would answer. Input that cannot be a manifest (unknown receiver, batches not
    yours …) is refused as POST /manifests refuses it.
    """
    lines = [manifests.LineRequest(**line) for line in body.pop("lines")]
    legs = [manifests.LegRequest(**leg) for leg in body.pop("legs")]
    evaluation = manifests.check_manifest(db(), actor=current_user(), lines=lines, legs=legs, now=now(), **body)
    return {"ok": evaluation.ok, "verdicts": [verdict_out(v) for v in evaluation.verdicts]}


def verdict_out(verdict) -> dict:
    return {"rule": verdict.rule, "rule_name": gettext(manifests.RULE_NAMES[verdict.rule]), "ok": verdict.ok,
            "code": verdict.code, "subject": verdict.subject, "message": manifests.verdict_text(verdict, gettext)}


@bp.get("/manifests")
@login_required
@bp.arguments(ManifestArgs, location="query")
@bp.response(200, page_schema(ManifestOut))
def list_manifests(args):
    """Manifests the user may see, newest first."""
    return listed(manifests.list_manifests(db(), actor=current_user(), status=args["status"], region=args["region"],
                                           date_from=args["date_from"], date_to=args["date_to"], q=args["q"],
                                           waste_code=args["waste_code"], party=args["party"], **paging(args)))


@bp.get("/manifests/<int:manifest_id>")
@login_required
@bp.response(200, ManifestDetailOut)
def get_manifest(manifest_id):
    """One manifest with its lines and events (parties, regulators)."""
    return manifests.get_manifest(db(), actor=current_user(), manifest_id=manifest_id)


@bp.post("/manifests/<int:manifest_id>/events")
@login_required
@bp.arguments(StepIn)
@bp.response(201, StepEventOut)
@bp.alt_response(200, schema=StepEventOut, description="the same idempotency key again: the first event")
def record_step(body, manifest_id):
    """Record a step: pickup, transfer (联运 hand-over), deliver, receive, dispose or cancel.

    The idempotency key goes in the body (`idempotency_key`) or in the standard `Idempotency-Key` header (the
    same rules: 8–100 characters); if both are sent they must be equal. A pickup needs `handover_code`, the
    producer's one-time code (a wrong code counts towards the code's lockout), or `handover_exception_reason`:
    then it is recorded with `handover_confirmed: false` and raises the anomaly HANDOVER_UNCONFIRMED. With neither
    it answers 422 HANDOVER_CODE_REQUIRED. On a multi-carrier manifest in transit, `transfer` is taken by the
    next leg's driver with `handover_code`, the one-time code of the current leg's driver; only the last leg's
    driver may deliver (403 LEG_NOT_LAST). Codes offered are limited per manifest and per client address: past a
    limit, 429 TOO_MANY_REQUESTS with Retry-After.
    """
    body["idempotency_key"] = step_idempotency_key(body.get("idempotency_key"))
    code, exception = body.pop("handover_code", None), body.pop("handover_exception_reason", None)
    if code is not None:
        throttle.handover_attempt(manifest_id)
    result = manifests.record_step_with_handover(db(), actor=current_user(), manifest_id=manifest_id,
                                                 request=step_request(body), handover_code=code,
                                                 handover_exception_reason=exception,
                                                 secret=settings().secret_key, now=now())
    return result.event, 201 if result.created else 200


def step_request(body: dict) -> manifests.StepRequest:
    """The step as the service takes it (a receipt's lines as LineReceipt)."""
    lines = body.pop("lines", None)
    return manifests.StepRequest(**body, lines=None if lines is None else
                                 tuple(manifests.LineReceipt(**line) for line in lines))


def step_idempotency_key(from_body: str | None) -> str:
    """The step's idempotency key: the body's, or the `Idempotency-Key` header's (checked by the same field)."""
    header = request.headers.get("Idempotency-Key")
    if header is None:
        if from_body is None:
            raise ValidationFailed(N_("缺少幂等键：请在请求体 idempotency_key 或 Idempotency-Key 头中提供"),
                                   details={"idempotency_key": "required"})
        return from_body
    try:
        key = StepIn().fields["idempotency_key"].deserialize(header, "idempotency_key")
    except ma.ValidationError as error:
        raise ValidationFailed(N_("Idempotency-Key 头无效"), details={"Idempotency-Key": error.messages}) from None
    if from_body is not None and from_body != key:
        raise ValidationFailed(N_("请求体的 idempotency_key 与 Idempotency-Key 头不一致"),
                               details={"idempotency_key": "differs from the Idempotency-Key header"})
    return key


@bp.post("/manifests/<int:manifest_id>/track")
@login_required
@bp.arguments(TrackIn)
@bp.response(201, TrackOut)
@bp.alt_response(200, schema=TrackOut, description="every point already stored under its key: nothing new")
def record_track(body, manifest_id):
    """Add GPS points to the route track of a manifest in transit (its driver only; up to 500 points a request).

    Each point carries the phone's `client_key`: a point resent under the same key is stored once. A point older
    than 7 days or more than 5 minutes ahead is refused like a step (422, nothing stored); a manifest not in
    transit answers 409 NOT_IN_TRANSIT. The answer lists the request's points as stored.
    """
    points = [manifests.PointRequest(**point) for point in body["points"]]
    result = manifests.record_track(db(), actor=current_user(), manifest_id=manifest_id, points=points, now=now())
    return track_out(manifest_id, result.points, created=result.created), 201 if result.created else 200


@bp.get("/manifests/<int:manifest_id>/track")
@login_required
@bp.response(200, TrackOut)
def read_track(manifest_id):
    """The manifest's route track in the order driven (its parties, regulators)."""
    points = manifests.read_track(db(), actor=current_user(), manifest_id=manifest_id)
    return track_out(manifest_id, points, created=0)


def track_out(manifest_id: int, points, *, created: int) -> dict:
    return {"manifest_id": manifest_id, "created": created, "points": points,
            "length_km": round(track_length_m([Point(p.lat, p.lon) for p in points]) / 1000, 3)}


@bp.post("/manifests/<int:manifest_id>/handover-code")
@login_required
@bp.response(201, HandoverCodeOut, headers={"Cache-Control": {"description": "no-store",
                                                             "schema": {"type": "string"}}})
def issue_handover_code(manifest_id):
    """The producer's one-time pickup code (issuer only, while the manifest awaits its pickup), or on a
    multi-carrier manifest in transit the current leg's driver's code for the hand-over to the next leg.

    Valid 10 minutes, single use; a new one replaces the last. Never cached. Limited per account and per client
    address: past a limit, 429 TOO_MANY_REQUESTS with Retry-After.
    """
    throttle.code_issue(current_user().username)
    issued = manifests.issue_code(db(), actor=current_user(), manifest_id=manifest_id,
                                  secret=settings().secret_key, now=now())
    return issued, 201, {"Cache-Control": "no-store"}


@bp.get("/manifests/<int:manifest_id>/verify")
@login_required
@bp.response(200, VerifyOut)
def verify(manifest_id):
    """Recompute the manifest's event hash chain; check its status against its last event, and its sealed days'
    roots and seal signatures."""
    return manifests.verify_manifest(db(), actor=current_user(), manifest_id=manifest_id,
                                     keys=settings().secret_key)


def _qr_data(manifest_id: int) -> str:
    manifest = manifests.get_manifest(db(), actor=current_user(), manifest_id=manifest_id)
    return qr_url_for("manifest", manifest.id)


@bp.get("/manifests/<int:manifest_id>/qr.png")
@login_required
@bp.response(200, content_type="image/png")
def qr_png(manifest_id):
    """The manifest's QR code as PNG; it encodes qr_url."""
    return Response(qr.qr_png(_qr_data(manifest_id)), mimetype="image/png")


@bp.get("/manifests/<int:manifest_id>/qr.svg")
@login_required
@bp.response(200, content_type="image/svg+xml")
def qr_svg(manifest_id):
    """The manifest's QR code as SVG."""
    return Response(qr.qr_svg(_qr_data(manifest_id)), mimetype="image/svg+xml")


@bp.get("/manifests/<int:manifest_id>/pdf")
@login_required
@bp.response(200, content_type="application/pdf")
def pdf(manifest_id):
    """The manifest (联单) as a printable A4 PDF: QR, parties with credit codes, lines, events, signatures so far."""
    body, filename = manifest_pdf.manifest_pdf(db(), actor=current_user(), manifest_id=manifest_id,
                                               qr_data=_qr_data(manifest_id), translate=gettext)
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
