"""The anomaly report and its lifecycle (open → acknowledged → resolved): reading, counts, status, notes."""
from datetime import date, datetime

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from wastechain.domain.anomalies import ANOMALY_STATUS_NAMES, STATUS_MOVES
from wastechain.domain.errors import Forbidden, InvalidTransition, ValidationFailed
from wastechain.domain.regions import jurisdiction_prefix
from wastechain.domain.text import N_, clean_text
from wastechain.domain.vocabulary import AnomalyStatus, NoteKind, Role, Severity
from wastechain.models import Anomaly, AnomalyNote, Organization, User, Vehicle
from wastechain.services import access
from wastechain.services.common import Page, locked, paginate, transactional
from wastechain.services.manifests.events import timeline

# ---------------------------------------------------------------- reading

SEVERITY_RANK = {s.value: i for i, s in enumerate(Severity)}  # critical first


def _filtered(actor: User, *, day: date | None = None, date_from: date | None = None,
              date_to: date | None = None, code: str | None = None, region: str | None = None,
              status: str | None = None, severity: str | None = None, enterprise: str | None = None,
              assignee_id: int | None = None, queue: bool = False) -> Select:
    """The visible anomalies, filtered. The report's order: newest day first, most severe first; the work
    queue's (queue=True): most severe first, then the oldest, so nothing waits unseen behind newer findings."""
    query = access.visible_anomalies(actor)
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
    if enterprise:
        named = select(Organization.id).where(Organization.name.ilike(f"%{_like_escaped(enterprise)}%", escape="\\"))
        query = query.where(Anomaly.organization_id.in_(named))
    if assignee_id:
        query = query.where(Anomaly.assignee_id == assignee_id)
    rank = case(SEVERITY_RANK, value=Anomaly.severity, else_=9)
    if queue:
        return query.order_by(rank, Anomaly.day, Anomaly.detected_at, Anomaly.id)
    return query.order_by(Anomaly.day.desc(), rank, Anomaly.id)


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_anomalies(session, *, actor: User, page: int = 1, per_page: int = 50, **filters) -> Page[Anomaly]:
    """One page of the visible anomalies, filtered (day, date range, code, region, status, severity)."""
    query = _filtered(actor, **filters).options(selectinload(Anomaly.assignee), selectinload(Anomaly.organization))
    return paginate(session, query, page=page, per_page=per_page)


def export_anomalies(session, *, actor: User, limit: int, **filters) -> list[Anomaly]:
    """The visible anomalies, filtered, for an export (at most `limit`)."""
    return list(session.scalars(_filtered(actor, **filters).limit(limit)))


def get_anomaly(session, *, actor: User, anomaly_id: int) -> Anomaly:
    return access.get_anomaly(session, actor, anomaly_id)


def counts(session, *, actor: User, **filters) -> dict:
    """Counts by county, type and status of the visible anomalies under the same filters as the list."""
    sub = _filtered(actor, **filters).order_by(None).subquery()
    by_region = dict(session.execute(select(sub.c.region_code, func.count()).group_by(sub.c.region_code)).all())
    by_code = dict(session.execute(select(sub.c.code, func.count()).group_by(sub.c.code)).all())
    by_status = dict(session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all())
    by_severity = dict(session.execute(select(sub.c.severity, func.count()).group_by(sub.c.severity)).all())
    return {"by_region": by_region, "by_code": by_code, "by_status": by_status, "by_severity": by_severity,
            "total": sum(by_code.values())}


def warning_count(session, *, actor: User) -> int:
    """The header's 预警 badge: critical anomalies of the jurisdiction nobody has acknowledged yet."""
    query = access.visible_anomalies(actor).where(Anomaly.severity == Severity.CRITICAL,
                                                  Anomaly.status == AnomalyStatus.OPEN)
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


# ---------------------------------------------------------------- lifecycle

def allowed_moves(actor: User, anomaly: Anomaly) -> list[str]:
    """The statuses the actor may move the anomaly to now (what the page offers)."""
    if not access.may_decide_anomaly(actor, anomaly):
        return []
    return [s.value for s in AnomalyStatus if s in STATUS_MOVES[anomaly.status]]


@transactional
def change_status(session, *, actor: User, anomaly_id: int, status: str, note: str, now: datetime) -> Anomaly:
    """A regulator of the jurisdiction acknowledges or resolves an anomaly; the note joins its history."""
    anomaly = get_anomaly(session, actor=actor, anomaly_id=anomaly_id)
    if not access.is_authority(actor):
        raise Forbidden(N_("只有监管部门可以确认或处理异常"), details={"allowed_roles": [Role.REGULATOR, Role.ADMIN]})
    if not access.may_decide_anomaly(actor, anomaly):
        raise Forbidden(N_("该异常发生在其他辖区，由属地监管部门确认或处理；您可以添加备注"),
                        details={"region_code": anomaly.region_code})
    if status not in (AnomalyStatus.ACKNOWLEDGED, AnomalyStatus.RESOLVED):
        raise ValidationFailed(N_("状态只能是「已确认」或「已处理」"), details={"status": status})
    note = clean_text(note, field="note", max_length=2000, multiline=True)
    if status == AnomalyStatus.RESOLVED and not note:
        raise ValidationFailed(N_("处理异常必须填写处理说明"), details={"note": "required to resolve"})
    anomaly = locked(session, select(Anomaly).where(Anomaly.id == anomaly.id)).one()
    if status not in STATUS_MOVES[anomaly.status]:
        raise InvalidTransition(N_("异常当前状态为「{current}」，不能改为「{requested}」"),
                                params={"current": ANOMALY_STATUS_NAMES.get(anomaly.status, anomaly.status),
                                        "requested": ANOMALY_STATUS_NAMES.get(status, status)},
                                details={"status": anomaly.status, "requested": status,
                                         "allowed": sorted(STATUS_MOVES[anomaly.status])})
    session.add(AnomalyNote(anomaly_id=anomaly.id, author_id=actor.id, author_role=actor.role, kind=NoteKind.STATUS,
                            from_status=anomaly.status, to_status=status, note=note[:2000], created_at=now))
    anomaly.status = status
    anomaly.status_changed_at = now
    session.flush()
    return anomaly


