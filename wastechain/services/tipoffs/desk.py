"""What regulators do with tip-offs: triage and assign to an officer, link enterprises and manifests, close with a
finding, record the reward. A county's regulators see the tip-offs of their county, a city's those of the city; the
reporter's contact and the photos are shown to them only (never to an enterprise)."""
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from wastechain.domain.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from wastechain.domain.text import N_, clean_text
from wastechain.domain.timeutil import local_date
from wastechain.domain.tipoffs import Finding, TipoffKind, TipoffStatus
from wastechain.domain.vocabulary import Role
from wastechain.models import Manifest, Organization, Tipoff, TipoffAction, TipoffLink, TipoffPhoto, User
from wastechain.services import access
from wastechain.services.common import Page, locked, paginate, transactional
from wastechain.services.runtime import runtime_of
from wastechain.services.tipoffs import photos as photo_files

ACTION_NAMES = {"accepted": N_("受理"), "assigned": N_("指派"), "linked": N_("关联"), "closed": N_("办结"),
                "reward": N_("记录奖励")}
MANIFEST_NUMBER = re.compile(r"^\d{14}$")
MAX_REWARD = Decimal("1000000")


def _visible(actor: User):
    query = select(Tipoff)
    if access.is_admin(actor):
        return query
    access.require_role(actor, Role.REGULATOR, Role.ADMIN, doing=N_("查看举报"))
    return query.where(access.jurisdiction_clause(Tipoff.region_code, actor))


def list_tipoffs(session, *, actor: User, status: str | None = None, kind: str | None = None,
                 region: str | None = None, page: int = 1, per_page: int = 30) -> Page[Tipoff]:
    """The tip-offs of the regulator's jurisdiction, those waiting longest first (closed ones last)."""
    query = _visible(actor)
    if status:
        query = query.where(Tipoff.status == TipoffStatus(status))
    if kind:
        query = query.where(Tipoff.kind == TipoffKind(kind))
    if region:
        query = query.where(Tipoff.region_code == region)
    order = (Tipoff.status == TipoffStatus.CLOSED, Tipoff.created_at, Tipoff.id)
    return paginate(session, query.order_by(*order), page=page, per_page=per_page)


def get_tipoff(session, *, actor: User, tipoff_id: int) -> Tipoff:
    return access.get_visible(session, _visible(actor), Tipoff, tipoff_id, N_("举报"))


def _for_change(session, actor: User, tipoff_id: int) -> Tipoff:
    access.require_role(actor, Role.REGULATOR, doing=N_("处理举报"))
    get_tipoff(session, actor=actor, tipoff_id=tipoff_id)
    return locked(session, select(Tipoff).where(Tipoff.id == tipoff_id)).one()


def _open(tipoff: Tipoff) -> None:
    if tipoff.status == TipoffStatus.CLOSED:
        raise InvalidTransition(N_("举报已办结，不能再修改"), details={"status": tipoff.status.value})


def _record(session, tipoff: Tipoff, actor: User, action: str, note: str, now: datetime) -> None:
    session.add(TipoffAction(tipoff_id=tipoff.id, actor_id=actor.id, action=action, note=note, at=now))


def officers(session, *, actor: User, tipoff: Tipoff) -> list[User]:
    """The regulators a tip-off may be assigned to: those whose jurisdiction covers where it happened and that the
    actor's own jurisdiction covers (a county officer, or the city's)."""
    found = session.scalars(select(User).where(User.role == Role.REGULATOR, User.active.is_(True))).all()
    return sorted((u for u in found if u.region_code and access.in_jurisdiction(u, tipoff.region_code)
                   and (access.in_jurisdiction(actor, u.region_code) or u.id == actor.id)), key=lambda u: u.shown_name)


@transactional
def assign(session, *, actor: User, tipoff_id: int, assignee_id: int, note: str = "", now: datetime) -> Tipoff:
    """Triage: accepts a new tip-off (受理) and assigns it to an officer; later, reassigns it."""
    tipoff = _for_change(session, actor, tipoff_id)
    _open(tipoff)
    note = clean_text(note, field="note", max_length=1000, multiline=True)
    officer = next((u for u in officers(session, actor=actor, tipoff=tipoff) if u.id == assignee_id), None)
    if officer is None:
        raise ValidationFailed(N_("请选择负责该区域的监管人员"), details={"assignee_id": "not an officer of this place"})
    if tipoff.status == TipoffStatus.RECEIVED:
        tipoff.status = TipoffStatus.INVESTIGATING
        _record(session, tipoff, actor, "accepted", note, now)
    tipoff.assignee_id = officer.id
    _record(session, tipoff, actor, "assigned", officer.username, now)
    session.flush()
    return tipoff


