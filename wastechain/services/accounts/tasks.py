"""My tasks (待办, issue 13 item 10): what waits on the user's company now.

Handover codes to show (its manifests awaiting pickup), deliveries to weigh (with the 5-working-day deadline of
《危险废物转移管理办法》), anomalies about it still lacking its explanation, and last year's annual declaration
when it is not filed. `count` is the header's badge: one query of scalar sub-counts per page view.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, exists, func, literal, select

from wastechain.domain.states import ManifestStatus
from wastechain.domain.timeutil import add_working_days, local_date
from wastechain.domain.vocabulary import (DECLARING_ROLES, ISSUER_ROLES, RECEIVING_ROLES, AnomalyStatus, NoteKind,
                                          PeriodKind)
from wastechain.models import Anomaly, AnomalyNote, Declaration, Manifest, User
from wastechain.services import access

LIMIT = 50  # each list shows this many; the page says how many there are in all
ANNUAL_DUE = (3, 31)  # 年度申报 by 31 March of the next year


@dataclass
class Tasks:
    codes: list = field(default_factory=list)  # manifests awaiting pickup: show the driver the handover code
    codes_total: int = 0
    weigh: list = field(default_factory=list)  # (manifest, deadline date) delivered to us, awaiting weigh-in
    weigh_total: int = 0
    anomalies: list = field(default_factory=list)  # open anomalies about us without our explanation
    anomalies_total: int = 0
    declarations: list = field(default_factory=list)  # {"kind", "period", "due"} not yet filed

    @property
    def total(self) -> int:
        return self.codes_total + self.weigh_total + self.anomalies_total + len(self.declarations)


def _codes(actor: User):
    return select(Manifest).where(Manifest.issuer_id == actor.organization_id,
                                  Manifest.status == ManifestStatus.ISSUED)


def _weigh(actor: User):
    return select(Manifest).where(Manifest.receiver_id == actor.organization_id,
                                  Manifest.status == ManifestStatus.DELIVERED)


def _anomalies(actor: User):
    """About the actor's organization (the one the finding holds responsible), not resolved, and no explanation yet
    from anyone of that organization."""
    explained = exists(select(AnomalyNote.id).join(User, User.id == AnomalyNote.author_id).where(
        AnomalyNote.anomaly_id == Anomaly.id, AnomalyNote.kind == NoteKind.EXPLANATION,
        User.organization_id == actor.organization_id))
    return access.visible_anomalies(actor).where(Anomaly.organization_id == actor.organization_id,
                                                 Anomaly.status != AnomalyStatus.RESOLVED, ~explained)


def _annual_missing(actor: User, today: date):
    period = str(today.year - 1)
    return ~exists(select(Declaration.id).where(and_(Declaration.organization_id == actor.organization_id,
                                                    Declaration.period_kind == PeriodKind.ANNUAL,
                                                    Declaration.period == period)))


def _applies(actor: User | None) -> bool:
    return actor is not None and actor.organization_id is not None and actor.role in access.ENTERPRISE_ROLES


def _count(query) -> object:
    return select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()


def count(session, *, actor: User | None, now: datetime) -> int:
    """The header badge: how many things wait on the actor's company, in one query."""
    if not _applies(actor):
        return 0
    parts = [_count(_anomalies(actor))]
    if actor.role in ISSUER_ROLES:
        parts.append(_count(_codes(actor)))
    if actor.role in RECEIVING_ROLES:
        parts.append(_count(_weigh(actor)))
    if actor.role in DECLARING_ROLES:
        parts.append(select(func.count()).where(_annual_missing(actor, local_date(now))).scalar_subquery())
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return session.scalar(select(total + literal(0))) or 0


def my_tasks(session, *, actor: User, now: datetime, receipt_working_days: int = 5) -> Tasks:
    """The lists of the tasks page (each capped at LIMIT, with its total)."""
    tasks = Tasks()
    if not _applies(actor):
        return tasks
    if actor.role in ISSUER_ROLES:
        query = _codes(actor)
        tasks.codes = list(session.scalars(query.order_by(Manifest.planned_pickup_at, Manifest.id).limit(LIMIT)))
        tasks.codes_total = session.scalar(select(_count(query)))
    if actor.role in RECEIVING_ROLES:
        query = _weigh(actor)
        rows = session.scalars(query.order_by(Manifest.status_changed_at, Manifest.id).limit(LIMIT))
        tasks.weigh = [(m, add_working_days(local_date(m.status_changed_at), receipt_working_days)) for m in rows]
        tasks.weigh_total = session.scalar(select(_count(query)))
    query = _anomalies(actor)
    tasks.anomalies = list(session.scalars(query.order_by(Anomaly.day.desc(), Anomaly.id.desc()).limit(LIMIT)))
    tasks.anomalies_total = session.scalar(select(_count(query)))
    today = local_date(now)
    if actor.role in DECLARING_ROLES and session.scalar(select(_annual_missing(actor, today))):
        tasks.declarations.append({"kind": PeriodKind.ANNUAL, "period": str(today.year - 1),
                                   "due": date(today.year, *ANNUAL_DUE)})
    return tasks
