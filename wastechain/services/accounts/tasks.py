"""My tasks (待办, issue 13 item 10): what waits on the user's company now.

Handover codes to show (its manifests awaiting pickup), deliveries to weigh (with the 5-working-day deadline of
《危险废物转移管理办法》), anomalies about it still lacking its explanation, payments recorded by a payer to it and not yet confirmed,
and the declarations due (last year's annual 管理计划/申报 and, by the HJ 1259 tier, last month's monthly report;
the rules are those of services/anomalies/declarations). `count` is the header's badge: one query of scalar
sub-counts per page view.
"""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, literal, or_, select
from sqlalchemy.orm import joinedload

from wastechain.domain.states import ManifestStatus
from wastechain.domain.timeutil import known_receipt_deadline, local_date
from wastechain.domain.anomalies import Thresholds
from wastechain.domain.vocabulary import (DECLARING_ROLES, ISSUER_ROLES, RECEIVING_ROLES, AnomalyStatus, NoteKind,
                                          Role)
from wastechain.models import Anomaly, AnomalyNote, Batch, Correction, Manifest, Payment, User
from wastechain.services import access
from wastechain.services.anomalies import declarations as declaring
from wastechain.services.manifests import corrections

LIMIT = 50  # each list shows this many; the page says how many there are in all


@dataclass
class Tasks:
    codes: list = field(default_factory=list)  # manifests awaiting pickup: show the driver the handover code
    codes_total: int = 0
    weigh: list = field(default_factory=list)  # (manifest, deadline date) delivered to us, awaiting weigh-in
    weigh_total: int = 0
    anomalies: list = field(default_factory=list)  # open anomalies about us without our explanation
    anomalies_total: int = 0
    payments: list = field(default_factory=list)  # recorded by a payer to us, awaiting our confirmation
    payments_total: int = 0
    declarations: list = field(default_factory=list)  # {"period_kind", "period", "due", "overdue", "tier"} not filed
    corrections: list = field(default_factory=list)  # corrections (修订) to approve or refuse, or asked of us
    corrections_total: int = 0
    refused: list = field(default_factory=list)  # (manifest, kg) whose refused waste is still in the carrier's custody
    refused_total: int = 0
    returned: list = field(default_factory=list)  # our return trips delivered back to us, to take into stock
    returned_total: int = 0

    @property
    def total(self) -> int:
        return (self.codes_total + self.weigh_total + self.anomalies_total + self.payments_total
                + len(self.declarations) + self.corrections_total + self.refused_total + self.returned_total)


REFUSAL_ROLES = ISSUER_ROLES | {Role.TRANSPORTER}  # who must move refused waste on: its issuer and its carrier


def _codes(actor: User):
    return select(Manifest).where(Manifest.issuer_id == actor.organization_id,
                                  Manifest.status == ManifestStatus.ISSUED)


def _weigh(actor: User):
    return select(Manifest).where(Manifest.receiver_id == actor.organization_id,
                                  Manifest.status == ManifestStatus.DELIVERED)


def _refused(actor: User):
    """Manifests of ours (issued, or carried) whose refused waste is still in the carrier's custody: the issuer
    issues a return or redirect manifest, the carrier holds the load until then (issue 10)."""
    held = exists().where(Batch.refused_from_id == Manifest.id, Batch.remaining_kg > 0)
    org = actor.organization_id
    return select(Manifest).where(held, or_(Manifest.issuer_id == org, Manifest.transporter_id == org))


def _returned(actor: User):
    """Our return trips delivered back to our site: to weigh and take back into stock (the receive step)."""
    org = actor.organization_id
    return select(Manifest).where(Manifest.issuer_id == org, Manifest.receiver_id == org,
                                  Manifest.status == ManifestStatus.DELIVERED)


