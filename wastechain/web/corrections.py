"""Corrections (修订) pages: a manifest's correction history (on every manifest page), the request form, the
approve/refuse confirmation page, and a regulator's ask for a correction."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from wastechain.api.corrections.schemas import AskIn, CorrectionIn, DecisionIn
from wastechain.domain.corrections import FIELDS, FILING_PARTIES, PARTY_NAMES, STATUS_NAMES
from wastechain.domain.states import STATUS_NAMES as MANIFEST_STATUS_NAMES
from wastechain.i18n import message_of
from wastechain.services import manifests
from wastechain.services.manifests import corrections
from wastechain.web.common import actor, attempt, db, load_form, now, roles_required

bp = Blueprint("correction_pages", __name__, url_prefix="/corrections")
NAMES = {"fields": FIELDS, "parties": PARTY_NAMES, "statuses": STATUS_NAMES,
         "manifest_statuses": MANIFEST_STATUS_NAMES}


@bp.app_template_global()
def manifest_corrections(manifest) -> dict:
    """What the 修订记录 section of a manifest page shows (templates/corrections/_history.html)."""
    user = actor()
    return {"items": corrections.corrections_of(db(), actor=user, manifest_id=manifest.id),
            "may_file": corrections.may_file(user, manifest), "user": user, "may_decide": corrections.may_decide,
            **NAMES}


@bp.app_template_global()
def correction_field_names() -> dict:
    return FIELDS  # the timeline names a "correct" event's field


@bp.get("/manifests/<int:manifest_id>")
@roles_required()
def history(manifest_id):
    """A manifest's corrections for any party or regulator that sees it (regulators reach it from reports)."""
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    return render_template("corrections/manifest.html", manifest=found, **NAMES)


@bp.route("/manifests/<int:manifest_id>/new", methods=["GET", "POST"])
@roles_required()
def new(manifest_id):
    """The request form: the field, its corrected value and why; typed values stay when it is refused."""
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    form = {"field": request.values.get("field", "pickup_kg"), "pickup_kg": "", "vehicle_id": "", "reason": "",
            "ask_id": request.values.get("ask_id", "")}
    error = None
    if request.method == "POST":
        form.update({k: request.form.get(k, "").strip() for k in form})

        def done():
            body = {k: v for k, v in form.items() if v != ""}
            loaded = load_form(CorrectionIn(), body)
            correction = corrections.request_correction(
                db(), actor=actor(), manifest_id=found.id, field=loaded["field"],
                value=loaded.get(loaded["field"]), reason=loaded["reason"], ask_id=loaded["ask_id"], now=now())
            if correction.status == "applied":
                flash(_("修订已生效"), "info")
            else:
                flash(_("修订已提出，等待其他各方确认"), "info")
            return redirect(url_for(".history", manifest_id=found.id))

        outcome = attempt(done, on_refusal=message_of)
        if not isinstance(outcome, str):
            return outcome
        error = outcome
        found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    return render_template("corrections/new.html", manifest=found, form=form, error=error,
                           current={f: corrections.current_value(db(), found, f).shown for f in FIELDS},
                           vehicles=corrections.vehicle_choices(db(), found),
                           asks=corrections.open_asks(db(), actor=actor(), manifest=found),
                           may_file=corrections.may_file(actor(), found), **NAMES), 422 if error else 200


@bp.route("/<int:correction_id>/decide", methods=["GET", "POST"])
@roles_required()
def decide(correction_id):
    """The confirmation page: the change before → after, approve, or refuse with a reason."""
    found = corrections.get_correction(db(), actor=actor(), correction_id=correction_id)
    reason, error = "", None
    if request.method == "POST":
        reason = request.form.get("reason", "")
        approve = request.form.get("decision") == "approve"

        def done():
            loaded = load_form(DecisionIn(), {"reason": reason})
            result = corrections.decide_correction(db(), actor=actor(), correction_id=found.id, approve=approve,
                                                   reason=loaded["reason"], now=now())
            flash({"applied": _("修订已生效"), "refused": _("已拒绝该修订，联单保持原值")}.get(
                result.status, _("已确认，等待其他各方确认")), "info")
            return redirect(url_for(".history", manifest_id=result.manifest_id))

        outcome = attempt(done, on_refusal=message_of)
        if not isinstance(outcome, str):
            return outcome
        error = outcome
        found = corrections.get_correction(db(), actor=actor(), correction_id=correction_id)
    return render_template("corrections/decide.html", c=found, manifest=found.manifest, reason=reason, error=error,
                           may_decide=corrections.may_decide(actor(), found), **NAMES), 422 if error else 200


@bp.route("/manifests/<int:manifest_id>/ask", methods=["GET", "POST"])
@roles_required("regulator")
def ask(manifest_id):
    """A regulator asks one party of the manifest to file a correction."""
    found = manifests.get_manifest(db(), actor=actor(), manifest_id=manifest_id)
    form, error = {"party": request.form.get("party", "carrier"), "reason": request.form.get("reason", "")}, None
    if request.method == "POST":
        def done():
            loaded = load_form(AskIn(), form)
            corrections.ask_for_correction(db(), actor=actor(), manifest_id=found.id, party=loaded["party"],
                                           reason=loaded["reason"], now=now())
            flash(_("已要求%(party)s修订", party=_(PARTY_NAMES[loaded["party"]])), "info")
            return redirect(url_for(".history", manifest_id=found.id))

        outcome = attempt(done, on_refusal=message_of)
        if not isinstance(outcome, str):
            return outcome
        error = outcome
    return render_template("corrections/ask.html", manifest=found, form=form, error=error,
                           filing=sorted(FILING_PARTIES), **NAMES), 422 if error else 200
