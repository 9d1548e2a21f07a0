"""A whole manifest from the phone: the driver scans, picks up with the gate's code, delivers; the receiver
weighs in and records the disposal; and the offline path: a pickup taken with no network is sent once later."""
import re
from datetime import datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import GATE, log_in
from tests.factories import make_batch
from wastechain.models import User
from wastechain.services.manifests import handover


def _issue(api, session, world, kg="120.5"):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    response = api.issue(world, batch, kg)
    assert response.status_code == 201, response.json
    return response.json


def _events(api, manifest_id, type_=None):
    events = api.get(f"/manifests/{manifest_id}", as_="city_regulator").json["events"]
    return [e for e in events if type_ is None or e["type"] == type_]


def test_a_manifest_runs_from_the_qr_to_closed_on_phones(phone, api, session, world):
    manifest = _issue(api, session, world)

    gate = phone().new_page()  # the producer's gate staff, logged in to their own account
    gate.goto(f"/login?next=/producer/manifests/{manifest['id']}")
    log_in(gate, "producer")
    gate.get_by_role("button", name="生成交接码").tap()
    code = gate.locator("#handover-code").inner_text().strip()
    assert len(code) == 6 and code.isdigit()

    driver = phone().new_page()
    driver.goto(manifest["qr_url"])
    expect(driver.locator("#status")).to_have_text("已开具")
    driver.get_by_role("link", name="登录后提货 / 送达").tap()
    log_in(driver, "driver")
    expect(driver.locator("h1.number")).to_have_text(manifest["number"])
    driver.fill("input[name=handover_code]", code)
    driver.get_by_role("button", name="确认提货").tap()
    expect(driver.locator("#confirm")).to_contain_text("提货已记录")
    expect(driver.locator("#status")).to_have_text("运输中")
    driver.get_by_role("button", name="确认送达").tap()
    expect(driver.locator("#confirm")).to_contain_text("送达已记录")
    expect(driver.locator("#status")).to_have_text("已送达")
    assert driver.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone

    receiver = phone().new_page()
    receiver.goto("/receiver/")
    log_in(receiver, "receiver")
    receiver.locator("#section-delivered a", has_text=manifest["number"]).tap()
    line = manifest["lines"][0]["id"]  # weighed in line by line; a refusal travels on: test_refusal_and_return
    receiver.fill(f"input[name=accepted_kg-{line}]", "120.5")
    receiver.get_by_role("button", name="确认接收").tap()
    expect(receiver.locator("#status")).to_have_text("已接收")
    receiver.fill("#dispose-form input[name=quantity_kg]", "120.5")
    receiver.get_by_role("button", name="记录利用/处置").tap()
    expect(receiver.locator("#status")).to_have_text("已闭环")

    final = api.get(f"/manifests/{manifest['id']}", as_="producer").json
    assert final["status"] == "closed" and final["accepted_kg"] == 120.5 and final["rejected_kg"] == 0
    moves = [e for e in final["events"] if e["type"] in ("pickup", "deliver")]
    assert [e["type"] for e in moves] == ["pickup", "deliver"]
    for event in moves:
        assert (float(event["lat"]), float(event["lon"])) == (GATE["latitude"], GATE["longitude"])
    assert moves[0]["data"]["handover_confirmed"] is True and moves[0]["quantity_kg"] == 120.5
    assert api.get(f"/manifests/{manifest['id']}/verify", as_="producer").json["ok"] is True


def test_a_pickup_taken_offline_is_pending_then_recorded_once_with_the_device_time(phone, api, session, world, app,
                                                                                     live_server):
    manifest = _issue(api, session, world, kg="80")
    producer = session.scalar(select(User).where(User.username == "producer"))
    from wastechain.db import utcnow

    # The gate handed over 40 minutes ago and the phone's clock says the step was taken 3 minutes later: the times
    # are given, not waited for, so the device time can only be the phone's and never the server's.
    at_gate = utcnow().replace(microsecond=0) - timedelta(minutes=40)
    code = handover.issue_code(session, actor=producer, manifest_id=manifest["id"], secret=app.extensions["wastechain.settings"].secret_key,
                               now=at_gate).code
    session.commit()
    phone_time = at_gate + timedelta(minutes=3)
    context = phone()
    context.clock.set_fixed_time(phone_time)
    page = context.new_page()
    page.goto(manifest["qr_url"])
    page.get_by_role("link", name="登录后提货 / 送达").tap()
    log_in(page, "driver")
    expect(page.locator("#status")).to_have_text("已开具")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    page.reload()  # now under the service worker's control, which caches this page

    context.set_offline(True)
    # Chromium's offline emulation does not reliably cover a fetch that falls through a service worker, so the
    # network is also really cut: the server stops answering until the phone is back online.
    live_server.stop()
    page.fill("input[name=handover_code]", code)
    page.get_by_role("button", name="确认提货").tap()
    pending = page.locator("#queue li[data-state=pending]")
    expect(pending).to_contain_text("待同步")
    expect(page.locator("#confirm")).to_contain_text("待同步")
    page.reload()  # offline: the service worker serves the page, the queue survives
    expect(page.locator("#queue li[data-state=pending]")).to_contain_text("提货")
    queued = page.evaluate("JSON.parse(localStorage.getItem('wastechain.queue.v1'))")
    assert len(queued) == 1 and queued[0]["lat"] == GATE["latitude"]
    assert _events(api, manifest["id"], "pickup") == []

    live_server.start()
    context.set_offline(False)
    expect(page.locator("#confirm")).to_contain_text("提货已记录", timeout=20000)
    expect(page.locator("#queue li[data-state=done]")).to_have_count(1)
    expect(page.locator("#status")).to_have_text("运输中")

    # a resend of the same step (the phone lost the answer) records nothing new; its answer makes the page reload
    # itself, and only that reloaded page shows the confirmation again
    page.evaluate("""() => { const q = JSON.parse(localStorage.getItem('wastechain.queue.v1'));
        q[0].state = 'pending'; localStorage.setItem('wastechain.queue.v1', JSON.stringify(q)); }""")
    page.reload()
    expect(page.locator("#confirm")).to_contain_text("提货已记录")
    expect(page.locator("#queue li[data-state=done]")).to_have_count(1)
    expect(page.locator("#queue li[data-state=pending]")).to_have_count(0)

    [pickup] = _events(api, manifest["id"], "pickup")
    device_time = datetime.fromisoformat(queued[0]["occurred_at"].replace("Z", "+00:00"))
    assert device_time == phone_time
    assert datetime.fromisoformat(pickup["occurred_at"]) == device_time
    assert datetime.fromisoformat(pickup["recorded_at"]) > device_time  # the server keeps its own time too
    assert pickup["data"]["handover_confirmed"] is True and pickup["quantity_kg"] == 80

    # logging out of the shared phone forgets the scan pages kept for offline use
    cached_scan_pages = """() => caches.keys().then(names => Promise.all(names.map(n => caches.open(n)
        .then(c => c.keys())))).then(lists => lists.flat().map(r => new URL(r.url).pathname)
        .filter(p => p.startsWith('/s/')).length)"""
    # The worker stores its copy after the page has loaded. wait_for_function does not await a promise, so each of
    # its polls starts a count and reads the one finished before it.
    page.wait_for_function(f"""() => {{ ({cached_scan_pages})().then(n => {{ window.scanPagesCached = n; }});
        return window.scanPagesCached >= 1; }}""")
    page.get_by_role("button", name="退出").tap()
    expect(page).to_have_url(re.compile(r"/login"))
    assert page.evaluate(cached_scan_pages) == 0  # cleared before the logout was even sent
