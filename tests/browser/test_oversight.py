"""A regulator's phone and desk, in a real browser at 360 and 1280 px: the manifest found by scanning its QR image
(drawn by the app, decoded here with zxing-cpp) and by its number, the full file with timeline, GPS and origins,
the enterprise file with its credit record; a county regulator refused the next county's enterprise."""
import io
from datetime import timedelta

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import look, log_in
from tests.factories import NOW, make_anomaly, make_batch
from wastechain.domain.timeutil import local_date
from wastechain.services import credit


def _picked_up_manifest(api, session, world) -> dict:
    batch = make_batch(session, world.producer, world.producer_site, kg="800")
    session.commit()
    manifest = api.issue(world, batch, "250").json
    assert api.step(manifest["id"], "pickup", as_="driver", lat=28.9701, lon=118.8702).status_code == 201
    return manifest


def _scanned_url(api, manifest) -> str:
    png = api.get(f"/manifests/{manifest['id']}/qr.png", as_="producer").data
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result.text


def test_a_regulator_finds_a_manifest_by_its_qr_and_by_its_number(phone, api, session, world, live_url):
    manifest = _picked_up_manifest(api, session, world)
    url = _scanned_url(api, manifest)
    assert url.startswith(live_url + "/s/")
    page = phone().new_page()
    page.goto(url)  # the phone's camera opens the QR's link
    page.locator("a.button", has_text="登录").click()
    log_in(page, "kecheng_regulator")
    expect(page).to_have_url(f"{live_url}/oversight/manifests/{manifest['id']}")
    expect(page.locator("h1.number")).to_have_text(manifest["number"])
    expect(page.locator("#gps td.mono").first).to_have_text("28.97010")
    expect(page.locator("#origins")).to_contain_text("250 kg")
    expect(page.locator("#timeline-card li[data-type=pickup]")).to_be_visible()
    look(page, "oversight-scanned-manifest")

    page.goto("/oversight/")
    page.fill("input[name=q]", manifest["number"])
    page.locator("#search button[type=submit]").click()
    expect(page.locator("#found-manifest a", has_text=manifest["number"])).to_be_visible()
    look(page, "oversight-search")
    page.locator("#found-manifest a", has_text=manifest["number"]).click()
    expect(page.locator("h1.number")).to_have_text(manifest["number"])
    page.locator("#lines a").first.click()
    expect(page.locator("#accounted-total")).to_have_text("800 kg")
    look(page, "oversight-trace")


def test_a_regulator_opens_an_enterprise_file_with_its_credit_record(phone, api, session, world):
    _picked_up_manifest(api, session, world)
    make_anomaly(session, code="DECLARATION_MISSING", severity="medium", org=world.producer,
                 day=local_date(NOW) - timedelta(days=3))
    credit.refresh_credit(session, day=local_date(NOW) - timedelta(days=1), now=NOW)
    session.commit()
    page = phone().new_page()
    page.goto("/oversight/")
    log_in(page, "kecheng_regulator")
    page.fill("input[name=q]", "示范化工")
    page.locator("#search button[type=submit]").click()
    page.locator("#found-enterprise a", has_text="衢州示范化工有限公司").click()
    expect(page.locator("#credit-score")).to_have_text("95")
    expect(page.locator("#permits, #sites").first).to_be_visible()
    look(page, "oversight-enterprise")
    page.locator("#sections a[href*='section=credit']").click()
    expect(page.locator("#listed .credit-event")).to_contain_text("未按期申报")
    look(page, "oversight-enterprise-credit")


def test_a_county_regulator_cannot_open_the_next_countys_enterprise(phone, api, session, world):
    page = phone().new_page()
    page.goto("/login")
    log_in(page, "jiangshan_regulator")
    page.wait_for_url(lambda url: "/login" not in url)
    response = page.goto(f"/oversight/enterprises/{world.producer.id}")
    assert response.status == 404
    expect(page.locator("main")).not_to_contain_text("衢州示范化工")
    look(page, "oversight-other-county")


def test_the_enterprise_answers_its_credit_record_on_its_phone(phone, api, session, world):
    make_anomaly(session, code="DECLARATION_MISSING", severity="medium", org=world.producer,
                 day=local_date(NOW) - timedelta(days=3))
    credit.refresh_credit(session, day=local_date(NOW) - timedelta(days=1), now=NOW)
    session.commit()
    page = phone().new_page()
    page.goto("/company/credit")
    log_in(page, "producer")
    expect(page.locator("#credit-score")).to_have_text("95")
    page.fill(".credit-event textarea[name=text]", "十月申报已补交")
    page.locator(".credit-event button[type=submit]").click()
    expect(page.locator(".credit-event .reply")).to_contain_text("十月申报已补交")
    look(page, "company-credit")
