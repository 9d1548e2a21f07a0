"""The producer's pages: its manifests (searched and paged), issuing one through the receiver chooser and the dry
run, drafts, cancelling with a reason, the one-time handover code, the manifest PDF, its batches and labels."""
from datetime import datetime, time, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from wastechain import throttle
from wastechain.web.common import ManifestArgs, ManifestIn, StepIn
from wastechain.domain.errors import ValidationFailed
from wastechain.domain.fieldnames import field_name
from wastechain.domain.states import STATUS_NAMES, STEP_NAMES, Step
from wastechain.domain.streams import STREAM_NAMES
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA, local_date
from wastechain.domain.vocabulary import ISSUER_ROLES
from wastechain.i18n import message_of
from wastechain.services import access, manifests
from wastechain.services.manifests import drafts, handover
from wastechain.services.manifests.issue import place_names
from wastechain.services.rendering import labels, manifest_pdf, qr
from wastechain.services.storage import batches
from wastechain.web.plots import route_plot
from wastechain.web.common import (actor, attempt, db, new_key, now, roles_required, scan_path, secret, settings,
                                   step_fields)

bp = Blueprint("producer", __name__)
PER_PAGE = 20
# The manifest form's fields, named in the page's language when a value is refused.
FIELD_NAMES = {"lines": N_("废物批次"), "batch_id": N_("批次"), "quantity_kg": N_("数量（kg）"),
               "receiver_site_id": N_("接收单位"), "transporter_id": N_("运输单位"), "vehicle_id": N_("车辆"),
               "driver_id": N_("驾驶员"), "planned_pickup_at": N_("计划提货时间"), "approval_id": N_("审批"),
               "reason": N_("原因"), "from": N_("开具日期（起）"), "to": N_("开具日期（止）"), "q": N_("联单号"),
               "waste_code": N_("废物代码"), "party": N_("单位名称"), "status": N_("状态"), "page": N_("页码")}

# What the shared quantity parser (domain/quantities.parse_kg) says, in the page's language.
PROBLEMS = {text: text for text in (N_("不是有效的数量"), N_("必须大于 0"), N_("最多保留 3 位小数（克）"),
                                    N_("超出允许范围"), N_("必须是数字（千克）"))}
# marshmallow's own messages, which the API answers as they are
PROBLEMS.update({"Missing data for required field.": N_("请填写或选择"), "Field may not be null.": N_("请填写或选择"),
                 "Not a valid integer.": N_("请从列表中选择"), "Not a valid datetime.": N_("不是有效的时间"),
                 "Not a valid list.": N_("请从列表中选择")})


def _refusal(messages: dict) -> ValidationFailed:
    """A schema's first complaint as a page shows it: the field's name in the page's language, then the problem."""
    field, problems = next(iter(messages.items()))
    while isinstance(problems, dict):  # nested: lines → 0 → quantity_kg
        inner_field, problems = next(iter(problems.items()))
        if not str(inner_field).isdigit():
            field = inner_field
    problem = str(problems[0] if isinstance(problems, list) else problems)
    for named in (f"{field} ", _(field_name(field))):  # the quantity parser names the field itself: the label says it
        if problem.startswith(named):
            problem = problem[len(named):].lstrip()
    head, sep, value = problem.partition("：")
    if head in PROBLEMS:
        problem = _(PROBLEMS[head]) + (_("：") + value if sep else "")
    return ValidationFailed(f"{_(FIELD_NAMES.get(field, field))}{_('：')}{problem}", details=messages)


# ---------------------------------------------------------------- the list

@bp.get("/producer")
@roles_required(*ISSUER_ROLES)
def index():
    user = actor()
    raw = {k: v for k, v in request.args.items() if k in FIELD_NAMES and v.strip()}
    try:
        args = ManifestArgs().load({**raw, "per_page": PER_PAGE})
        error = None
    except ValidationError as problem:
        args, error = ManifestArgs().load({"per_page": PER_PAGE}), message_of(_refusal(problem.messages))
    found = manifests.issued_by_own_organization(
        db(), actor=user, status=args["status"], date_from=args["date_from"], date_to=args["date_to"], q=args["q"],
        waste_code=args["waste_code"], party=args["party"], page=args["page"], per_page=PER_PAGE)
    own_drafts = drafts.list_drafts(db(), actor=user, per_page=50)
    own_batches = batches.list_batches(db(), actor=user, per_page=200)
    search = {k: v for k, v in raw.items() if k != "page"}
    return render_template("producer/index.html", page=found, manifests=found.items, search=search, error=error,
                           awaiting_pickup={m.id for m in found.items if handover.can_issue_code(user, m)},
                           drafts=own_drafts, batches=own_batches.items, batches_total=own_batches.total,
                           status_names=STATUS_NAMES, draft_summary=_draft_summary)


