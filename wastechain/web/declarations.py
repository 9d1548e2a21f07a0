"""Declarations and payments pages: the annual 管理计划 / annual report and the monthly bulk industrial report,
prefilled from the ledger with the enterprise's HJ 1259 tier and due dates; payments of fees (资金直付) recorded
by the payer and confirmed by the payee. Forms are read by the API's own schemas and keep what was typed."""
from datetime import datetime, time

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from wastechain.api.payments.schemas import DeclarationIn, PaymentIn
from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA, local_date
from wastechain.domain.vocabulary import DECLARING_ROLES, ISSUER_ROLES, RECEIVING_ROLES
from wastechain.i18n import message_of
from wastechain.services import manifests
from wastechain.services.anomalies import declarations, payments
from wastechain.web.common import actor, attempt, db, now, roles_required, settings

bp = Blueprint("declarations", __name__, url_prefix="/declarations")
FIELD_NAMES = {"period_kind": N_("申报类型"), "period": N_("期间"), "generated_kg": N_("产生量（kg）"), "stored_kg": N_("贮存量（kg）"),
               "note": N_("说明"), "manifest_id": N_("联单"), "payee_id": N_("收款单位"), "amount": N_("金额（元）"),
               "paid_at": N_("付款日期"), "reference": N_("付款凭证号"), "year": N_("年度"), "month": N_("月份")}


def _load(schema, raw: dict) -> dict:
    """A page form read by the API's schema; the first problem names the field in the page's language."""
    try:
        return schema.load(raw)
    except ValidationError as error:
        field, problems = next(iter(error.messages.items()))
        problem = problems[0] if isinstance(problems, list) else problems
        raise ValidationFailed(f"{_(FIELD_NAMES.get(field, field))}：{problem}", details=error.messages) from None


def _blank_free(form, *names) -> dict:
    return {name: form.get(name, "").strip() for name in names if form.get(name, "").strip()}


def _forms_page(*, typed=None, error=None, kind=None, status=200):
    year = request.args.get("year", type=int)
    month = request.args.get("month") or None
    if month is not None and not (len(month) == 7 and month[4] == "-" and month[:4].isdigit() and month[5:].isdigit()
                                  and 1 <= int(month[5:]) <= 12):
        month = None
    if year is not None and not 2000 <= year <= 2100:
        year = None
    forms = declarations.declaration_forms(db(), actor=actor(), now=now(), thresholds=settings().thresholds,
                                           year=year, month=month)
    history = payments.list_declarations(db(), actor=actor(), page=request.args.get("page", 1, type=int),
                                         per_page=20)
    return render_template("declarations/index.html", forms=forms, history=history, typed=typed or {},
                           error=error, error_kind=kind), status


@bp.get("/")
@roles_required(*DECLARING_ROLES)
def index():
    return _forms_page()


@bp.post("/")
@roles_required(*DECLARING_ROLES)
def submit():
    kind = request.form.get("period_kind", "")

    def done():
        body = _load(DeclarationIn(), _blank_free(request.form, "period_kind", "period", "generated_kg", "stored_kg",
                                                  "note"))
        declaration = payments.submit_declaration(db(), actor=actor(), now=now(), **body)
        flash(_("✓ %(period)s 的申报已提交", period=declaration.period), "info")

    refused = attempt(done, on_refusal=message_of)
    if refused is not None:
        return _forms_page(typed=request.form, error=refused, kind=kind, status=422)
    return redirect(url_for(".index"))


# ---------------------------------------------------------------- payments (资金直付), two-sided


def _payments_page(*, typed=None, error=None, status=200):
    me = actor()
    page = request.args.get("page", 1, type=int)
    listed = payments.list_payments(db(), actor=me, unconfirmed=request.args.get("unconfirmed") == "1", page=page,
                                    per_page=20)
    issued = (manifests.issued_by_own_organization(db(), actor=me, per_page=100).items
              if me.role in ISSUER_ROLES else [])
    return render_template("declarations/payments.html", payments=listed, issued=issued, typed=typed or {},
                           error=error, today=local_date(now()).isoformat(), can_record=me.role in ISSUER_ROLES,
                           can_confirm=me.role in RECEIVING_ROLES, my_org=me.organization_id,
                           unconfirmed=request.args.get("unconfirmed") == "1"), status


@bp.get("/payments")
@roles_required(*DECLARING_ROLES)
def payment_list():
    return _payments_page()


def _paid_at(value: str) -> str:
    """A date typed on the form as the payment's moment: today means now, an earlier day noon in China."""
    if not value:
        return ""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return value  # the schema names the problem
    moment = now() if day == local_date(now()) else datetime.combine(day, time(12), tzinfo=CHINA)
    return moment.isoformat()


@bp.post("/payments")
@roles_required(*ISSUER_ROLES)
def record_payment():
    def done():
        raw = _blank_free(request.form, "manifest_id", "amount", "reference")
        if request.form.get("paid_on"):
            raw["paid_at"] = _paid_at(request.form["paid_on"].strip())
        if raw.get("manifest_id", "").isdigit():
            found = manifests.get_manifest(db(), actor=actor(), manifest_id=int(raw["manifest_id"]))
            raw["payee_id"] = str(found.transporter_id if request.form.get("payee") == "transporter"
                                  else found.receiver_id)
        body = _load(PaymentIn(), raw)
        payment = payments.record_payment(db(), actor=actor(), now=now(), **body)
        flash(_("✓ 已登记付款 %(amount)s 元，等待收款单位确认", amount=payment.amount), "info")

    refused = attempt(done, on_refusal=message_of)
    if refused is not None:
        return _payments_page(typed=request.form, error=refused, status=422)
    return redirect(url_for(".payment_list"))


@bp.post("/payments/<int:payment_id>/confirm")
@roles_required(*RECEIVING_ROLES)
def confirm_payment(payment_id):
    def done():
        payment = payments.confirm_payment(db(), actor=actor(), payment_id=payment_id, now=now())
        flash(_("✓ 已确认收款 %(amount)s 元", amount=payment.amount), "info")

    refused = attempt(done, on_refusal=message_of)
    if refused is not None:
        flash(refused, "error")
    return redirect(url_for(".payment_list"))
