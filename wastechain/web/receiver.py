"""The receiver's pages: deliveries waiting (with the 5-working-day deadline), the weigh-in (accepted / refused kg
with reason; what was typed stays after an error), the utilization/disposal record with methods by name, and the
certificate (利用处置证明) of a manifest — its PDF (`certificates.manifest_pdf`, for every party of the manifest)
and the public page its QR opens (`certificates.verify`)."""
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from wastechain.api.manifests.schemas import LineReceiptIn
from wastechain.domain.errors import ValidationFailed
from wastechain.domain.methods import METHOD_NAMES, method_name, sort_key
from wastechain.domain.states import STATUS_NAMES, STEP_NAMES, ManifestStatus, Step
from wastechain.domain.text import N_
from wastechain.domain.timeutil import local_date, moment_of_day, known_receipt_deadline as deadline_after
from wastechain.domain.vocabulary import RECEIVING_ROLES
from wastechain.i18n import message_of
from wastechain.services import access, lineage, manifests
from wastechain.services.lineage import receiving
from wastechain.web.common import actor, attempt, db, new_key, now, roles_required, settings, step_fields

bp = Blueprint("receiver", __name__, url_prefix="/receiver")
certificates = Blueprint("certificates", __name__, url_prefix="/certificates")
SECTIONS = ((ManifestStatus.DELIVERED, N_("已送达，待过磅接收")), (ManifestStatus.RECEIVED, N_("已接收，待利用/处置")),
            (ManifestStatus.IN_TRANSIT, N_("运输中（即将到达）")))


def receipt_deadline(manifest):
    """The last day to confirm receipt: N working days after the delivery day (《危险废物转移管理办法》)."""
    days = settings().thresholds.receipt_overdue_working_days
    return deadline_after(manifest.status_changed_at, days)


@bp.get("/")
@roles_required(*RECEIVING_ROLES)
def index():
    """Deliveries waiting for the weigh-in (with their deadline), and received loads waiting for treatment."""
    today = local_date(now())
    q = (request.args.get("q") or "").strip()[:50]
    per_page = min(100, max(1, request.args.get("per_page", 20, type=int)))
    sections = []
    for status, title in SECTIONS:
        page = request.args.get(f"page_{status}", 1, type=int)
        found = receiving.receiver_worklist(db(), actor=actor(), status=status, q=q or None, page=page,
                                            per_page=per_page)
        deadlines = ({m.id: d for m in found.items if (d := receipt_deadline(m))}
                     if status == ManifestStatus.DELIVERED else {})
        sections.append((title, status, found, deadlines))
    return render_template("receiver/index.html", sections=sections, status_names=STATUS_NAMES, today=today,
                           q=q, working_days=settings().thresholds.receipt_overdue_working_days)


def _page(manifest_id: int, *, form=None, error: str | None = None, step: str | None = None, status: int = 200):
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    options = manifests.treatment_options(found)
    methods = sorted(options["methods"], key=sort_key)
    today = local_date(now())
    records = lineage.list_disposals(db(), actor=actor(), manifest_id=found.id, per_page=200).items
    deadline = receipt_deadline(found) if found.status == ManifestStatus.DELIVERED else None
    body = render_template(
        "receiver/manifest.html", manifest=found, key=(form or {}).get("idempotency_key") or new_key(),
        open_kg=options["open_kg"], methods=methods, method_name=method_name, all_methods=sorted(METHOD_NAMES, key=sort_key),
        steps=access.manifest_steps(actor(), found), status_names=STATUS_NAMES, step_names=STEP_NAMES,
        today=today.isoformat(), form=form or {}, error=error, error_step=step, records=records,
        deadline=deadline, overdue=deadline is not None and deadline < today)
    return body, status


@bp.get("/manifests/<int:manifest_id>")
@roles_required(*RECEIVING_ROLES)
def manifest(manifest_id):
    return _page(manifest_id)


def _step_request(step: Step, form) -> manifests.StepRequest:
    key = form.get("idempotency_key") or new_key()
    if step == Step.RECEIVE and form.getlist("line_id"):
        return manifests.StepRequest(type=step.value, idempotency_key=key, lines=_line_receipts(form))
    if step == Step.RECEIVE:
        fields = step_fields(form, "quantity_kg", "accepted_kg", "rejected_kg", "reason")
        return manifests.StepRequest(type=step.value, idempotency_key=key, **fields)
    return manifests.StepRequest(type=step.value, idempotency_key=key, method=(form.get("method") or "").strip(),
                                 quantity_kg=step_fields(form, "quantity_kg")["quantity_kg"],
                                 occurred_at=moment_of_day(form.get("date"), now()))


def _line_receipts(form) -> tuple:
    """The weigh-in line by line: each line's accepted and refused kg, reason and method (`accepted_kg-<line id>`
    …), read by the API's own line schema."""
    receipts = []
    for line_id in form.getlist("line_id"):
        if not line_id.isdigit():
            raise ValidationFailed(N_("逐行接收须为联单的每一行各填一次"), details={"line_id": line_id})
        fields = step_fields(form, "accepted_kg", "rejected_kg", "reason", "method", schema=LineReceiptIn,
                             suffix=f"-{line_id}")
        if fields["accepted_kg"] is None:
            raise ValidationFailed(N_("接收时必须填写接收量 accepted_kg"), details={f"accepted_kg-{line_id}": "required"})
        receipts.append(manifests.LineReceipt(line_id=int(line_id), **{k: v for k, v in fields.items() if v is not None}))
    return tuple(receipts)


@bp.post("/manifests/<int:manifest_id>/<any(receive, dispose):step>")
@roles_required(*RECEIVING_ROLES)
def record(manifest_id, step):
    """The weigh-in or a disposal record, through the same service as the API. A refusal shows the form again
    with everything that was typed (the refusal reason too) and the error, so nothing is retyped or lost."""
    def done():
        result = manifests.record_step(db(), actor=actor(), manifest_id=manifest_id,
                                       request=_step_request(Step(step), request.form), now=now())
        flash(_("✓ %(step)s已记录：联单 %(number)s 现为「%(status)s」", step=_(STEP_NAMES[Step(step)]),
                number=result.manifest.number, status=_(STATUS_NAMES[result.manifest.status])), "info")
        return None

    refused = attempt(done, on_refusal=lambda error: message_of(error))
    if refused is not None:
        return _page(manifest_id, form=request.form, error=refused, step=step, status=422)
    return redirect(url_for(".manifest", manifest_id=manifest_id))


# ---------------------------------------------------------------- the certificate (every party of the manifest)


@certificates.get("/manifests/<int:manifest_id>.pdf")
def manifest_pdf(manifest_id):
    """The 利用处置证明 of a manifest as a PDF: producer, transporter, receiver and regulators may open it."""
    if not current_user.is_authenticated:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    pdf = lineage.manifest_certificate_pdf(db(), actor=actor(), manifest_id=manifest_id, now=now(),
                                           base_url=settings().public_base_url, secret=settings().secret_key)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="certificate-{manifest_id}.pdf"'})


@certificates.get("/verify/<token>")
def verify(token):
    """What the certificate's QR opens: the record as the system holds it now, for anyone checking the paper."""
    data = lineage.verify_certificate(db(), secret=settings().secret_key, token=token)
    return render_template("receiver/verify.html", cert=data, now=now())
