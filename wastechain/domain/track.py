"""Route track: the length of a driven route, and whether GPS points lie in a jurisdiction.

We hold no region polygons (the admin division list has codes and names only), so "which region is this point in"
is approximated from the registered sites: a region's area is the bounding box of its sites' coordinates, widened
by REGION_MARGIN_M on each side, and a jurisdiction (a city, a county) is the union of its counties' boxes. A point
outside every box of the allowed jurisdiction counts as outside it. The approximation errs towards silence: a point
in a neighbouring county that falls inside the allowed county's widened box is not flagged; a jurisdiction with no
located site is not judged at all. README "Route track" says the same.
"""
import math
from dataclasses import dataclass
from datetime import datetime

from wastechain.domain.anomalies import distance_m
from wastechain.domain.regions import within

REGION_MARGIN_M = 5000.0
MAX_POINTS_PER_REQUEST = 500
METRES_PER_DEGREE = 111_195.0


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    at: datetime | None = None


@dataclass(frozen=True)
class RegionBox:
    """The bounding box of one county's located sites (degrees)."""
    region_code: str
    south: float
    west: float
    north: float
    east: float

    def holds(self, point: Point, margin_m: float = REGION_MARGIN_M) -> bool:
        lat_margin = margin_m / METRES_PER_DEGREE
        # a degree of longitude shrinks with the latitude; the box's pole-side edge is the narrower one
        narrowest = math.cos(math.radians(max(abs(self.south), abs(self.north))))
        lon_margin = margin_m / (METRES_PER_DEGREE * max(narrowest, 0.01))
        return (self.south - lat_margin <= point.lat <= self.north + lat_margin
                and self.west - lon_margin <= point.lon <= self.east + lon_margin)


def track_length_m(points: list[Point]) -> float:
    """The length of the route through the points in the order given (great-circle legs)."""
    return sum(distance_m(a.lat, a.lon, b.lat, b.lon) for a, b in zip(points, points[1:]))


def points_outside(points: list[Point], jurisdiction: str, boxes: list[RegionBox]) -> list[Point] | None:
    """The points outside a jurisdiction (a city or county code), or None when no located site tells its extent."""
    inside_boxes = [box for box in boxes if within(box.region_code, jurisdiction)]
    if not inside_boxes:
        return None
    return [p for p in points if not any(box.holds(p) for box in inside_boxes)]


def valid_coordinates(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0
