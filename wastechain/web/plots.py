"""Small server-drawn SVG plots of coordinates (no map tiles, no script): a scan against its site, and a route.

Both project degrees onto a flat local plane in metres around a reference point: over a few tens of km the error
is far below a GPS fix's, and beyond that the picture only has to show the shape of the route.
"""
import math

from wastechain.domain.track import METRES_PER_DEGREE, Point, track_length_m
from wastechain.web.common import settings

PLOT_SIZE = 240  # the SVG's view box, in its own units
MARGIN = 16


def _metres(lat: float, lon: float, ref_lat: float, ref_lon: float) -> tuple[float, float]:
    """(east, north) of a point from the reference point, in metres."""
    return ((lon - ref_lon) * METRES_PER_DEGREE * math.cos(math.radians(ref_lat)),
            (lat - ref_lat) * METRES_PER_DEGREE)


def gps_plot(evidence: dict) -> dict | None:
    """Where a step was scanned against its site: the site in the middle, the tolerance as a circle, the scan
    point (LOCATION_MISMATCH evidence)."""
    try:
        scan_lat, scan_lon, site_lat, site_lon = (float(evidence[k]) for k in
                                                  ("scan_lat", "scan_lon", "site_lat", "site_lon"))
    except (KeyError, TypeError, ValueError):
        return None
    east, north = _metres(scan_lat, scan_lon, site_lat, site_lon)
    distance = math.hypot(east, north)
    try:
        tolerance = float(evidence.get("tolerance_m") or settings().thresholds.location_tolerance_m)
    except (TypeError, ValueError):
        tolerance = float(settings().thresholds.location_tolerance_m)
    scale = (PLOT_SIZE / 2 - MARGIN) / max(distance, tolerance, 1.0)
    centre = PLOT_SIZE / 2
    return {"size": PLOT_SIZE, "cx": centre, "cy": centre, "r": round(tolerance * scale, 1),
            "x": round(centre + east * scale, 1), "y": round(centre - north * scale, 1),
            "distance_m": round(distance), "tolerance_m": round(tolerance)}


def route_plot(manifest, points) -> dict | None:
    """A manifest's route: the origin and receiver sites, the pickup and delivery scans and the track between them
    as one polyline in time order; None when there is no track point."""
    if not points:
        return None
    scans = {e.type: Point(e.lat, e.lon) for e in manifest.events if e.type in ("pickup", "deliver")
             and e.lat is not None and e.lon is not None}
    route = ([scans["pickup"]] if "pickup" in scans else []) + [Point(p.lat, p.lon) for p in points] \
        + ([scans["deliver"]] if "deliver" in scans else [])
    sites = [(kind, Point(site.lat, site.lon)) for kind, site in (("origin", manifest.origin_site),
                                                                   ("receiver", manifest.receiver_site))
             if site is not None and site.lat is not None and site.lon is not None]
    everything = route + [p for _, p in sites]
    lats, lons = [p.lat for p in everything], [p.lon for p in everything]
    ref = Point((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)  # the middle of what is drawn
    flat = [_metres(p.lat, p.lon, ref.lat, ref.lon) for p in everything]
    half = max(max(abs(e) for e, _ in flat), max(abs(n) for _, n in flat), 1.0)
    scale = (PLOT_SIZE / 2 - MARGIN) / half
    centre = PLOT_SIZE / 2

    def xy(point: Point) -> tuple[float, float]:
        east, north = _metres(point.lat, point.lon, ref.lat, ref.lon)
        return round(centre + east * scale, 1), round(centre - north * scale, 1)

    return {"size": PLOT_SIZE, "line": " ".join(f"{x},{y}" for x, y in map(xy, route)),
            "sites": [{"kind": kind, "x": xy(p)[0], "y": xy(p)[1]} for kind, p in sites],
            "points": [{"x": xy(p)[0], "y": xy(p)[1]} for p in route],
            "count": len(points), "length_km": round(track_length_m(route) / 1000, 1),
            "first_at": points[0].occurred_at, "last_at": points[-1].occurred_at}
