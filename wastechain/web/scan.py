"""The driver's phone: the scan page a QR opens, its pickup/deliver step, and what keeps it working offline.

Steps go to a small session-authenticated JSON endpoint here rather than to the bearer-token API. Why: the driver
already logged in on this page (a long-lived remember-me cookie); a bearer token would have to sit in the page's
localStorage, readable by any script, and expires after TOKEN_TTL_HOURS, while a pickup queued in a dead zone may
sync much later. The endpoint is CSRF-protected (X-CSRFToken header; the page fetches a fresh token from
/csrf-token before syncing old steps) and calls the very services the API calls, with the same idempotency keys.
"""
from decimal import Decimal

import marshmallow as ma

from flask import (Blueprint, current_app, flash, jsonify, make_response, redirect, render_template, request,
                   send_from_directory, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from wastechain import throttle
from wastechain.api.manifests.schemas import TrackIn
from wastechain.domain.errors import DomainError, InvalidQR, ValidationFailed
from wastechain.domain.fieldnames import field_name
from wastechain.domain.qrtoken import make_token, read_token
from wastechain.domain.states import STATUS_NAMES, STEP_NAMES, ManifestStatus, Step
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import AUTHORITY_ROLES, Role
from wastechain.i18n import message_of
from wastechain.services import access, manifests, scan
from wastechain.services.manifests import handover
from wastechain.web import search
from wastechain.web.common import actor, db, new_key, now, roles_required, secret, step_fields, wants_json

bp = Blueprint("scan_page", __name__)
DRIVER_STEPS = (Step.PICKUP.value, Step.TRANSFER.value, Step.DELIVER.value)
BATCH_STATUS_NAMES = {"stored": N_("贮存中"), "partially_shipped": N_("部分转出"), "shipped": N_("已转出")}
CONTAINER_STATUS_NAMES = {"open": N_("待装运"), "loaded": N_("已装车"), "received": N_("已接收")}
KIND_NAMES = {"manifest": N_("危险废物转移联单"), "batch": N_("废物批次"), "container": N_("容器")}


def _view(token: str) -> dict:
    user = actor() if current_user.is_authenticated else None
    return scan.resolve(db(), secret=secret(), token=token, actor=user)


def _driver_notice(view: dict) -> str | None:
    """Why a logged-in driver sees no action: said plainly, since he cannot ask anyone at the gate."""
    if not current_user.is_authenticated or current_user.role != Role.DRIVER or view["kind"] != "manifest":
        return None
    if not view["detail"]:
        return _("该联单不属于您所在的运输单位，您不能操作。")
    if view.get("allowed_steps"):
        return None
    if view["status"] in (ManifestStatus.ISSUED, ManifestStatus.IN_TRANSIT):
        return _("该联单已指定其他驾驶员，您不能操作。")
    return _("联单当前状态为「%(status)s」，无需驾驶员操作。", status=_(view["status_name"]))


@bp.get("/s/<token>")
def page(token):
    """What a QR names; for a driver of the named transporter, the pickup or delivery that fits its state."""
    return _page(token)


@bp.post("/s/<token>/transfer-code")
@roles_required(Role.DRIVER)
def transfer_code(token):
    """联运: the current leg's driver shows a new one-time code to the next leg's driver, once (only its hash is
    kept, so reloading means issuing another)."""
    subject = read_token(secret(), token)
    if subject.kind != "manifest":
        raise ValidationFailed(N_("这个二维码不是转移联单，不能提货或送达"), details={"kind": subject.kind})
    throttle.code_issue(actor().username)
    issued = handover.issue_code(db(), actor=actor(), manifest_id=subject.id, secret=secret(), now=now())
    response = make_response(_page(token, issued=issued))
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(token, issued=None):
    try:
        view = _view(token)
    except InvalidQR as error:
        return render_template("scan/invalid.html", message=message_of(error)), 404
    if current_user.is_authenticated and current_user.role in AUTHORITY_ROLES and view["detail"]:
        # a regulator's roadside check: the whole file, not the driver's page
        opened = search.opened_from_scan(view["kind"], view["id"])
        return opened or redirect(url_for("search.index", q=view.get("code") or ""))
    if view["kind"] == "batch" and view.get("manifests"):
        return _batch_manifests(view)
    manifest = None
    if view["kind"] == "manifest" and view["detail"]:
        manifest = manifests.get_manifest(db(), actor=actor(), manifest_id=view["id"])
    steps = [s for s in view.get("allowed_steps", []) if s in DRIVER_STEPS]
    tracking = TRACK_EVERY_SECONDS if manifest is not None and access.may_track(actor(), manifest) else None
    hand_over = manifest is not None and manifest.current_leg is not None and handover.can_issue_code(actor(), manifest)
    notice = _driver_notice(view)
    if notice and not steps and manifest is not None and access.waits_for_leg(actor(), manifest):
        notice = _("联运：您负责后续运输区段，请在上一程驾驶员生成交接码后扫码接手。")
    return render_template("scan/page.html", token=token, view=view, manifest=manifest, steps=steps,
                           tracking=tracking, hand_over=hand_over, issued=issued,
                           notice=notice, step_names=STEP_NAMES, key=new_key(),
                           status_names=STATUS_NAMES, batch_status_names=BATCH_STATUS_NAMES,
                           container_status_names=CONTAINER_STATUS_NAMES, kind_names=KIND_NAMES)


OPEN_FOR_DRIVERS = (ManifestStatus.ISSUED, ManifestStatus.IN_TRANSIT)
TRACK_EVERY_SECONDS = 180  # a route point every 3 minutes while the page is open: a few km at road speed


def _batch_manifests(view: dict):
    """A batch label scanned by someone who may see manifests carrying the batch: a driver goes straight to the one
    he can pick up or deliver; anyone else (or a driver with several) chooses from the list."""
    for m in view["manifests"]:
        m["path"] = url_for("scan_page.page", token=make_token(secret(), "manifest", m["id"]))
    if current_user.role == Role.DRIVER:
        open_ones = [m for m in view["manifests"] if m["status"] in OPEN_FOR_DRIVERS]
        if len(open_ones) == 1:
            return redirect(open_ones[0]["path"])
    return render_template("batches/scan.html", view=view)


def _step_request(form) -> manifests.StepRequest:
    step = (form.get("type") or "").strip()
    if step not in DRIVER_STEPS:
        raise ValidationFailed(N_("此页面只能提货或送达"), details={"type": step})
    key = (form.get("idempotency_key") or "").strip()
    if not 8 <= len(key) <= 100:
        raise ValidationFailed(N_("缺少幂等键（8–100 个字符）"), details={"idempotency_key": "required"})
    fields = step_fields(form, "occurred_at", "lat", "lon", *(("quantity_kg",) if step == Step.PICKUP else ()))
    return manifests.StepRequest(type=step, idempotency_key=key, **fields)


def _record(token: str, form) -> manifests.StepResult:
    subject = read_token(secret(), token)
    if subject.kind != "manifest":
        raise ValidationFailed(N_("这个二维码不是转移联单，不能提货或送达"), details={"kind": subject.kind})
    request_ = _step_request(form)
    if request_.type == Step.PICKUP:
        # Pickup on the phone always needs the producer's code: it proves both parties were at the gate.
        throttle.handover_attempt(subject.id)
        return manifests.confirm_pickup(db(), actor=actor(), manifest_id=subject.id, code=form.get("handover_code", ""),
                                       request=request_, secret=secret(), now=now())
    if request_.type == Step.TRANSFER:  # 联运: the code shown on the phone of the driver handing over
        throttle.handover_attempt(subject.id)
        return manifests.confirm_transfer(db(), actor=actor(), manifest_id=subject.id,
                                          code=form.get("handover_code", ""), request=request_, secret=secret(),
                                          now=now())
    return manifests.record_step(db(), actor=actor(), manifest_id=subject.id, request=request_, now=now())


def _json_form(body) -> dict:
    """The phone's JSON as the form's strings: numbers become their text, anything else is refused."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ValidationFailed(N_("请求体应为 JSON 对象"), details={"body": "object expected"})
    form = {}
    for name, value in body.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal, type(None))):
            raise ValidationFailed(N_("{field}的值无效"), params={"field": field_name(name)},
                                   details={name: "string or number expected"})
        form[name] = "" if value is None else str(value)
    return form


@bp.post("/s/<token>/step")
@roles_required()
def step(token):
    """Records a driver's step from the scan page: JSON from the page's script (also replays of the offline
    queue), or a plain form post when scripts are off."""
    try:
        form = _json_form(request.get_json(silent=True)) if request.is_json else request.form
        result = _record(token, form)
    except DomainError as error:
        if wants_json():
            raise  # the one error mapping answers the phone's script in JSON
        flash(message_of(error), "error")
        return redirect(request.path.removesuffix("/step"))
    event, manifest = result.event, result.manifest
    if wants_json():
        return jsonify({"created": result.created, "status": manifest.status,
                        "status_name": _(STATUS_NAMES[manifest.status]), "number": manifest.number,
                        "event": {"id": event.id, "type": event.type, "occurred_at": event.occurred_at.isoformat(),
                                  "recorded_at": event.recorded_at.isoformat(), "lat": event.lat, "lon": event.lon,
                                  "quantity_kg": str(event.quantity_kg) if event.quantity_kg is not None else None,
                                  "data": event.data}}), 201 if result.created else 200
    flash(_("✓ %(step)s已记录：联单 %(number)s 现为「%(status)s」", step=_(STEP_NAMES[Step(event.type)]),
            number=manifest.number, status=_(STATUS_NAMES[manifest.status])), "info")
    return redirect(request.path.removesuffix("/step"))


@bp.post("/s/<token>/track")
@roles_required(Role.DRIVER)
def track(token):
    """Route track points from the scan page's script (also replays of its offline queue): JSON
    {"points": [{client_key, lat, lon, occurred_at, accuracy_m}]}, checked by the API's schema."""
    subject = read_token(secret(), token)
    if subject.kind != "manifest":
        raise ValidationFailed(N_("这个二维码不是转移联单，不能提货或送达"), details={"kind": subject.kind})
    try:
        body = TrackIn().load(request.get_json(silent=True) or {})
    except ma.ValidationError as error:
        raise ValidationFailed(N_("轨迹数据无效"), details=error.messages) from None
    points = [manifests.PointRequest(**point) for point in body["points"]]
    result = manifests.record_track(db(), actor=actor(), manifest_id=subject.id, points=points, now=now())
    return jsonify({"created": result.created, "stored": len(result.points)}), 201 if result.created else 200


@bp.get("/csrf-token")
def csrf_token():
    """A fresh CSRF token for a page that syncs steps queued long ago (a token expires after an hour)."""
    response = jsonify({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/sw.js")
def service_worker():
    """The service worker, served from the root so its scope covers /s/ (a worker under /static/ could not)."""
    response = make_response(send_from_directory(current_app.static_folder, "sw.js", max_age=0))
    response.headers["Content-Type"] = "application/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline():
    """The shell the service worker shows for a scan page never opened online: it can still queue a step."""
    return render_template("scan/offline.html", step_names=STEP_NAMES)