def _draft_summary(draft) -> str:
    form = draft.form or {}
    picked = form.get("batch_ids") or []
    return _("%(n)s 个批次", n=len(picked))


# ---------------------------------------------------------------- issuing: the form, the chooser, the dry run

def _form_of(source) -> dict:
    """What was typed, kept as typed (a draft stores exactly this; errors show it again)."""
    ids = [i for i in source.getlist("batch_id") if i.strip()]
    return {"batch_ids": ids, "qty": {i: source.get(f"qty_{i}", "").strip() for i in ids},
            "planned_at": source.get("planned_at", "").strip(),
            "receiver_site_id": source.get("receiver_site_id", "").strip(),
            "approval_id": source.get(f"approval_for_{source.get('receiver_site_id', '')}", "").strip()
            or source.get("approval_id", "").strip(),
            "transporter_id": source.get("transporter_id", "").strip(),
            "vehicle_id": source.get("vehicle_id", "").strip(), "driver_id": source.get("driver_id", "").strip(),
            **{name: source.get(name, "").strip() for name in LEG_FIELDS}}


# 联运: the page offers one further carrier (leg 2); the API takes up to nine
LEG_FIELDS = ("leg_transporter_id", "leg_vehicle_id", "leg_driver_id", "leg_handover_point")


def _planned(value: str) -> str | None:
    """The form's local date and time (China) as the API's ISO time with offset."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(_("计划提货时间格式应为 YYYY-MM-DD HH:MM"), details={"planned_pickup_at": value}) from None
    return moment.replace(tzinfo=CHINA).isoformat()


def _request_of(form: dict, *, partial: tuple = ()) -> dict:
    """The form read by the API's own schema (POST /manifests), so the page and the API validate alike."""
    body = {"lines": [{"batch_id": i, "quantity_kg": form["qty"].get(i, "")} for i in form["batch_ids"]],
            "planned_pickup_at": _planned(form["planned_at"])}
    for name in ("receiver_site_id", "transporter_id", "vehicle_id", "driver_id", "approval_id"):
        if form.get(name):
            body[name] = form[name]
    if form.get("leg_transporter_id"):
        body["legs"] = [{name.removeprefix("leg_"): form[name] for name in LEG_FIELDS if form.get(name)}]
    body = {k: v for k, v in body.items() if v is not None}
    if not form["batch_ids"]:
        raise ValidationFailed(_("请至少选择一个批次并填写数量"), details={"lines": "empty"})
    try:
        loaded = ManifestIn(partial=partial).load(body)
    except ValidationError as error:
        raise _refusal(error.messages) from None
    loaded["lines"] = [manifests.LineRequest(**line) for line in loaded["lines"]]
    loaded["legs"] = [manifests.LegRequest(**leg) for leg in loaded["legs"]]
    return loaded


def _default_form() -> dict:
    tomorrow = local_date(now()) + timedelta(days=1)
    return {"batch_ids": [], "qty": {}, "planned_at": datetime.combine(tomorrow, time(9)).strftime("%Y-%m-%dT%H:%M"),
            "receiver_site_id": "", "approval_id": "", "transporter_id": "", "vehicle_id": "", "driver_id": "",
            **dict.fromkeys(LEG_FIELDS, "")}


def _new_page(form: dict, *, draft_id=None, choices=None, verdicts=None, ok=None, error=None, status=200):
    options = drafts.form_choices(db(), actor=actor())
    return render_template(
        "producer/new.html", form=form, draft_id=draft_id, options=options, choices=choices, verdicts=verdicts,
        ok=ok, error=error, stream_names=STREAM_NAMES, rule_names=manifests.RULE_NAMES,
        text_of=lambda verdict: manifests.verdict_text(verdict, _)), status


def _choices(form: dict):
    loaded = _request_of(form, partial=("receiver_site_id", "transporter_id"))
    return manifests.receiver_choices(db(), actor=actor(), lines=loaded["lines"],
                                      planned_pickup_at=loaded["planned_pickup_at"])


@bp.get("/producer/manifests/new")
@roles_required(*ISSUER_ROLES)
def new():
    draft_id = request.args.get("draft", type=int)
    if draft_id is None:
        return _new_page(_default_form())
    draft = drafts.get_draft(db(), actor=actor(), draft_id=draft_id)
    form = {**_default_form(), **draft.form}
    choices = attempt(lambda: _choices(form), on_refusal=lambda error: None) if form["batch_ids"] else None
    return _new_page(form, draft_id=draft.id, choices=choices)


