"""Paper manifests entered afterwards (补录): the entry form (the step from the paper form and its scan), the list
of entries (regulators confirm those of their jurisdiction) with its export, and the scans."""
from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from wastechain.api.paper.schemas import PaperStepIn
from wastechain.domain.paper import PAPER_STEPS, PAPER_WORKING_DAYS
from wastechain.domain.states import STEP_NAMES
from wastechain.i18n import message_of
from wastechain.requestctx import paper_scan_dir
from wastechain.services.manifests import StepRequest, paper
from wastechain.services.rendering import tables
from wastechain.web.common import actor, attempt, db, load_form, new_key, now, roles_required

bp = Blueprint("paper_pages", __name__, url_prefix="/paper")
FIELDS = ("number", "type", "occurred_at", "quantity_kg", "accepted_kg", "rejected_kg", "reason", "method")


@bp.get("/")
@roles_required()
def index():
    """Paper entries the user may see; a regulator confirms those not yet confirmed."""
    unconfirmed = request.args.get("unconfirmed") == "1"
    found = paper.list_paper_entries(db(), actor=actor(), unconfirmed=unconfirmed, page=_page(), per_page=50)
    return render_template("paper/index.html", found=found, unconfirmed=unconfirmed, step_names=STEP_NAMES)


def _page() -> int:
    value = request.args.get("page", "1")
    return int(value) if value.isdigit() and 0 < int(value) < 10_000 else 1


@bp.get("/export.csv")
@roles_required()
def export():
    """The entries shown, each marked paper-entered, as CSV (the one exporter: formula-safe)."""
    found = paper.list_paper_entries(db(), actor=actor(), per_page=10_000)
    rows = paper.export_rows(found.items, lambda step: _(STEP_NAMES[step]), _("是"))
    return Response(tables.to_csv([_(h) for h in paper.EXPORT_HEADERS], rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="paper-entries.csv"'})


@bp.route("/new", methods=["GET", "POST"])
@roles_required()
def new():
    """The entry form: the manifest number and the step as written on the paper form, with its scan."""
    form = {name: request.values.get(name, "").strip() for name in FIELDS}
    form["type"] = form["type"] or "pickup"
    error, key = None, request.form.get("key") or new_key()
    if request.method == "POST":
        def done():
            manifest = paper.manifest_by_number(db(), actor=actor(), number=form["number"])
            step = _step(form, key)
            upload = request.files.get("scan")
            result = paper.enter_paper_step(db(), actor=actor(), manifest_id=manifest.id, request=step,
                                            scan=upload.read() if upload else b"", scan_dir=paper_scan_dir(),
                                            now=now())
            flash(_("已补录联单 %(number)s 的「%(step)s」，等待生态环境部门确认", number=manifest.number,
                    step=_(STEP_NAMES[result.event.type])), "info")
            return redirect(url_for(".index"))

        outcome = attempt(done, on_refusal=message_of)
        if not isinstance(outcome, str):
            return outcome
        error = outcome
    return render_template("paper/new.html", form=form, error=error, key=key, steps=PAPER_STEPS,
                           step_names=STEP_NAMES, days=PAPER_WORKING_DAYS), 422 if error else 200


def _step(form: dict, key: str) -> StepRequest:
    """The form read by the API's own schema; the paper's time is a China local time (datetime-local)."""
    data = {name: form[name] for name in FIELDS[1:] if form[name]}
    if len(data.get("occurred_at", "")) == 16:
        data["occurred_at"] += ":00+08:00"
    data["idempotency_key"] = key
    return StepRequest(**load_form(PaperStepIn(), data))


@bp.post("/<int:entry_id>/confirm")
@roles_required("regulator", "admin")
def confirm(entry_id):
    def done():
        entry = paper.confirm_paper_entry(db(), actor=actor(), entry_id=entry_id, now=now())
        flash(_("已确认联单 %(number)s 的补录", number=entry.manifest.number), "info")

    outcome = attempt(done, on_refusal=message_of)
    if isinstance(outcome, str):
        flash(outcome, "error")
    return redirect(url_for(".index", unconfirmed=request.form.get("unconfirmed") or None))


@bp.get("/<int:entry_id>/scan")
@roles_required()
def scan(entry_id):
    entry = paper.get_paper_entry(db(), actor=actor(), entry_id=entry_id)
    return send_file(paper.scan_path(paper_scan_dir(), entry), mimetype=entry.scan_type)
