"""The receiver's pages: deliveries waiting, the weigh-in (accepted / refused kg with reason), the disposal record."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from wastechain.domain.states import STATUS_NAMES, STEP_NAMES, ManifestStatus, Step
from wastechain.domain.timeutil import local_date, moment_of_day
from wastechain.domain.vocabulary import RECEIVING_ROLES
from wastechain.services import access, manifests
from wastechain.web.common import actor, attempt, db, new_key, now, roles_required, step_fields

bp = Blueprint("receiver", __name__, url_prefix="/receiver")
SECTIONS = ((ManifestStatus.DELIVERED, "已送达，待过磅接收"), (ManifestStatus.RECEIVED, "已接收，待利用/处置"),
            (ManifestStatus.IN_TRANSIT, "运输中（即将到达）"))


@bp.get("/")
@roles_required(*RECEIVING_ROLES)
def index():
    """Deliveries waiting for the weigh-in, and received loads waiting for their disposal record."""
    sections = [(title, status, manifests.receiver_queue(db(), actor=actor(), status=status))
                for status, title in SECTIONS]
    return render_template("receiver/index.html", sections=sections, status_names=STATUS_NAMES)


@bp.get("/manifests/<int:manifest_id>")
@roles_required(*RECEIVING_ROLES)
def manifest(manifest_id):
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    options = manifests.treatment_options(found)
    return render_template("receiver/manifest.html", manifest=found, key=new_key(), open_kg=options["open_kg"],
                           methods=options["methods"], steps=access.manifest_steps(actor(), found),
                           status_names=STATUS_NAMES, step_names=STEP_NAMES, today=local_date(now()).isoformat())


def _step_request(step: Step, form) -> manifests.StepRequest:
    key = form.get("idempotency_key") or new_key()
    if step == Step.RECEIVE:
        fields = step_fields(form, "quantity_kg", "accepted_kg", "rejected_kg", "reason")
        return manifests.StepRequest(type=step.value, idempotency_key=key, **fields)
    return manifests.StepRequest(type=step.value, idempotency_key=key, method=(form.get("method") or "").strip(),
                                 quantity_kg=step_fields(form, "quantity_kg")["quantity_kg"],
                                 occurred_at=moment_of_day(form.get("date"), now()))


@bp.post("/manifests/<int:manifest_id>/<any(receive, dispose):step>")
@roles_required(*RECEIVING_ROLES)
def record(manifest_id, step):
    """The weigh-in or a disposal record, through the same service as the API."""
    def done():
        result = manifests.record_step(db(), actor=actor(), manifest_id=manifest_id,
                                       request=_step_request(Step(step), request.form), now=now())
        flash(f"✓ {STEP_NAMES[Step(step)]}已记录：联单 {result.manifest.number} 现为"
              f"「{STATUS_NAMES[result.manifest.status]}」", "info")

    attempt(done, on_refusal=lambda error: flash(error.message, "error"))
    return redirect(url_for(".manifest", manifest_id=manifest_id))