@bp.post("/producer/manifests/new")
@roles_required(*ISSUER_ROLES)
def submit():
    """One form, four buttons: find the receivers, dry run, save as draft, issue. Every refusal keeps the form."""
    form = _form_of(request.form)
    action = request.form.get("action", "check")
    draft_id = request.form.get("draft_id", type=int)
    state = {"choices": None, "verdicts": None, "ok": None}

    def refused(error):
        return _new_page(form, draft_id=draft_id, error=message_of(error), status=422, **state)

    def run():
        if action == "save":
            saved = drafts.save_draft(db(), actor=actor(), form=form, now=now(), draft_id=draft_id)
            flash(_("草稿已保存，可以稍后继续编辑或开具。"), "info")
            return redirect(url_for(".new", draft=saved.id))
        state["choices"] = _choices(form)
        if action == "receivers":
            return _new_page(form, draft_id=draft_id, **state)
        loaded = _request_of(form)
        if action == "issue":
            if draft_id:
                issued = drafts.issue_draft(db(), actor=actor(), draft_id=draft_id, now=now(), **loaded)
            else:
                issued = manifests.issue_manifest(db(), actor=actor(), now=now(), **loaded)
            flash(_("✓ 联单 %(number)s 已开具", number=issued.number), "info")
            return redirect(url_for(".manifest", manifest_id=issued.id))
        evaluation = manifests.check_manifest(db(), actor=actor(), now=now(), **loaded)
        state.update(verdicts=evaluation.verdicts, ok=evaluation.ok)
        return _new_page(form, draft_id=draft_id, **state)

    return attempt(run, on_refusal=refused)


@bp.route("/producer/drafts/<int:draft_id>/delete", methods=["GET", "POST"])
@roles_required(*ISSUER_ROLES)
def delete_draft(draft_id):
    """Throwing a draft away, after a confirmation page."""
    draft = drafts.get_draft(db(), actor=actor(), draft_id=draft_id)
    if request.method == "POST":
        drafts.delete_draft(db(), actor=actor(), draft_id=draft.id)
        flash(_("草稿已删除"), "info")
        return redirect(url_for(".index"))
    return render_template("producer/delete_draft.html", draft=draft, summary=_draft_summary(draft))


# ---------------------------------------------------------------- one manifest

def _manifest_page(manifest_id: int, issued=None) -> str:
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    return render_template("producer/manifest.html", manifest=found, issued=issued, now=now(),
                           code=handover.code_state(db(), manifest_id=found.id), status_names=STATUS_NAMES,
                           step_names={step: _(name) for step, name in STEP_NAMES.items()}, stream_names=STREAM_NAMES,
                           places=place_names(db(), [found.origin_region_code, found.destination_region_code]),
                           can_issue_code=handover.can_issue_code(actor(), found),
                           can_cancel=Step.CANCEL.value in access.manifest_steps(actor(), found),
                           scan_url=scan_path("manifest", found.id),
                           custody=manifests.refused_in_custody(db(), actor=actor(), manifest=found)
                           if found.rejected_kg else [],
                           can_take_back=Step.RECEIVE.value in access.manifest_steps(actor(), found), key=new_key(),
                           track=route_plot(found, manifests.read_track(db(), actor=actor(), manifest_id=found.id)))


@bp.get("/producer/manifests/<int:manifest_id>")
@roles_required(*ISSUER_ROLES)
def manifest(manifest_id):
    return _manifest_page(manifest_id)


@bp.route("/producer/manifests/<int:manifest_id>/cancel", methods=["GET", "POST"])
@roles_required(*ISSUER_ROLES)
def cancel(manifest_id):
    """Cancelling an issued manifest: a confirmation page asks for the reason; the step service records it."""
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    reason, error = "", None
    if request.method == "POST":
        reason = request.form.get("reason", "")

        def done():
            loaded = _step_fields(reason)
            step = manifests.StepRequest(type=Step.CANCEL.value, idempotency_key=request.form.get("key") or new_key(),
                                         reason=loaded)
            result = manifests.record_step(db(), actor=actor(), manifest_id=found.id, request=step, now=now())
            flash(_("联单 %(number)s 已作废", number=result.manifest.number), "info")
            return redirect(url_for(".manifest", manifest_id=found.id))

        outcome = attempt(done, on_refusal=lambda refusal: message_of(refusal))
        if not isinstance(outcome, str):
            return outcome
        error = outcome
        found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    return render_template("producer/cancel.html", manifest=found, reason=reason, error=error, key=new_key(),
                           status_names=STATUS_NAMES), 422 if error else 200


