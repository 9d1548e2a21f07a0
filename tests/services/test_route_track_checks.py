"""The route track in the checks: JURISDICTION_BREACH and LONG_DISTANCE read the delivery scan's GPS and the track,
not only the registered sites; and the track service's own rules (idempotent, refused with nothing stored, seen
only by who may see the manifest)."""
from datetime import datetime, timedelta, timezone

import pytest

from tests.factories import NOW, make_batch, row_count, run_checks, user_named
from wastechain.domain.errors import Forbidden, NotFound, ValidationFailed
from wastechain.domain.timeutil import local_date
from wastechain.models import TrackPoint
from wastechain.services import manifests

HANGZHOU = {"lat": 30.25, "lon": 120.17}


@pytest.fixture
def in_transit(api, world, batch):
    mid = api.issue(world, batch, "100").json["id"]
    assert api.step(mid, "pickup", as_="driver", lat=28.97, lon=118.87).status_code == 201
    return mid


def _track(api, mid, coordinates):
    start = datetime.now(timezone.utc) - timedelta(minutes=3 * len(coordinates))
    points = [{"client_key": f"p-{mid}-{i:04d}", "lat": lat, "lon": lon,
               "occurred_at": (start + timedelta(minutes=3 * i)).isoformat()}
              for i, (lat, lon) in enumerate(coordinates)]
    response = api.post(f"/manifests/{mid}/track", {"points": points}, as_="driver")
    assert response.status_code == 201, response.json


def _found(api, code: str, mid: int) -> list[dict]:
    items = api.get("/anomalies", as_="city_regulator", query_string={"code": code}).json["items"]
    return [item for item in items if item["manifest_id"] == mid]


def test_hazardous_waste_delivered_and_scanned_outside_the_city_is_a_jurisdiction_breach(app, api, in_transit):
    api.step(in_transit, "deliver", as_="driver", **HANGZHOU)  # the receiver is in 衢江; the scan in 杭州
    run_checks(app)
    [breach] = _found(api, "JURISDICTION_BREACH", in_transit)
    evidence = breach["evidence"]
    assert evidence["allowed_region"] == "330800" and evidence["delivery_scan_outside"] is True
    assert float(evidence["outside_lat"]) == HANGZHOU["lat"] and evidence["points_outside"] == 1


def test_a_track_that_leaves_the_city_is_a_jurisdiction_breach_though_the_delivery_is_in_place(app, api, in_transit):
    _track(api, in_transit, [(28.97, 118.90), (HANGZHOU["lat"], HANGZHOU["lon"]), (28.98, 118.94)])
    api.step(in_transit, "deliver", as_="driver", lat=28.98, lon=118.95)
    run_checks(app)
    [breach] = _found(api, "JURISDICTION_BREACH", in_transit)
    assert breach["evidence"]["points_outside"] == 1 and breach["evidence"]["delivery_scan_outside"] is False


def test_a_route_inside_the_city_raises_nothing(app, api, in_transit):
    _track(api, in_transit, [(28.972, 118.89), (28.976, 118.92), (28.979, 118.94)])
    api.step(in_transit, "deliver", as_="driver", lat=28.98, lon=118.95)
    run_checks(app)
    assert _found(api, "JURISDICTION_BREACH", in_transit) == [] and _found(api, "LONG_DISTANCE", in_transit) == []


def test_general_waste_scanned_in_the_next_county_is_a_breach_where_hazardous_waste_is_not(app, api, session, world,
                                                                                          in_transit):
    general = make_batch(session, world.producer, world.producer_site, code="SW17", kg="500")
    session.commit()
    mid = api.issue(world, general, "100", receiver_site=world.county_site).json["id"]  # within 柯城 on paper
    api.step(mid, "pickup", as_="driver", lat=28.97, lon=118.87)
    next_county = {"lat": world.receiver_site.lat, "lon": world.receiver_site.lon}  # the 衢江 receiver's gate
    api.step(mid, "deliver", as_="driver", **next_county)
    api.step(in_transit, "deliver", as_="driver", **next_county)  # hazardous: 衢江 is still in the city
    run_checks(app)
    [breach] = _found(api, "JURISDICTION_BREACH", mid)
    assert breach["evidence"]["allowed_region"] == "330802" and breach["evidence"]["rule"] == "一般固体废物不出县"
    assert _found(api, "JURISDICTION_BREACH", in_transit) == []


def test_a_long_track_between_near_sites_is_long_distance(app, api, in_transit):
    zigzag = [(28.97, 118.87) if i % 2 else (28.98, 118.95) for i in range(30)]  # ~7.8 km a leg, inside the city
    _track(api, in_transit, zigzag)
    api.step(in_transit, "deliver", as_="driver", lat=28.98, lon=118.95)
    run_checks(app)
    [long] = _found(api, "LONG_DISTANCE", in_transit)
    assert long["evidence"]["track_km"] > 200 and long["evidence"]["track_points"] == 30
    assert _found(api, "JURISDICTION_BREACH", in_transit) == []


def test_the_nightly_run_finds_the_breach_on_the_road_too(api, in_transit):
    _track(api, in_transit, [(HANGZHOU["lat"], HANGZHOU["lon"])])
    api.step(in_transit, "deliver", as_="driver", lat=28.98, lon=118.95)
    response = api.post("/reconciliations", {"date": local_date(NOW).isoformat()}, as_="city_regulator")
    assert response.status_code == 201, response.json
    assert len(_found(api, "JURISDICTION_BREACH", in_transit)) == 1


# the service's own rules

def _point(key: str, **extra) -> manifests.PointRequest:
    return manifests.PointRequest(client_key=key, lat=28.975, lon=118.9, **extra)


def test_the_service_stores_a_resent_point_once(session, world, in_transit):
    driver = user_named(session, "driver")
    first = manifests.record_track(session, actor=driver, manifest_id=in_transit, points=[_point("svc-0001")],
                                   now=datetime.now(timezone.utc))
    again = manifests.record_track(session, actor=driver, manifest_id=in_transit,
                                   points=[_point("svc-0001"), _point("svc-0001")], now=datetime.now(timezone.utc))
    assert (first.created, again.created) == (1, 0) and row_count(session, TrackPoint) == 1


def test_the_service_refuses_a_point_from_before_the_seven_days_and_stores_nothing(session, in_transit):
    driver = user_named(session, "driver")
    now = datetime.now(timezone.utc)
    with pytest.raises(ValidationFailed) as refused:
        manifests.record_track(session, actor=driver, manifest_id=in_transit, now=now,
                               points=[_point("svc-0002"), _point("svc-0003", occurred_at=now - timedelta(days=8))])
    assert refused.value.details["occurred_at"] == "older than 7 days"
    assert row_count(session, TrackPoint) == 0


def test_the_service_lets_only_the_driver_write_and_only_who_sees_the_manifest_read(session, in_transit):
    now = datetime.now(timezone.utc)
    with pytest.raises(Forbidden):
        manifests.record_track(session, actor=user_named(session, "producer"), manifest_id=in_transit,
                               points=[_point("svc-0004")], now=now)
    session.rollback()
    manifests.record_track(session, actor=user_named(session, "driver"), manifest_id=in_transit,
                           points=[_point("svc-0005")], now=now)
    kecheng = user_named(session, "kecheng_regulator")
    assert len(manifests.read_track(session, actor=kecheng, manifest_id=in_transit)) == 1
    with pytest.raises(NotFound):
        manifests.read_track(session, actor=user_named(session, "jiangshan_regulator"), manifest_id=in_transit)
