"""What the public does: file a tip-off (no login) and follow it with its tracking code."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from wastechain.domain.errors import Conflict, NotFound, ValidationFailed
from wastechain.domain.keys import TIPOFF
from wastechain.domain.text import N_, clean_text
from wastechain.domain.tipoffs import (Challenge, Finding, TipoffKind, TipoffStatus, check_challenge, code_hash,
                                       make_challenge, new_tracking_code)
from wastechain.domain.timeutil import MAX_FUTURE
from wastechain.models import Region, Tipoff, TipoffPhoto
from wastechain.services.common import transactional
from wastechain.services.runtime import runtime_of
from wastechain.services.tipoffs import photos as photo_files

FORM_MAX_AGE = timedelta(hours=2)  # a form left open longer asks for a new challenge
OLDEST_EVENT = timedelta(days=365)  # what happened longer ago than this is not a tip-off for this desk


def challenge(session, *, now: datetime) -> Challenge:
    """A new challenge for the public form (domain/tipoffs.py explains it)."""
    return make_challenge(_key(session), now)


def counties(session) -> list[Region]:
    """The counties a tip-off may name: those of the configured city (TIPOFF_CITY)."""
    city = runtime_of(session).settings.tipoff_city
    return list(session.scalars(select(Region).where(Region.parent_code == city).order_by(Region.code)))


@dataclass(frozen=True)
class Filed:
    tipoff: Tipoff
    tracking_code: str  # shown once to the reporter; only its hash is kept


@transactional
def file_tipoff(session, *, kind: str, region_code: str, happened_at: datetime | None, description: str,
                lat: float | None = None, lon: float | None = None, address: str = "", contact: str = "",
                photos: list[bytes] = (), challenge_token: str, challenge_answer: str, now: datetime) -> Filed:
    """Files a report from the public once the form's challenge is answered; returns its new tracking code."""
    settings = runtime_of(session).settings
    nonce = check_challenge(_key(session), challenge_token, challenge_answer, now,
                            min_seconds=settings.tipoff_form_min_seconds, max_age=FORM_MAX_AGE)
    if session.scalar(select(Tipoff.id).where(Tipoff.challenge_nonce == nonce)) is not None:  # (unique, too)
        raise Conflict(N_("该表单已经提交过；如需再次举报，请重新打开举报页面"), code="ALREADY_SUBMITTED")
    if kind not in set(TipoffKind):
        raise ValidationFailed(N_("请选择举报类型"), details={"kind": "required"})
    if region_code not in {county.code for county in counties(session)}:
        raise ValidationFailed(N_("请选择事发区县"), details={"region_code": "not a county of the city"})
    place = _place(lat, lon, address)
    happened_at = _happened_at(happened_at, now)
    description = clean_text(description, field="description", max_length=2000, required=True, multiline=True)
    contact = clean_text(contact, field="contact", max_length=100)
    checked = photo_files.check_photos(list(photos), max_bytes=settings.tipoff_photo_max_bytes)
    code = new_tracking_code()
    tipoff = Tipoff(code_hash=code_hash(code), challenge_nonce=nonce, kind=TipoffKind(kind), region_code=region_code,
                    happened_at=happened_at, description=description, contact=contact,
                    status=TipoffStatus.RECEIVED, finding_note="", created_at=now, **place)
    session.add(tipoff)
    for photo in {p.sha256: p for p in checked}.values():  # the same photo twice is one photo
        photo_files.store(settings.tipoff_photo_dir, photo)
        tipoff.photos.append(TipoffPhoto(sha256=photo.sha256, content_type=photo.content_type,
                                         size_bytes=len(photo.data)))
    session.flush()
    return Filed(tipoff=tipoff, tracking_code=code)


def _place(lat, lon, address: str) -> dict:
    address = clean_text(address, field="address", max_length=300)
    if (lat is None) != (lon is None):
        raise ValidationFailed(N_("位置坐标不完整，请重新获取定位或填写地址"), details={"lat": "lat and lon together"})
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationFailed(N_("位置坐标无效，请重新获取定位或填写地址"), details={"lat": "out of range"})
    if lat is None and not address:
        raise ValidationFailed(N_("请获取定位或填写事发地址"), details={"address": "GPS or address required"})
    return {"lat": lat, "lon": lon, "address": address}


def _happened_at(happened_at: datetime | None, now: datetime) -> datetime:
    if happened_at is None:
        raise ValidationFailed(N_("请填写事发时间"), details={"happened_at": "required"})
    if happened_at > now + MAX_FUTURE:
        raise ValidationFailed(N_("事发时间不能晚于现在"), details={"happened_at": "in the future"})
    if happened_at < now - OLDEST_EVENT:
        raise ValidationFailed(N_("事发时间不能早于一年前"), details={"happened_at": "older than a year"})
    return happened_at


@dataclass(frozen=True)
class PublicStatus:
    """What the holder of a tracking code sees: the case's progress, never who handles it or whom it concerns."""

    kind: TipoffKind
    region_code: str
    happened_at: datetime
    filed_at: datetime
    status: TipoffStatus
    finding: Finding | None
    closed_at: datetime | None
    reward_yuan: Decimal | None
    reward_paid_on: date | None
    photo_count: int


def track(session, *, code: str) -> PublicStatus:
    """The progress of the tip-off with this tracking code; 404 for any other code."""
    tipoff = session.scalar(select(Tipoff).where(Tipoff.code_hash == code_hash(code)))
    if tipoff is None:
        raise NotFound(N_("没有找到该查询码对应的举报，请核对后重新输入"))
    return PublicStatus(kind=tipoff.kind, region_code=tipoff.region_code, happened_at=tipoff.happened_at,
                        filed_at=tipoff.created_at, status=tipoff.status, finding=tipoff.finding,
                        closed_at=tipoff.closed_at, reward_yuan=tipoff.reward_yuan,
                        reward_paid_on=tipoff.reward_paid_on, photo_count=len(tipoff.photos))


def _key(session) -> bytes:
    return runtime_of(session).settings.keys.key(TIPOFF)
