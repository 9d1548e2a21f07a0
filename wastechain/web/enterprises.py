"""Enterprise files (企业档案) for regulators, and the credit record (信用档案) an enterprise reads and answers."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from wastechain.domain.anomalies import ANOMALY_STATUS_NAMES, CATALOG, SEVERITY_NAMES
from wastechain.domain.credit import CREDIT_RULE_NAMES
from wastechain.domain.states import STATUS_NAMES
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import AUTHORITY_ROLES, ROLE_NAMES
from wastechain.i18n import message_of
from wastechain.services import access, credit, oversight
from wastechain.web.common import actor, attempt, db, now, roles_required, settings

bp = Blueprint("enterprises", __name__)
ENTERPRISE_ROLES = tuple(r.value for r in access.ENTERPRISE_ROLES)
SECTION_NAMES = {"manifests": N_("联单"), "anomalies": N_("异常"), "declarations": N_("申报"), "payments": N_("付款"),
                 "credit": N_("信用档案")}
PERIOD_KIND_NAMES = {"annual": N_("年度"), "monthly": N_("月度")}
SITE_KIND_NAMES = {"production": N_("产生场所"), "storage": N_("贮存场所"), "facility": N_("利用处置设施")}
PERMIT_KIND_NAMES = {"hw_operation": N_("危险废物经营许可证"), "hw_transport": N_("危险货物道路运输许可")}


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def explain(event) -> str:
    """A credit event's reason in the page's language, with the rule's numbers as they were that day."""
    rules = settings().credit_rules
    evidence = event.evidence or {}
    text = _(rules.rule(event.rule).explanation) if event.rule in CREDIT_RULE_NAMES else event.rule
    return text.format(count=event.count, allowance=evidence.get("allowance", ""),
                       window_days=evidence.get("window_days", ""), points=evidence.get("points_each", ""),
                       grace_days=rules.critical_grace_days)


def _common() -> dict:
    return {"rule_names": CREDIT_RULE_NAMES, "explain": explain, "section_names": SECTION_NAMES,
            "status_names": STATUS_NAMES, "catalog": CATALOG, "severities": SEVERITY_NAMES,
            "anomaly_statuses": ANOMALY_STATUS_NAMES, "period_kinds": PERIOD_KIND_NAMES, "site_kinds": SITE_KIND_NAMES,
            "permit_kinds": PERMIT_KIND_NAMES, "role_names": ROLE_NAMES, "rules": settings().credit_rules}


@bp.get("/oversight/enterprises/<int:organization_id>")
@roles_required(*AUTHORITY_ROLES)
def file(organization_id: int):
    """An enterprise's file: sites, permits, stock, credit score, and one of its lists, paged."""
    section = request.args.get("section") or "manifests"
    if section not in oversight.SECTIONS:
        abort(404)
    found = oversight.enterprise_file(db(), actor=actor(), organization_id=organization_id, now=now(),
                                      rules=settings().credit_rules)
    listed = oversight.enterprise_section(db(), actor=actor(), organization_id=organization_id, section=section,
                                          page=_page())
    return render_template("enterprises/file.html", **found, section=section, listed=listed, **_common())


@bp.get("/company/credit")
@roles_required(*ENTERPRISE_ROLES)
def own_credit():
    """The enterprise's own credit record, each change explained and dated, with a form to answer it."""
    user = actor()
    record = credit.credit_record(db(), actor=user, organization_id=user.organization_id,
                                  rules=settings().credit_rules, page=_page())
    return render_template("enterprises/credit.html", **{**_common(), **record}, answering=True)


@bp.post("/company/credit/<int:event_id>/replies")
@roles_required(*ENTERPRISE_ROLES)
def reply(event_id: int):
    text = request.form.get("text", "")

    def act():
        credit.reply_to_credit_event(db(), actor=actor(), event_id=event_id, text=text, now=now())
        flash(_("说明已提交"), "info")
        return redirect(url_for("enterprises.own_credit", _anchor=f"credit-{event_id}"))

    def refused(error):  # the page again, with what was typed and why it was refused
        user = actor()
        record = credit.credit_record(db(), actor=user, organization_id=user.organization_id,
                                      rules=settings().credit_rules, page=_page())
        return render_template("enterprises/credit.html", **{**_common(), **record}, answering=True,
                               typed={event_id: text}, error={event_id: message_of(error)}), 422

    return attempt(act, on_refusal=refused)
