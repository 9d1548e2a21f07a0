"""跨区域转移审批 pages: regulators list (by state and producer, paged), read one with the manifests under it and the
kilograms used of those granted, grant (producers and destinations by name; a refused form keeps what was typed)
and revoke with a reason on a confirmation page; an enterprise reads the approvals granted to it."""
import re
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from wastechain.api.approvals.schemas import ApprovalIn, state_of
from wastechain.domain.approvals import STATE_NAMES, ApprovalState
from wastechain.domain.errors import Forbidden, ValidationFailed
from wastechain.domain.states import STATUS_NAMES
from wastechain.domain.text import N_
from wastechain.domain.timeutil import local_date
from wastechain.domain.vocabulary import AUTHORITY_ROLES, ISSUER_ROLES, Role
from wastechain.http_errors import invalid_message
from wastechain.i18n import message_of
from wastechain.services.accounts import approvals
from wastechain.services.manifests.issue import place_names
from wastechain.web.common import actor, attempt, db, now, roles_required, settings

bp = Blueprint("approvals_page", __name__, url_prefix="/approvals")
VIEWERS = tuple(r.value for r in AUTHORITY_ROLES | ISSUER_ROLES)
PER_PAGE = 30
FORM_FIELDS = ("producer_id", "waste_codes", "destination_site_id", "max_quantity_kg", "valid_from", "valid_to")


def _names(items) -> dict:
    return place_names(db(), {a.destination_site.region_code for a in items} | {a.producer.region_code for a in items})


@bp.get("/")
@roles_required(*VIEWERS)
def index():
    state, q = request.args.get("state") or None, (request.args.get("q") or "").strip()[:100] or None
    if state and state not in set(ApprovalState):
        abort(400)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = approvals.list_approvals(db(), actor=actor(), state=state, q=q, today=local_date(now()), page=page,
                                     per_page=PER_PAGE)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("approvals/index.html", found=found, state=state, q=q or "", args=args,
                           states=STATE_NAMES, state_of=state_of, names=_names(found.items),
                           may_grant=actor().role == Role.REGULATOR)


@bp.get("/<int:approval_id>")
@roles_required(*VIEWERS)
def detail(approval_id: int):
    user = actor()
    approval = approvals.with_manifests(db(), actor=user, approval=approvals.get_approval(
        db(), actor=user, approval_id=approval_id))
    return render_template("approvals/detail.html", approval=approval, state=state_of(approval), states=STATE_NAMES,
                           names=_names([approval]), statuses=STATUS_NAMES,
                           may_revoke=approval.revoked_at is None and approvals.may_revoke(user, approval.approval))


def _grant_form(values: dict, error: str = "", status: int = 200):
    choices = approvals.grant_choices(db(), actor=actor())
    names = place_names(db(), {s.region_code for s in choices.sites} | {o.region_code for o in choices.producers})
    return render_template("approvals/new.html", values=values, error=error, choices=choices, names=names,
                           max_days=settings().approval_max_validity_days), status


@bp.get("/new")
@roles_required(Role.REGULATOR)
def new():
    today = local_date(now())
    return _grant_form({"valid_from": today.isoformat(), "valid_to": (today + timedelta(days=364)).isoformat()})


@bp.post("/new")
@roles_required(Role.REGULATOR)
def grant():
    values = {name: request.form.get(name, "").strip() for name in FORM_FIELDS}

    def act():
        approval = approvals.grant_approval(db(), actor=actor(), **_loaded(values))
        flash(_("已批准跨区域转移审批 %(id)s", id=approval.id), "info")
        return redirect(url_for("approvals_page.detail", approval_id=approval.id))

    return attempt(act, on_refusal=lambda error: _grant_form(values, message_of(error), 422))


def _loaded(values: dict) -> dict:
    """The form read by the API's own schema, so the page and the API refuse alike."""
    data = {name: value for name, value in values.items() if value}
    if "waste_codes" in data:
        data["waste_codes"] = [code for code in re.split(r"[\s,，、;；]+", data["waste_codes"]) if code]
    try:
        return ApprovalIn().load(data)
    except ValidationError as error:
        raise ValidationFailed(invalid_message(error.messages), details=error.messages) from None


@bp.route("/<int:approval_id>/revoke", methods=["GET", "POST"])
@roles_required(Role.REGULATOR)
def revoke(approval_id: int):
    """The confirmation page: the reason is required; a revoked approval lets no further manifest cross."""
    user = actor()
    approval = approvals.get_approval(db(), actor=user, approval_id=approval_id)
    if not approvals.may_revoke(user, approval):
        raise Forbidden(N_("只有批准该审批的辖区监管部门可以撤销"))
    reason = request.form.get("reason", "")
    if request.method == "GET":
        return render_template("approvals/revoke.html", approval=approval, reason="", error="")

    def act():
        approvals.revoke_approval(db(), actor=user, approval_id=approval_id, reason=reason, now=now())
        flash(_("审批已撤销"), "info")
        return redirect(url_for("approvals_page.detail", approval_id=approval_id))

    return attempt(act, on_refusal=lambda error: (render_template(
        "approvals/revoke.html", approval=approval, reason=reason, error=message_of(error)), 422))