@transactional
def link(session, *, actor: User, tipoff_id: int, reference: str, now: datetime) -> TipoffLink:
    """Ties an enterprise (by 统一社会信用代码) or a manifest (by its 14-digit number) to the tip-off."""
    tipoff = _for_change(session, actor, tipoff_id)
    _open(tipoff)
    reference = clean_text(reference, field="reference", max_length=40, required=True).upper()
    if MANIFEST_NUMBER.match(reference):
        manifest = session.scalar(access.visible_manifests(actor).where(Manifest.number == reference))
        if manifest is None:
            raise ValidationFailed(N_("联单 {number} 不存在或不在您的辖区内"), params={"number": reference},
                                   details={"reference": "unknown manifest"})
        subject = {"manifest_id": manifest.id}
    else:
        organization = session.scalar(select(Organization).where(Organization.credit_code == reference))
        if organization is None:
            raise ValidationFailed(N_("没有统一社会信用代码为 {code} 的单位，也不是 14 位联单编号"),
                                   params={"code": reference}, details={"reference": "unknown"})
        subject = {"organization_id": organization.id}
    already = session.scalar(select(TipoffLink.id).where(TipoffLink.tipoff_id == tipoff.id).filter_by(**subject))
    if already is not None:
        raise Conflict(N_("{reference} 已关联到该举报"), params={"reference": reference}, code="ALREADY_LINKED")
    made = TipoffLink(tipoff_id=tipoff.id, linked_by_id=actor.id, linked_at=now, **subject)
    session.add(made)
    _record(session, tipoff, actor, "linked", reference, now)
    session.flush()
    return made


@transactional
def close(session, *, actor: User, tipoff_id: int, finding: str, note: str, now: datetime) -> Tipoff:
    """Closes the case with its finding (upheld or not) and the reasons; the reporter sees the finding."""
    tipoff = _for_change(session, actor, tipoff_id)
    _open(tipoff)
    if finding not in set(Finding):
        raise ValidationFailed(N_("请选择办结结论"), details={"finding": "upheld or not_upheld"})
    note = clean_text(note, field="note", max_length=2000, required=True, multiline=True)
    tipoff.status, tipoff.finding, tipoff.finding_note, tipoff.closed_at = (TipoffStatus.CLOSED, Finding(finding),
                                                                            note, now)
    _record(session, tipoff, actor, "closed", note, now)
    session.flush()
    return tipoff


@transactional
def record_reward(session, *, actor: User, tipoff_id: int, amount_yuan: Decimal, paid_on: date,
                  now: datetime) -> Tipoff:
    """The reward paid for an upheld tip-off (有奖举报): amount in yuan and the day it was paid."""
    tipoff = _for_change(session, actor, tipoff_id)
    if tipoff.finding != Finding.UPHELD:
        raise InvalidTransition(N_("只有办结且举报属实的案件可以记录奖励"), details={"finding": str(tipoff.finding)})
    if tipoff.reward_yuan is not None:
        raise Conflict(N_("该举报的奖励已记录"), code="REWARD_RECORDED")
    if not (Decimal(0) < amount_yuan <= MAX_REWARD) or amount_yuan != amount_yuan.quantize(Decimal("0.01")):
        raise ValidationFailed(N_("奖励金额应大于 0、不超过 1000000 元，最多两位小数"),
                               details={"amount_yuan": "0 < amount <= 1000000, 2 decimals"})
    if not local_date(tipoff.created_at) <= paid_on <= local_date(now):
        raise ValidationFailed(N_("发放日期应在举报之后、不晚于今天"), details={"paid_on": "between filing and today"})
    tipoff.reward_yuan, tipoff.reward_paid_on = amount_yuan, paid_on
    _record(session, tipoff, actor, "reward", f"{amount_yuan} {paid_on.isoformat()}", now)
    session.flush()
    return tipoff


@dataclass(frozen=True)
class PhotoFile:
    path: Path
    content_type: str


def photo_file(session, *, actor: User, tipoff_id: int, sha256: str) -> PhotoFile:
    """A tip-off's photo for a regulator who sees the tip-off; 404 for anyone else or an unknown photo."""
    tipoff = get_tipoff(session, actor=actor, tipoff_id=tipoff_id)
    photo = session.scalar(select(TipoffPhoto).where(TipoffPhoto.tipoff_id == tipoff.id,
                                                     TipoffPhoto.sha256 == sha256))
    path = photo_files.path_of(runtime_of(session).settings.tipoff_photo_dir, sha256) if photo else None
    if path is None or not path.is_file():
        raise NotFound(N_("照片不存在"))
    return PhotoFile(path=path, content_type=photo.content_type)


def upheld_tipoffs(session, organization_id: int, since: datetime) -> list[Tipoff]:
    """Tip-offs closed as upheld since `since` that a regulator linked to this enterprise (for its credit record),
    oldest first. Only a link to the enterprise itself counts: a linked manifest alone blames none of its parties."""
    linked = select(TipoffLink.tipoff_id).where(TipoffLink.organization_id == organization_id)
    return list(session.scalars(select(Tipoff).where(Tipoff.id.in_(linked), Tipoff.finding == Finding.UPHELD,
                                                     Tipoff.closed_at >= since)
                                .order_by(Tipoff.closed_at, Tipoff.id)))
