"""POST/GET /manifests/{id}/track: the driver's phone sends GPS points while the manifest is in transit."""
from datetime import datetime, timedelta, timezone

import pytest

from tests.factories import assert_refused, row_count
from wastechain.models import TrackPoint


@pytest.fixture
def in_transit(api, world, batch):
    mid = api.issue(world, batch, "100").json["id"]
    assert api.step(mid, "pickup", as_="driver", lat=28.97, lon=118.87).status_code == 201
    return mid


def _point(key: str, lat: float = 28.975, lon: float = 118.90, **extra) -> dict:
    return {"client_key": key, "lat": lat, "lon": lon, **extra}


def _send(api, mid, *points, as_="driver"):
    return api.post(f"/manifests/{mid}/track", {"points": list(points)}, as_=as_)


def test_the_driver_sends_points_and_every_party_reads_the_track_in_time_order(api, in_transit):
    now = datetime.now(timezone.utc)
    later = _point("point-0002", 28.978, 118.93, occurred_at=now.isoformat(), accuracy_m=12)
    earlier = _point("point-0001", 28.975, 118.90, occurred_at=(now - timedelta(minutes=3)).isoformat())
    response = _send(api, in_transit, later, earlier)
    assert response.status_code == 201 and response.json["created"] == 2
    for reader in ("producer", "receiver", "transporter", "driver", "city_regulator"):
        track = api.get(f"/manifests/{in_transit}/track", as_=reader)
        assert track.status_code == 200, reader
        assert [p["client_key"] for p in track.json["points"]] == ["point-0001", "point-0002"]
    assert track.json["points"][1]["accuracy_m"] == 12
    assert 2.5 < track.json["length_km"] < 3.5  # 0.03° of longitude and a little north at 29°N


def test_a_point_resent_under_its_key_is_stored_once(api, session, in_transit):
    assert _send(api, in_transit, _point("point-same")).status_code == 201
    again = _send(api, in_transit, _point("point-same", 10.0, 10.0))  # the phone's retry: the first one stands
    assert again.status_code == 200 and again.json["created"] == 0
    assert float(again.json["points"][0]["lat"]) == 28.975
    assert row_count(session, TrackPoint) == 1


@pytest.mark.parametrize("point, field", [
    (_point("point-old", occurred_at=(datetime.now(timezone.utc) - timedelta(days=8)).isoformat()), "occurred_at"),
    (_point("point-future", occurred_at=(datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()),
     "occurred_at"),
])
def test_a_point_too_old_or_in_the_future_is_refused_like_a_step_and_the_batch_stores_nothing(api, session,
                                                                                             in_transit, point, field):
    error = assert_refused(_send(api, in_transit, _point("point-good"), point), 422, "VALIDATION_ERROR")
    assert field in error["details"]
    assert row_count(session, TrackPoint) == 0


def test_bad_coordinates_are_refused(api, session, in_transit):
    assert_refused(_send(api, in_transit, _point("point-bad", lat=95)), 422, "VALIDATION_ERROR")
    assert row_count(session, TrackPoint) == 0


def test_only_the_manifests_driver_may_send_points(api, session, in_transit):
    for outsider in ("producer", "transporter", "receiver"):
        assert_refused(_send(api, in_transit, _point("point-x1"), as_=outsider), 403, "FORBIDDEN")
    assert_refused(_send(api, in_transit, _point("point-x1"), as_="other_producer"), 404, "NOT_FOUND")
    assert row_count(session, TrackPoint) == 0


def test_no_point_is_taken_once_the_manifest_is_delivered_or_before_pickup(api, world, batch, session, in_transit):
    api.step(in_transit, "deliver", as_="driver", lat=28.98, lon=118.95)
    assert_refused(_send(api, in_transit, _point("point-late")), 409, "NOT_IN_TRANSIT")
    waiting = api.issue(world, batch, "50").json["id"]
    assert_refused(_send(api, waiting, _point("point-early")), 409, "NOT_IN_TRANSIT")
    assert row_count(session, TrackPoint) == 0


def test_outsiders_do_not_see_the_track(api, in_transit):
    _send(api, in_transit, _point("point-0001"))
    assert_refused(api.get(f"/manifests/{in_transit}/track", as_="other_producer"), 404, "NOT_FOUND")
    assert_refused(api.get(f"/manifests/{in_transit}/track", as_="hangzhou_regulator"), 404, "NOT_FOUND")
