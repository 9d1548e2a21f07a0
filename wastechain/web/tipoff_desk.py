"""The regulators' desk for public tip-offs: the jurisdiction's cases, oldest waiting first; one case with its
photos and the reporter's contact (regulators only), triage and assignment, links to enterprises and manifests,
closing with a finding (on a confirmation page) and the reward."""
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.timeutil import local_date
from wastechain.domain.tipoffs import FINDING_NAMES, KIND_NAMES, STATUS_NAMES, TipoffKind, TipoffStatus
from wastechain.domain.vocabulary import AUTHORITY_ROLES, Role
from wastechain.i18n import message_of
from wastechain.services import catalog
from wastechain.services.tipoffs import desk
from wastechain.web.common import actor, attempt, db, now, roles_required

bp = Blueprint("tipoff_desk", __name__, url_prefix="/regulator/tipoffs")
VIEWERS = tuple(r.value for r in AUTHORITY_ROLES)
PER_PAGE = 30


def _filters() -> dict:
    status, kind, region = (request.args.get(name) or None for name in ("status", "kind", "county"))
    if (status and status not in set(TipoffStatus)) or (kind and kind not in set(TipoffKind)) or \
            (region and not (region.isdigit() and len(region) == 6)):
        abort(400)
    return {"status": status, "kind": kind, "region": region}


@bp.get("/")
@roles_required(*VIEWERS)
def index():
    filters = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = desk.list_tipoffs(db(), actor=actor(), page=page, per_page=PER_PAGE, **filters)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("tipoff_desk/index.html", found=found, filters=filters, args=args, kinds=KIND_NAMES,
                           statuses=STATUS_NAMES, counties=catalog.counties_of(db(), actor()),
                           region_names=catalog.region_names(db(), [t.region_code for t in found.items]))


def _case(tipoff_id: int, *, error: str = "", values: dict | None = None, status: int = 200):
    user = actor()
    tipoff = desk.get_tipoff(db(), actor=user, tipoff_id=tipoff_id)
    may_act = user.role == Role.REGULATOR
    return render_template("tipoff_desk/case.html", tipoff=tipoff, kinds=KIND_NAMES, statuses=STATUS_NAMES,
                           findings=FINDING_NAMES, actions=desk.ACTION_NAMES, error=error, values=values or {},
                           officers=desk.officers(db(), actor=user, tipoff=tipoff) if may_act else [],
                           may_act=may_act, today=local_date(now()).isoformat(),
                           region_name=catalog.region_names(db(), [tipoff.region_code]).get(tipoff.region_code, "")
                           ), status


@bp.get("/<int:tipoff_id>")
@roles_required(*VIEWERS)
def case(tipoff_id: int):
    return _case(tipoff_id)


def _act(tipoff_id: int, action, done: str):
    """Runs one desk service from a form; a refusal shows the case again with the error and what was typed."""
    def run():
        action()
        flash(_(done), "info")
        return redirect(url_for("tipoff_desk.case", tipoff_id=tipoff_id))

    return attempt(run, on_refusal=lambda error: _case(tipoff_id, error=message_of(error),
                                                        values=request.form.to_dict(), status=422))


@bp.post("/<int:tipoff_id>/assign")
@roles_required(Role.REGULATOR)
def assign(tipoff_id: int):
    assignee = request.form.get("assignee_id", type=int) or 0
    return _act(tipoff_id, lambda: desk.assign(db(), actor=actor(), tipoff_id=tipoff_id, assignee_id=assignee,
                                               note=request.form.get("note", ""), now=now()), N_("已受理并指派"))


@bp.post("/<int:tipoff_id>/links")
@roles_required(Role.REGULATOR)
def link(tipoff_id: int):
    return _act(tipoff_id, lambda: desk.link(db(), actor=actor(), tipoff_id=tipoff_id,
                                             reference=request.form.get("reference", ""), now=now()), N_("已关联"))


@bp.post("/<int:tipoff_id>/reward")
@roles_required(Role.REGULATOR)
def reward(tipoff_id: int):
    def record():
        desk.record_reward(db(), actor=actor(), tipoff_id=tipoff_id, amount_yuan=_amount(request.form.get("amount")),
                           paid_on=_day(request.form.get("paid_on")), now=now())

    return _act(tipoff_id, record, N_("奖励已记录"))


def _amount(value: str | None) -> Decimal:
    try:
        return Decimal((value or "").strip())
    except InvalidOperation:
        raise ValidationFailed(N_("奖励金额应为数字"), details={"amount_yuan": value}) from None


def _day(value: str | None) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise ValidationFailed(N_("请填写发放日期"), details={"paid_on": value}) from None


@bp.route("/<int:tipoff_id>/close", methods=["GET", "POST"])
@roles_required(Role.REGULATOR)
def close(tipoff_id: int):
    """The confirmation page: the finding and its reasons; closing cannot be undone."""
    user = actor()
    tipoff = desk.get_tipoff(db(), actor=user, tipoff_id=tipoff_id)
    finding, note = request.form.get("finding", ""), request.form.get("note", "")
    if request.method == "GET":
        return render_template("tipoff_desk/close.html", tipoff=tipoff, findings=FINDING_NAMES, finding="", note="",
                               error="")

    def act():
        desk.close(db(), actor=user, tipoff_id=tipoff_id, finding=finding, note=note, now=now())
        flash(_("举报已办结"), "info")
        return redirect(url_for("tipoff_desk.case", tipoff_id=tipoff_id))

    return attempt(act, on_refusal=lambda error: (render_template(
        "tipoff_desk/close.html", tipoff=tipoff, findings=FINDING_NAMES, finding=finding, note=note,
        error=message_of(error)), 422))


@bp.get("/<int:tipoff_id>/photos/<sha256>")
@roles_required(*VIEWERS)
def photo(tipoff_id: int, sha256: str):
    found = desk.photo_file(db(), actor=actor(), tipoff_id=tipoff_id, sha256=sha256)
    response = send_file(found.path, mimetype=found.content_type, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
