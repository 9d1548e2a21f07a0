"""The route track on pages: the driver's scan page tracks only while the manifest is his and in transit, its JSON
endpoint stores what the phone sends, and the carrier's manifest page draws the route."""
from tests.factories import row_count
from tests.web.helpers import issue, login, token_of
from wastechain.models import TrackPoint


def _picked_up(api, session, world) -> dict:
    manifest = issue(api, session, world)
    assert api.step(manifest["id"], "pickup", as_="driver", lat=28.97, lon=118.87).status_code == 201
    return manifest


def _send(client, manifest, *points):
    return client.post(f"/s/{token_of(manifest)}/track", json={"points": list(points)},
                       headers={"Accept": "application/json"})


def test_the_scan_page_tracks_only_while_the_manifest_is_in_transit(client, api, session, world):
    manifest = issue(api, session, world)
    login(client, "driver")
    waiting = client.get(f"/s/{token_of(manifest)}").get_data(as_text=True)
    assert 'id="track-status"' not in waiting and "data-track-every" not in waiting
    api.step(manifest["id"], "pickup", as_="driver")
    moving = client.get(f"/s/{token_of(manifest)}").get_data(as_text=True)
    assert 'id="track-status"' in moving and 'data-track-every="180"' in moving
    assert "每隔几分钟记录一次位置" in moving


def test_the_phones_points_are_stored_once_and_a_refusal_answers_in_json(client, api, session, world):
    manifest = _picked_up(api, session, world)
    login(client, "driver")
    point = {"client_key": "phone-0001", "lat": 28.975, "lon": 118.9, "accuracy_m": 8}
    first, again = _send(client, manifest, point), _send(client, manifest, point)
    assert (first.status_code, first.json["created"]) == (201, 1)
    assert (again.status_code, again.json["created"]) == (200, 0)
    refused = _send(client, manifest, {"client_key": "phone-0002", "lat": "north", "lon": 118.9})
    assert refused.status_code == 422 and refused.json["error"]["code"] == "VALIDATION_ERROR"
    assert row_count(session, TrackPoint) == 1


def test_a_producer_cannot_post_points_through_the_scan_page(client, api, session, world):
    manifest = _picked_up(api, session, world)
    login(client, "producer")
    response = _send(client, manifest, {"client_key": "phone-0003", "lat": 28.975, "lon": 118.9})
    assert response.status_code == 403 and row_count(session, TrackPoint) == 0


def test_the_carrier_sees_the_route_on_its_manifest_page(client, api, session, world):
    manifest = _picked_up(api, session, world)
    api.post(f"/manifests/{manifest['id']}/track", {"points": [
        {"client_key": "route-0001", "lat": 28.972, "lon": 118.89},
        {"client_key": "route-0002", "lat": 28.976, "lon": 118.92}]}, as_="driver")
    login(client, "transporter")
    page = client.get(f"/carrier/manifests/{manifest['id']}").get_data(as_text=True)
    assert 'id="route-track"' in page and "2 个位置点" in page and "<polyline" in page


def test_no_track_no_route_figure(client, api, session, world):
    manifest = _picked_up(api, session, world)
    login(client, "transporter")
    assert 'id="route-track"' not in client.get(f"/carrier/manifests/{manifest['id']}").get_data(as_text=True)
