"""An enterprise's anomalies: the findings about its own manifests and batches, paged and filtered, and one
anomaly to read and answer with an explanation (services.anomalies.lifecycle.add_note). Regulators keep their own
report (/regulator)."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from wastechain.domain.anomalies import CATALOG, STATUSES
from wastechain.domain.states import STATUS_NAMES, STEP_NAMES
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import ROLE_NAMES, AnomalyStatus, NoteKind
from wastechain.i18n import message_of
from wastechain.services import access, catalog
from wastechain.services.anomalies import lifecycle
from wastechain.web.common import actor, attempt, db, now, roles_required

bp = Blueprint("enterprise_anomalies", __name__, url_prefix="/anomalies")

ENTERPRISE_ROLES = tuple(r.value for r in access.ENTERPRISE_ROLES)
PER_PAGE = 30
STATUS_LABELS = {AnomalyStatus.OPEN: N_("待处理"), AnomalyStatus.ACKNOWLEDGED: N_("已确认"),
                 AnomalyStatus.RESOLVED: N_("已处理")}
NOTE_KINDS = {NoteKind.STATUS: N_("状态变更"), NoteKind.COMMENT: N_("监管备注"), NoteKind.EXPLANATION: N_("企业说明")}


def _day(name: str) -> date | None:
    raw = request.args.get(name) or ""
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def _filters() -> dict:
    code = request.args.get("code") or None
    status = request.args.get("status") or None
    if (code and code not in CATALOG) or (status and status not in STATUSES):
        abort(400)
    return {"code": code, "status": status, "date_from": _day("from"), "date_to": _day("to")}


@bp.get("/")
@roles_required(*ENTERPRISE_ROLES)
def index():
    filters = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = lifecycle.list_anomalies(db(), actor=actor(), page=page, per_page=PER_PAGE, **filters)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("anomalies/index.html", found=found, catalog=CATALOG, statuses=STATUS_LABELS,
                           filters=filters, args=args,
                           region_names=catalog.region_names(db(), [a.region_code for a in found.items]))


def _detail(anomaly_id: int, note: str = "", status: int = 200):
    user = actor()
    anomaly = lifecycle.get_anomaly(db(), actor=user, anomaly_id=anomaly_id)
    return render_template("anomalies/detail.html", anomaly=anomaly, type=CATALOG.get(anomaly.code),
                           history=lifecycle.history(db(), anomaly), events=lifecycle.manifest_events(db(), anomaly),
                           manifest=anomaly.evidence.get("manifest"), statuses=STATUS_LABELS, note_kinds=NOTE_KINDS,
                           role_names=ROLE_NAMES, status_names=STATUS_NAMES, step_names=STEP_NAMES, note=note,
                           region_names=catalog.region_names(db(), [anomaly.region_code,
                                                                    anomaly.related_region_code])), status


@bp.get("/<int:anomaly_id>")
@roles_required(*ENTERPRISE_ROLES)
def detail(anomaly_id: int):
    return _detail(anomaly_id)


@bp.post("/<int:anomaly_id>/explanation")
@roles_required(*ENTERPRISE_ROLES)
def explain(anomaly_id: int):
    note = request.form.get("note", "")

    def act():
        lifecycle.add_note(db(), actor=actor(), anomaly_id=anomaly_id, note=note, now=now())
        flash(_("说明已提交，监管部门可以看到"), "info")
        return redirect(url_for("enterprise_anomalies.detail", anomaly_id=anomaly_id))

    def refused(error):
        flash(message_of(error), "error")
        return _detail(anomaly_id, note=note, status=422)

    return attempt(act, on_refusal=refused)
