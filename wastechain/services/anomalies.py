"""The anomaly report and its lifecycle (open → acknowledged → resolved), payments and declarations."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.exc import IntegrityError

from wastechain.domain.anomalies import CATALOG, SEVERITIES, STATUS_MOVES, STATUSES, RunSummary, Thresholds
from wastechain.domain.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from wastechain.domain.regions import jurisdiction_prefix
from wastechain.domain.timeutil import local_date
from wastechain.models import Anomaly, AnomalyNote, Declaration, Manifest, Organization, Payment, User
from wastechain.services import access, reconciliation


# ---------------------------------------------------------------- reconciliation

def reconcile_day(session, *, actor: User | None, day: date, now: datetime, thresholds: Thresholds, secret: str,
                  progress=None) -> RunSummary:
    """Runs the reconciliation of one day (admins and regulators; the CLI passes no actor)."""
    if actor is not None:
        access.require_role(actor, "admin", "regulator", doing="运行对账")
    if day > local_date(now):
        raise ValidationFailed(f"不能对未来的日期 {day} 对账", details={"date": "in the future"})
    return reconciliation.run_reconciliation(session, day=day, now=now, thresholds=thresholds, secret=secret,
                                             progress=progress)


# ---------------------------------------------------------------- reading

def _in_region(actor: User):
    prefix = jurisdiction_prefix(actor.region_code or "") + "%"
    return or_(Anomaly.region_code.like(prefix), Anomaly.related_region_code.like(prefix))


def visible_anomalies(actor: User) -> Select:
    """Regulators: their jurisdiction (where it happened or where it went); enterprises: what concerns them."""
    query = select(Anomaly)
    if access.is_admin(actor):
        return query
    if access.is_regulator(actor):
        return query.where(_in_region(actor)) if actor.region_code else query.where(Anomaly.id == -1)
    org = actor.organization_id or -1
    theirs = select(Manifest.id).where(or_(Manifest.issuer_id == org, Manifest.receiver_id == org,
                                          Manifest.transporter_id == org))
    return query.where(or_(Anomaly.organization_id == org, Anomaly.manifest_id.in_(theirs)))


def list_anomalies(actor: User, *, day: date | None = None, date_from: date | None = None,
                   date_to: date | None = None, code: str | None = None, region: str | None = None,
                   status: str | None = None, severity: str | None = None) -> Select:
    """The visible anomalies, filtered; newest day first, most severe first."""
    query = visible_anomalies(actor)
    if day:
        query = query.where(Anomaly.day == day)
    if date_from:
        query = query.where(Anomaly.day >= date_from)
    if date_to:
        query = query.where(Anomaly.day <= date_to)
    if code:
        query = query.where(Anomaly.code == code)
    if region:
        prefix = jurisdiction_prefix(region) + "%"
        query = query.where(or_(Anomaly.region_code.like(prefix), Anomaly.related_region_code.like(prefix)))
    if status:
        query = query.where(Anomaly.status == status)
    if severity:
        query = query.where(Anomaly.severity == severity)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return query.order_by(Anomaly.day.desc(), case(order, value=Anomaly.severity, else_=9), Anomaly.id)


def get_anomaly(session, *, actor: User, anomaly_id: int) -> Anomaly:
    return access.get_visible(session, visible_anomalies(actor), Anomaly, anomaly_id, "异常")


def counts(session, query: Select) -> dict:
    """Counts by county and by type for a filtered list."""
    sub = query.order_by(None).subquery()
    by_region = dict(session.execute(select(sub.c.region_code, func.count()).group_by(sub.c.region_code)).all())
    by_code = dict(session.execute(select(sub.c.code, func.count()).group_by(sub.c.code)).all())
    by_status = dict(session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all())
    return {"by_region": by_region, "by_code": by_code, "by_status": by_status, "total": sum(by_code.values())}


# ---------------------------------------------------------------- lifecycle

def change_status(session, *, actor: User, anomaly_id: int, status: str, note: str, now: datetime) -> Anomaly:
    """A regulator of the jurisdiction acknowledges or resolves an anomaly; the note joins its history."""
    anomaly = get_anomaly(session, actor=actor, anomaly_id=anomaly_id)
    if not (access.is_admin(actor) or access.is_regulator(actor)):
        raise Forbidden("只有监管部门可以确认或处理异常", details={"allowed_roles": ["regulator", "admin"]})
    if status not in ("acknowledged", "resolved"):
        raise ValidationFailed("status 只能是 acknowledged 或 resolved", details={"status": status})
    note = (note or "").strip()
    if status == "resolved" and not note:
        raise ValidationFailed("处理异常必须填写处理说明", details={"note": "required to resolve"})
    anomaly = session.scalars(select(Anomaly).where(Anomaly.id == anomaly.id).with_for_update()
                              .execution_options(populate_existing=True)).one()
    if status not in STATUS_MOVES[anomaly.status]:
        raise InvalidTransition(f"异常当前状态为「{anomaly.status}」，不能改为「{status}」",
                                details={"status": anomaly.status, "requested": status,
                                         "allowed": sorted(STATUS_MOVES[anomaly.status])})
    session.add(AnomalyNote(anomaly_id=anomaly.id, author_id=actor.id, author_role=actor.role, kind="status",
                            from_status=anomaly.status, to_status=status, note=note[:2000], created_at=now))
    anomaly.status = status
    anomaly.status_changed_at = now
    session.commit()
    return anomaly


def add_note(session, *, actor: User, anomaly_id: int, note: str, now: datetime) -> AnomalyNote:
    """The enterprise concerned answers with an explanation (or a regulator comments); the status stays."""
    anomaly = get_anomaly(session, actor=actor, anomaly_id=anomaly_id)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("说明不能为空", details={"note": "required"})
    kind = "comment" if access.is_regulator(actor) or access.is_admin(actor) else "explanation"
    entry = AnomalyNote(anomaly_id=anomaly.id, author_id=actor.id, author_role=actor.role, kind=kind,
                        note=note[:2000], created_at=now)
    session.add(entry)
    session.commit()
    return entry


def history(session, anomaly: Anomaly) -> list[AnomalyNote]:
    return session.scalars(select(AnomalyNote).where(AnomalyNote.anomaly_id == anomaly.id)
                           .order_by(AnomalyNote.id)).all()


# ---------------------------------------------------------------- payments and declarations

def record_payment(session, *, actor: User, manifest_id: int, payee_id: int, amount: Decimal, paid_at: datetime,
                   reference: str = "", now: datetime) -> Payment:
    """The issuer records what it paid for a transfer, and to whom (资金直付: normally the receiver)."""
    manifest = access.get_visible(session, access.visible_manifests(actor), Manifest, manifest_id, "联单")
    if not (access.is_admin(actor) or (actor.role in access.ISSUER_ROLES
                                       and actor.organization_id == manifest.issuer_id)):
        raise Forbidden("只有联单的开具单位可以登记付款")
    if session.get(Organization, payee_id) is None:
        raise ValidationFailed(f"收款单位 {payee_id} 不存在", details={"payee_id": "unknown"})
    if amount is None or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed("金额必须为正数，最多两位小数（元）", details={"amount": str(amount)})
    if paid_at > now:
        raise ValidationFailed("付款时间不能晚于当前时间", details={"paid_at": "in the future"})
    payment = Payment(manifest_id=manifest.id, payer_id=manifest.issuer_id, payee_id=payee_id, amount=amount,
                      paid_at=paid_at, reference=reference or "", recorded_by_id=actor.id, recorded_at=now)
    session.add(payment)
    session.commit()
    return payment


def visible_payments(actor: User) -> Select:
    query = select(Payment)
    if access.is_admin(actor):
        return query
    if access.is_regulator(actor):
        prefix = jurisdiction_prefix(actor.region_code or "") + "%"
        return query.join(Manifest, Manifest.id == Payment.manifest_id).where(
            or_(Manifest.origin_region_code.like(prefix), Manifest.destination_region_code.like(prefix)))
    org = actor.organization_id or -1
    return query.where(or_(Payment.payer_id == org, Payment.payee_id == org))


def submit_declaration(session, *, actor: User, period_kind: str, period: str, now: datetime,
                       generated_kg: Decimal | None = None, stored_kg: Decimal | None = None,
                       note: str = "") -> Declaration:
    """An enterprise's annual declaration (YYYY) or monthly report (YYYY-MM); one per period."""
    access.require_role(actor, "producer", "collector", "receiver", doing="提交申报")
    _check_period(period_kind, period)
    declaration = Declaration(organization_id=actor.organization_id, period_kind=period_kind, period=period,
                              generated_kg=generated_kg, stored_kg=stored_kg, note=note or "", submitted_at=now,
                              submitted_by_id=actor.id)
    session.add(declaration)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"{period} 的申报已提交", code="DUPLICATE_DECLARATION",
                       details={"period_kind": period_kind, "period": period}) from None
    return declaration


def _check_period(kind: str, period: str) -> None:
    import re

    pattern = {"annual": r"^\d{4}$", "monthly": r"^\d{4}-(0[1-9]|1[0-2])$"}.get(kind)
    if pattern is None:
        raise ValidationFailed("period_kind 只能是 annual 或 monthly", details={"period_kind": kind})
    if not re.match(pattern, period or ""):
        raise ValidationFailed("period 格式：年度 YYYY，月度 YYYY-MM", details={"period": period})


def visible_declarations(actor: User) -> Select:
    query = select(Declaration)
    if access.is_admin(actor):
        return query
    if access.is_regulator(actor):
        prefix = jurisdiction_prefix(actor.region_code or "") + "%"
        return query.join(Organization, Organization.id == Declaration.organization_id).where(
            Organization.region_code.like(prefix))
    return query.where(Declaration.organization_id == (actor.organization_id or -1))


__all__ = ["CATALOG", "STATUSES", "SEVERITIES"]
