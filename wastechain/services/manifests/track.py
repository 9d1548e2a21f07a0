"""Route track: the GPS points a driver's phone sends while a manifest is in transit, and reading them back.

Points are not manifest events: they change no state and are not hash-chained; each is stored once under the
client's key (the phone resends its queue until it hears back), and only while the manifest is in transit.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from wastechain.domain.errors import Forbidden, InvalidTransition, ValidationFailed
from wastechain.domain.states import ManifestStatus, Party
from wastechain.domain.text import N_
from wastechain.domain.timeutil import check_occurred_at
from wastechain.domain.track import MAX_POINTS_PER_REQUEST, valid_coordinates
from wastechain.models import Manifest, TrackPoint, User
from wastechain.services import access
from wastechain.services.common import locked, transactional


@dataclass(frozen=True)
class PointRequest:
    client_key: str
    lat: float
    lon: float
    occurred_at: datetime | None = None
    accuracy_m: float | None = None


@dataclass(frozen=True)
class TrackResult:
    manifest: Manifest
    created: int
    points: list[TrackPoint]


@transactional
def record_track(session, *, actor: User, manifest_id: int, points: list[PointRequest], now: datetime) -> TrackResult:
    """Stores a batch of points: all of them or, on any refusal, none. A point already stored under its key is
    answered as it was stored (a replay), not stored again."""
    manifest = (locked(session, access.visible_manifests(actor).where(Manifest.id == manifest_id)).first()
                or access.get_manifest(session, actor, manifest_id))  # the one "not found or not yours" answer
    if Party.DRIVER not in access.manifest_parties(actor, manifest):
        raise Forbidden(N_("只有联单 {number} 的驾驶员可以上传运输轨迹"), params={"number": manifest.number},
                        details={"allowed": [Party.DRIVER]})
    if manifest.status != ManifestStatus.IN_TRANSIT:
        raise InvalidTransition(N_("联单 {number} 不在运输中，不能记录轨迹"), params={"number": manifest.number},
                                code="NOT_IN_TRANSIT", details={"status": manifest.status})
    checked = _checked(points, now)
    stored = {p.client_key: p for p in session.scalars(
        select(TrackPoint).where(TrackPoint.manifest_id == manifest.id,
                                 TrackPoint.client_key.in_([p.client_key for p in checked])))}
    created = 0
    for point in checked:
        if point.client_key in stored:
            continue
        stored[point.client_key] = TrackPoint(manifest_id=manifest.id, driver_id=actor.id, client_key=point.client_key,
                                              occurred_at=point.occurred_at, recorded_at=now, lat=point.lat,
                                              lon=point.lon, accuracy_m=point.accuracy_m)
        session.add(stored[point.client_key])
        created += 1
    session.flush()
    return TrackResult(manifest=manifest, created=created, points=[stored[p.client_key] for p in checked])


def _checked(points: list[PointRequest], now: datetime) -> list[PointRequest]:
    """The points with their times checked like a step's (at most 7 days old, not in the future); a key sent
    twice in one batch counts once."""
    if not 1 <= len(points) <= MAX_POINTS_PER_REQUEST:
        raise ValidationFailed(N_("一次应上传 1–{max} 个位置点"), params={"max": MAX_POINTS_PER_REQUEST},
                               details={"points": f"1..{MAX_POINTS_PER_REQUEST}"})
    checked: dict[str, PointRequest] = {}
    for point in points:
        if not 8 <= len(point.client_key) <= 100:
            raise ValidationFailed(N_("缺少幂等键（8–100 个字符）"), details={"client_key": "required"})
        if not valid_coordinates(point.lat, point.lon):
            raise ValidationFailed(N_("坐标超出范围"), details={"lat": point.lat, "lon": point.lon})
        if point.accuracy_m is not None and not 0 <= point.accuracy_m <= 100_000:
            raise ValidationFailed(N_("定位精度超出范围"), details={"accuracy_m": point.accuracy_m})
        occurred_at = check_occurred_at(point.occurred_at, now)
        checked.setdefault(point.client_key, PointRequest(point.client_key, point.lat, point.lon, occurred_at,
                                                          point.accuracy_m))
    return list(checked.values())


def read_track(session, *, actor: User, manifest_id: int) -> list[TrackPoint]:
    """The manifest's points in the order driven, for whoever may see the manifest (its parties, regulators)."""
    manifest = access.get_manifest(session, actor, manifest_id)
    return list(session.scalars(select(TrackPoint).where(TrackPoint.manifest_id == manifest.id)
                                .order_by(TrackPoint.occurred_at, TrackPoint.id)))
