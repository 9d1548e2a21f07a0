"""The routes the checks read: a delivered manifest's pickup scan, track points and delivery scan in time order,
and the extent of each county from its registered sites (domain.track says how far that approximation goes)."""
from sqlalchemy import func, select

from wastechain.domain.track import Point, RegionBox
from wastechain.models import Site, TrackPoint
from wastechain.services.reconciliation.sql import E, aware

T = TrackPoint.__table__
CHUNK = 500  # manifest ids per IN list


def track_points(session, manifest_ids: list[int]) -> dict[int, list[Point]]:
    """Each manifest's track points in the order driven (none: no entry)."""
    found: dict[int, list[Point]] = {}
    for start in range(0, len(manifest_ids), CHUNK):
        query = (select(T.c.manifest_id, T.c.lat, T.c.lon, T.c.occurred_at)
                 .where(T.c.manifest_id.in_(manifest_ids[start:start + CHUNK]))
                 .order_by(T.c.manifest_id, T.c.occurred_at, T.c.id))
        for row in session.execute(query):
            found.setdefault(row.manifest_id, []).append(Point(row.lat, row.lon, aware(row.occurred_at)))
    return found


def pickup_scans(session, manifest_ids: list[int]) -> dict[int, Point]:
    found: dict[int, Point] = {}
    for start in range(0, len(manifest_ids), CHUNK):
        query = select(E.c.manifest_id, E.c.lat, E.c.lon, E.c.occurred_at).where(
            E.c.manifest_id.in_(manifest_ids[start:start + CHUNK]), E.c.type == "pickup", E.c.lat.is_not(None),
            E.c.lon.is_not(None))
        for row in session.execute(query):
            found[row.manifest_id] = Point(row.lat, row.lon, aware(row.occurred_at))
    return found


def region_boxes(session) -> list[RegionBox]:
    """The bounding box of each county's located sites."""
    S = Site.__table__
    query = (select(S.c.region_code, func.min(S.c.lat), func.min(S.c.lon), func.max(S.c.lat), func.max(S.c.lon))
             .where(S.c.lat.is_not(None), S.c.lon.is_not(None)).group_by(S.c.region_code))
    return [RegionBox(*row) for row in session.execute(query)]