@transactional
def add_note(session, *, actor: User, anomaly_id: int, note: str, now: datetime) -> AnomalyNote:
    """The enterprise concerned answers with an explanation (or a regulator comments); the status stays."""
    anomaly = get_anomaly(session, actor=actor, anomaly_id=anomaly_id)
    note = clean_text(note, field="note", max_length=2000, multiline=True)
    if not note:
        raise ValidationFailed(N_("说明不能为空"), details={"note": "required"})
    kind = NoteKind.COMMENT if access.is_authority(actor) else NoteKind.EXPLANATION
    entry = AnomalyNote(anomaly_id=anomaly.id, author_id=actor.id, author_role=actor.role, kind=kind,
                        note=note[:2000], created_at=now)
    session.add(entry)
    session.flush()
    return entry


MAX_BULK = 200


@transactional
def acknowledge_many(session, *, actor: User, anomaly_ids: list[int], note: str = "", now: datetime) -> int:
    """Acknowledges several open anomalies at once (one transaction): all of them, or none when one is refused."""
    ids = sorted(set(anomaly_ids))
    if not ids:
        raise ValidationFailed(N_("请先勾选要确认的异常"), details={"ids": "required"})
    if len(ids) > MAX_BULK:
        raise ValidationFailed(N_("一次最多确认 {n} 条异常"), params={"n": MAX_BULK}, details={"ids": "too many"})
    for anomaly_id in ids:
        change_status(session, actor=actor, anomaly_id=anomaly_id, status=AnomalyStatus.ACKNOWLEDGED, note=note,
                      now=now)
    return len(ids)


def officers(session, *, actor: User, anomaly: Anomaly) -> list[User]:
    """The officers the actor may assign this anomaly to: active regulators inside the actor's jurisdiction whose
    own jurisdiction covers where the anomaly happened (so the assignee can act on it)."""
    if not access.may_decide_anomaly(actor, anomaly):
        return []
    query = select(User).where(User.role == Role.REGULATOR, User.active.is_(True))
    if not access.is_admin(actor):
        query = query.where(access.jurisdiction_clause(User.region_code, actor))
    return sorted((u for u in session.scalars(query) if access.may_decide_anomaly(u, anomaly)),
                  key=lambda u: u.shown_name)


@transactional
def assign(session, *, actor: User, anomaly_id: int, assignee_id: int | None, now: datetime) -> Anomaly:
    """A regulator of the jurisdiction gives the anomaly to a named officer (or takes the assignment back)."""
    anomaly = get_anomaly(session, actor=actor, anomaly_id=anomaly_id)
    if not access.is_authority(actor):
        raise Forbidden(N_("只有监管部门可以指派异常"), details={"allowed_roles": [Role.REGULATOR, Role.ADMIN]})
    if not access.may_decide_anomaly(actor, anomaly):
        raise Forbidden(N_("该异常发生在其他辖区，由属地监管部门指派处理"), details={"region_code": anomaly.region_code})
    if anomaly.status == AnomalyStatus.RESOLVED:
        raise InvalidTransition(N_("异常已处理，不能再指派"), details={"status": anomaly.status})
    assignee = None
    if assignee_id is not None:
        assignee = next((u for u in officers(session, actor=actor, anomaly=anomaly) if u.id == assignee_id), None)
        if assignee is None:
            raise ValidationFailed(N_("只能指派给本辖区内能处理该异常的监管人员"), details={"assignee_id": assignee_id})
    anomaly = locked(session, select(Anomaly).where(Anomaly.id == anomaly.id)).one()
    anomaly.assignee_id = assignee.id if assignee else None
    anomaly.assigned_by_id = actor.id
    anomaly.assigned_at = now
    session.flush()
    return anomaly


# Evidence keys that hold a record's id, and the record's name a person reads instead.
EVIDENCE_IDS = {"payee_id": (Organization, "name"), "payer_id": (Organization, "name"),
                "receiver_id": (Organization, "name"), "driver_user_id": (User, "shown_name"),
                "vehicle_id": (Vehicle, "plate")}


def evidence_names(session, evidence: dict) -> dict[str, str]:
    """The names of the records an anomaly's evidence names by id ({"payee_id": "衢州危废处置中心", …})."""
    names = {}
    for key, (model, attribute) in EVIDENCE_IDS.items():
        value = evidence.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            record = session.get(model, value)
            if record is not None:
                names[key] = getattr(record, attribute)
    return names


def history(session, anomaly: Anomaly) -> list[AnomalyNote]:
    """The anomaly's notes and status changes, oldest first."""
    return session.scalars(select(AnomalyNote).where(AnomalyNote.anomaly_id == anomaly.id)
                           .options(joinedload(AnomalyNote.author)).order_by(AnomalyNote.id)).all()


def manifest_events(session, anomaly: Anomaly) -> list:
    """The timeline of the manifest an anomaly concerns (none for an anomaly about a batch or a day)."""
    if not anomaly.manifest_id:
        return []
    return timeline(session, anomaly.manifest_id)