def _anomalies(actor: User):
    """About the actor's organization (the one the finding holds responsible), not resolved, and no explanation yet
    from anyone of that organization."""
    explained = exists(select(AnomalyNote.id).join(User, User.id == AnomalyNote.author_id).where(
        AnomalyNote.anomaly_id == Anomaly.id, AnomalyNote.kind == NoteKind.EXPLANATION,
        User.organization_id == actor.organization_id))
    return access.visible_anomalies(actor).where(Anomaly.organization_id == actor.organization_id,
                                                 Anomaly.status != AnomalyStatus.RESOLVED, ~explained)


def _payments(actor: User):
    """Payments whose payee is the actor's organization and which it has not confirmed (only a receiving role may
    confirm, services/anomalies/payments.confirm_payment)."""
    return access.visible_payments(actor).where(Payment.payee_id == actor.organization_id,
                                                Payment.confirmed_at.is_(None))


def _applies(actor: User | None) -> bool:
    return actor is not None and actor.organization_id is not None and actor.role in access.ENTERPRISE_ROLES


def _count(query) -> object:
    return select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()


def count(session, *, actor: User | None, now: datetime, thresholds: Thresholds | None = None) -> int:
    """The header badge: how many things wait on the actor's company, in one query."""
    if not _applies(actor):
        return 0
    parts = [_count(_anomalies(actor)), _count(corrections.waiting_on(actor))]
    if actor.role in ISSUER_ROLES:
        parts.append(_count(_codes(actor)))
    if actor.role in REFUSAL_ROLES:
        parts.append(_count(_refused(actor)))
    if actor.role in ISSUER_ROLES:
        parts.append(_count(_returned(actor)))
    if actor.role in RECEIVING_ROLES:
        parts.append(_count(_weigh(actor)))
        parts.append(_count(_payments(actor)))
    if actor.role in DECLARING_ROLES:
        parts.append(declaring.due_count(actor.organization_id, local_date(now), thresholds or Thresholds()))
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return session.scalar(select(total + literal(0))) or 0


def my_tasks(session, *, actor: User, now: datetime, receipt_working_days: int = 5,
             thresholds: Thresholds | None = None) -> Tasks:
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
        tasks.weigh = [(m, known_receipt_deadline(m.status_changed_at, receipt_working_days)) for m in rows]
        tasks.weigh_total = session.scalar(select(_count(query)))
    if actor.role in REFUSAL_ROLES:
        query = _refused(actor)
        held = (select(func.sum(Batch.remaining_kg)).where(Batch.refused_from_id == Manifest.id)
                .correlate(Manifest).scalar_subquery())
        tasks.refused = list(session.execute(query.add_columns(held).order_by(Manifest.status_changed_at, Manifest.id)
                                             .limit(LIMIT)).all())
        tasks.refused_total = session.scalar(select(_count(query)))
    if actor.role in ISSUER_ROLES:
        query = _returned(actor)
        tasks.returned = list(session.scalars(query.order_by(Manifest.status_changed_at, Manifest.id).limit(LIMIT)))
        tasks.returned_total = session.scalar(select(_count(query)))
    query = _anomalies(actor)
    tasks.anomalies = list(session.scalars(query.order_by(Anomaly.day.desc(), Anomaly.id.desc()).limit(LIMIT)))
    tasks.anomalies_total = session.scalar(select(_count(query)))
    if actor.role in RECEIVING_ROLES:
        query = _payments(actor)
        tasks.payments = list(session.scalars(query.options(joinedload(Payment.manifest), joinedload(Payment.payer))
                                              .order_by(Payment.recorded_at, Payment.id).limit(LIMIT)))
        tasks.payments_total = session.scalar(select(_count(query)))
    query = corrections.waiting_on(actor)
    tasks.corrections = list(session.scalars(query.options(joinedload(Correction.manifest))
                                             .order_by(Correction.requested_at, Correction.id).limit(LIMIT)))
    tasks.corrections_total = session.scalar(select(_count(query)))
    tasks.declarations = declaring.due_declarations(session, actor=actor, now=now,
                                                    thresholds=thresholds or Thresholds())
    return tasks
