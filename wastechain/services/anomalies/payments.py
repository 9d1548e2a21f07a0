"""Payments of disposal fees (资金直付) and enterprises' declarations, which the reconciliation checks.

A payment is two-sided: the payer (the manifest's issuer) records it, the payee confirms it received the money
(`confirm_payment`); an unconfirmed payment is shown as such to both and to regulators."""
import re
from datetime import datetime
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from wastechain.domain.errors import Conflict, Forbidden, ValidationFailed
from wastechain.domain.text import N_, clean_text
from wastechain.domain.timeutil import CHINA
from wastechain.domain.vocabulary import DECLARING_ROLES, ISSUER_ROLES, RECEIVING_ROLES
from wastechain.models import Declaration, Organization, Payment, User
from wastechain.services import access
from wastechain.services.common import Page, paginate, transactional


@transactional
def record_payment(session, *, actor: User, manifest_id: int, payee_id: int, amount: Decimal, paid_at: datetime,
                   reference: str = "", now: datetime) -> Payment:
    """The issuer records what it paid for a transfer, and to whom (资金直付: normally the receiver)."""
    manifest = access.get_manifest(session, actor, manifest_id)
    if not (access.is_admin(actor) or (actor.role in ISSUER_ROLES
                                       and actor.organization_id == manifest.issuer_id)):
        raise Forbidden(N_("只有联单的开具单位可以登记付款"))
    if session.get(Organization, payee_id) is None:
        raise ValidationFailed(N_("收款单位 {payee_id} 不存在"), params={"payee_id": payee_id},
                               details={"payee_id": "unknown"})
    if amount is None or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(N_("金额必须为正数，最多两位小数（元）"), details={"amount": str(amount)})
    if paid_at > now:
        raise ValidationFailed(N_("付款时间不能晚于当前时间"), details={"paid_at": "in the future"})
    reference = clean_text(reference, field="reference", max_length=100)
    payment = Payment(manifest_id=manifest.id, payer_id=manifest.issuer_id, payee_id=payee_id, amount=amount,
                      paid_at=paid_at, reference=reference, recorded_by_id=actor.id, recorded_at=now)
    session.add(payment)
    session.flush()
    return payment


@transactional
def confirm_payment(session, *, actor: User, payment_id: int, now: datetime) -> Payment:
    """The payee confirms it received a payment the payer recorded; once only."""
    payment = access.get_visible(session, access.visible_payments(actor), Payment, payment_id, "付款")
    if not (access.is_admin(actor) or (actor.organization_id is not None
                                       and actor.organization_id == payment.payee_id
                                       and actor.role in RECEIVING_ROLES)):
        raise Forbidden(N_("只有收款单位可以确认收款"), code="FORBIDDEN")
    if payment.confirmed_at is not None:
        raise Conflict(N_("该付款已于 {time} 确认"), code="ALREADY_CONFIRMED",
                       params={"time": payment.confirmed_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")},
                       details={"payment_id": payment.id})
    payment.confirmed_at = now
    payment.confirmed_by_id = actor.id
    session.flush()
    return payment


def list_payments(session, *, actor: User, manifest_id: int | None = None, unconfirmed: bool = False,
                  page: int = 1, per_page: int = 50) -> Page[Payment]:
    """Payments the user may see (payer, payee, regulators of either end), newest first; `unconfirmed` keeps
    those the payee has not confirmed yet."""
    query = access.visible_payments(actor)
    if manifest_id:
        query = query.where(Payment.manifest_id == manifest_id)
    if unconfirmed:
        query = query.where(Payment.confirmed_at.is_(None))
    return paginate(session, query.order_by(Payment.id.desc()), page=page, per_page=per_page)


@transactional
def submit_declaration(session, *, actor: User, period_kind: str, period: str, now: datetime,
                       generated_kg: Decimal | None = None, stored_kg: Decimal | None = None,
                       note: str = "") -> Declaration:
    """An enterprise's annual declaration (YYYY) or monthly report (YYYY-MM); one per period."""
    access.require_role(actor, *DECLARING_ROLES, doing=N_("提交申报"))
    _check_period(period_kind, period)
    declaration = Declaration(organization_id=actor.organization_id, period_kind=period_kind, period=period,
                              generated_kg=generated_kg, stored_kg=stored_kg, note=note or "", submitted_at=now,
                              submitted_by_id=actor.id)
    session.add(declaration)
    try:
        with session.begin_nested():  # the unique period decides a race; the caller's unit of work commits
            session.flush()
    except IntegrityError:
        raise Conflict(N_("{period} 的申报已提交"), params={"period": period}, code="DUPLICATE_DECLARATION",
                       details={"period_kind": period_kind, "period": period}) from None
    return declaration


def _check_period(kind: str, period: str) -> None:
    pattern = {"annual": r"^\d{4}$", "monthly": r"^\d{4}-(0[1-9]|1[0-2])$"}.get(kind)
    if pattern is None:
        raise ValidationFailed(N_("period_kind 只能是 annual 或 monthly"), details={"period_kind": kind})
    if not re.match(pattern, period or ""):
        raise ValidationFailed(N_("period 格式：年度 YYYY，月度 YYYY-MM"), details={"period": period})


def list_declarations(session, *, actor: User, page: int = 1, per_page: int = 50) -> Page[Declaration]:
    """Declarations of the user's organization, or in a regulator's jurisdiction, newest first."""
    return paginate(session, access.visible_declarations(actor).order_by(Declaration.id.desc()), page=page,
                    per_page=per_page)
