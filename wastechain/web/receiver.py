"""The receiver's pages: deliveries waiting, the weigh-in (accepted / refused kg with reason), the disposal record."""
from datetime import datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for

from wastechain.domain.errors import DomainError, ValidationFailed
from wastechain.domain.states import STATUS_NAMES, STEP_NAMES, Step
from wastechain.domain.timeutil import CHINA, local_date
from wastechain.services import manifests
from wastechain.web.common import actor, db, new_key, now, roles_required, step_fields

bp = Blueprint("receiver", __name__, url_prefix="/receiver")
RECEIVER_ROLES = ("receiver", "collector")
SECTIONS = (("delivered", "已送达，待过磅接收"), ("received", "已接收，待利用/处置"), ("in_transit", "运输中（即将到达）"))


def _incoming(status: str):
    query = manifests.list_manifests(db(), actor=actor(), status=status)
    from wastechain.models import Manifest

    return db().scalars(query.where(Manifest.receiver_id == actor().organization_id).limit(200)).all()


@bp.get("/")
@roles_required(*RECEIVER_ROLES)
def index():
    """Deliveries waiting for the weigh-in, and received loads waiting for their disposal record."""
    sections = [(title, status, _incoming(status)) for status, title in SECTIONS]
    return render_template("receiver/index.html", sections=sections, status_names=STATUS_NAMES)


@bp.get("/manifests/<int:manifest_id>")
@roles_required(*RECEIVER_ROLES)
def manifest(manifest_id):
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    open_kg = (found.accepted_kg or 0) - found.disposed_kg
    methods = sorted({m for p in found.receiver.permits for m in p.methods})
    return render_template("receiver/manifest.html", manifest=found, key=new_key(), open_kg=open_kg,
                           methods=methods, status_names=STATUS_NAMES, step_names=STEP_NAMES,
                           today=local_date(now()).isoformat())


def _on_date(value: str | None):
    """A disposal date from the form: today means now; an earlier day means noon of that day in China."""
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", details={"date": value}) from None
    if day == local_date(now()):
        return None
    return datetime.combine(day, time(12), tzinfo=CHINA)


def _step_request(step: Step, form) -> manifests.StepRequest:
    key = form.get("idempotency_key") or new_key()
    if step == Step.RECEIVE:
        fields = step_fields(form, "quantity_kg", "accepted_kg", "rejected_kg", "reason")
        return manifests.StepRequest(type=step.value, idempotency_key=key, **fields)
    return manifests.StepRequest(type=step.value, idempotency_key=key, method=(form.get("method") or "").strip(),
                                 quantity_kg=step_fields(form, "quantity_kg")["quantity_kg"],
                                 occurred_at=_on_date(form.get("date")))


@bp.post("/manifests/<int:manifest_id>/<any(receive, dispose):step>")
@roles_required(*RECEIVER_ROLES)
def record(manifest_id, step):
    """The weigh-in or a disposal record, through the same service as the API."""
    try:
        result = manifests.record_step(db(), actor=actor(), manifest_id=manifest_id,
                                       request=_step_request(Step(step), request.form), now=now())
    except DomainError as error:
        db().rollback()
        flash(error.message, "error")
        return redirect(url_for(".manifest", manifest_id=manifest_id))
    flash(f"✓ {STEP_NAMES[Step(step)]}已记录：联单 {result.manifest.number} 现为「{STATUS_NAMES[result.manifest.status]}」",
          "info")
    return redirect(url_for(".manifest", manifest_id=manifest_id))