def _step_fields(reason: str) -> str:
    if not reason.strip():
        raise ValidationFailed(_("作废联单必须说明原因"), details={"reason": "required"})
    try:
        return StepIn(only=("reason",), partial=True).load({"reason": reason.strip()})["reason"]
    except ValidationError as error:
        raise _refusal(error.messages) from None


@bp.route("/producer/manifests/<int:manifest_id>/return", methods=["GET", "POST"])
@roles_required(*ISSUER_ROLES)
def return_trip(manifest_id):
    """Refused waste back to where it came from: a confirmation page, then the return manifest (issue 10)."""
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    custody = manifests.refused_in_custody(db(), actor=actor(), manifest=found)
    error = None
    if request.method == "POST":
        def done():
            back = manifests.issue_return_trip(db(), actor=actor(), manifest_id=found.id, now=now())
            flash(_("已开具退运联单 %(number)s：请运输单位扫码提货", number=back.number), "info")
            return redirect(url_for(".manifest", manifest_id=back.id))

        outcome = attempt(done, on_refusal=lambda refusal: message_of(refusal))
        if not isinstance(outcome, str):
            return outcome
        error = outcome
    return render_template("producer/return.html", manifest=found, custody=custody, error=error), \
        422 if error else 200


@bp.post("/producer/manifests/<int:manifest_id>/take-back")
@roles_required(*ISSUER_ROLES)
def take_back(manifest_id):
    """A return trip delivered to us: the refused waste back into our stock (the receive step)."""
    def done():
        weighed = step_fields(request.form, "quantity_kg")["quantity_kg"]
        result = manifests.take_back(db(), actor=actor(), manifest_id=manifest_id, now=now(), quantity_kg=weighed,
                                     idempotency_key=request.form.get("idempotency_key") or new_key())
        flash(_("✓ 已收回入库：联单 %(number)s 现为「%(status)s」", number=result.manifest.number,
                status=_(STATUS_NAMES[result.manifest.status])), "info")
        return None

    refused = attempt(done, on_refusal=lambda refusal: message_of(refusal))
    if refused is not None:
        flash(refused, "error")
    return redirect(url_for(".manifest", manifest_id=manifest_id))


@bp.post("/producer/manifests/<int:manifest_id>/handover-code")
@roles_required(*ISSUER_ROLES)
def handover_code(manifest_id):
    """Shows a new one-time code once; only its hash is kept, so reloading means issuing another."""
    throttle.code_issue(actor().username)
    issued = handover.issue_code(db(), actor=actor(), manifest_id=manifest_id, secret=secret(), now=now())
    response = Response(_manifest_page(manifest_id, issued=issued))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/manifests/<int:manifest_id>/qr.png")
@roles_required()
def manifest_qr(manifest_id):
    """The manifest's QR for a logged-in party (the API serves the same image to bearer tokens)."""
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    data = qr.qr_url(settings().public_base_url, secret(), "manifest", found.id)
    return Response(qr.qr_png(data, box_size=8), mimetype="image/png")


@bp.get("/manifests/<int:manifest_id>/manifest.pdf")
@roles_required()
def manifest_document(manifest_id):
    """The printable manifest (联单, A4) for any logged-in party that can see it; others get 404."""
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    body, filename = manifest_pdf.manifest_pdf(
        db(), actor=actor(), manifest_id=found.id, translate=_,
        qr_data=qr.qr_url(settings().public_base_url, secret(), "manifest", found.id))
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'})


# ---------------------------------------------------------------- labels

@bp.get("/batches/<int:batch_id>/label.<any(png, svg, pdf):fmt>")
@roles_required(*ISSUER_ROLES)
def label(batch_id, fmt):
    body, mimetype, filename = labels.batch_label(db(), actor=actor(), batch_id=batch_id, fmt=fmt,
                                                  base_url=settings().public_base_url, secret=secret())
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'inline; filename="{filename}"'})


@bp.get("/batches/labels.pdf")
@roles_required(*ISSUER_ROLES)
def labels_sheet():
    pdf = labels.label_sheet(db(), actor=actor(), batch_ids=labels.parse_batch_ids(request.args.getlist("ids")),
                             base_url=settings().public_base_url, secret=secret())
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": 'inline; filename="labels.pdf"'})
