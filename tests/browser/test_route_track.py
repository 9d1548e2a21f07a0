"""The route track from the driver's phone: while the manifest is in transit and its scan page is open, the phone
sends where it is; a point taken with no network waits on the phone and is sent when the network is back; the
producer and the regulator see the route drawn on the manifest."""
from playwright.sync_api import expect

from tests.browser.conftest import GATE, log_in, look
from tests.factories import make_batch

ON_THE_ROAD = {"latitude": 28.9755, "longitude": 118.9120}  # between the gate in 柯城 and the receiver in 衢江


def _in_transit(api, session, world):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    manifest = api.issue(world, batch, "60").json
    picked_up = api.step(manifest["id"], "pickup", as_="driver", lat=GATE["latitude"], lon=GATE["longitude"])
    assert picked_up.status_code == 201
    return manifest


def _track(api, manifest_id):
    return api.get(f"/manifests/{manifest_id}/track", as_="producer").json["points"]


def test_the_drivers_phone_sends_its_track_also_after_a_dead_zone_and_the_route_shows_on_the_manifest(
        phone, api, session, world, live_server):
    manifest = _in_transit(api, session, world)
    context = phone()
    page = context.new_page()
    page.goto(manifest["qr_url"])
    page.get_by_role("link", name="登录后提货 / 送达").tap()
    log_in(page, "driver")
    expect(page.locator("#status")).to_have_text("运输中")
    expect(page.locator("#track-status")).to_contain_text("已发送 1 个位置点")  # taken as the page opened
    look(page, "route-track-driver")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    page.reload()  # now under the service worker's control, which keeps this page for a dead zone
    expect(page.locator("#track-status")).to_contain_text("已发送 1 个位置点")
    assert len(_track(api, manifest["id"])) == 2

    context.set_geolocation(ON_THE_ROAD)
    context.set_offline(True)
    live_server.stop()  # the network really fails (see test_driver_phone)
    page.reload()  # the kept page: it takes its point and keeps it on the phone
    expect(page.locator("#track-status")).to_contain_text("1 个位置点待联网发送")
    assert len(_track(api, manifest["id"])) == 2

    live_server.start()
    context.set_offline(False)
    expect(page.locator("#track-status")).to_contain_text("已发送 1 个位置点", timeout=20000)
    points = _track(api, manifest["id"])
    assert len(points) == 3
    assert (float(points[-1]["lat"]), float(points[-1]["lon"])) == (ON_THE_ROAD["latitude"], ON_THE_ROAD["longitude"])
    assert page.evaluate("JSON.parse(localStorage.getItem('wastechain.track.v1'))") == []

    page.reload()  # the page open again on the road: one more point, then the delivery
    expect(page.locator("#track-status")).to_contain_text("已发送 1 个位置点")
    page.get_by_role("button", name="确认送达").tap()
    expect(page.locator("#status")).to_have_text("已送达")
    expect(page.locator("#track-status")).to_have_count(0)  # delivered: the phone stops tracking

    producer = phone().new_page()
    producer.goto(f"/login?next=/producer/manifests/{manifest['id']}")
    log_in(producer, "producer")
    route = producer.locator("#route-track")
    expect(route).to_contain_text("4 个位置点")
    expect(route.locator("polyline")).to_have_count(1)
    assert len(route.locator("polyline").get_attribute("points").split()) == 6  # pickup, 4 points, delivery
    look(producer, "route-track-producer")

    regulator = phone().new_page()
    regulator.goto(f"/login?next=/oversight/manifests/{manifest['id']}")
    log_in(regulator, "city_regulator")
    expect(regulator.locator("#route-track")).to_contain_text("4 个位置点")
    look(regulator, "route-track-regulator")
