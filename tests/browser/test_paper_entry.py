"""A paper pickup entered afterwards on a phone (360 and 1280 px): the driver fills the form from the paper manifest
and attaches its photo, the regulator of the jurisdiction confirms it on the list."""
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import look, log_in
from tests.factories import NOW, make_batch
from wastechain.domain.timeutil import CHINA

JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 256


def test_the_driver_enters_a_paper_pickup_and_the_regulator_confirms_it(app, phone, api, session, world, tmp_path):
    app.config["PAPER_SCAN_DIR"] = str(tmp_path / "scans")
    batch = make_batch(session, world.producer, world.producer_site, kg="1000", generated_at=NOW - timedelta(days=12))
    session.commit()
    manifest = api.issue(world, batch, "100").json
    photo = tmp_path / "paper-form.jpg"
    photo.write_bytes(JPEG)

    page = phone().new_page()
    page.goto("/paper/new")
    log_in(page, "driver")
    page.fill("input[name=number]", manifest["number"])
    page.fill("input[name=occurred_at]", (NOW - timedelta(days=30)).astimezone(CHINA).strftime("%Y-%m-%dT%H:%M"))
    page.fill("input[name=quantity_kg]", "100")
    page.set_input_files("input[name=scan]", str(photo))
    page.locator("#submit-paper").click()
    expect(page.locator("#paper-error")).to_contain_text("10 个工作日")
    expect(page.locator("input[name=number]")).to_have_value(manifest["number"])
    look(page, "paper-entry-error")
    page.fill("input[name=occurred_at]", (NOW - timedelta(days=8)).astimezone(CHINA).strftime("%Y-%m-%dT%H:%M"))
    page.set_input_files("input[name=scan]", str(photo))
    page.locator("#submit-paper").click()
    expect(page.locator(".paper-entry")).to_have_count(1)
    look(page, "paper-entries-driver")

    regulator = phone().new_page()
    regulator.goto("/paper/?unconfirmed=1")
    log_in(regulator, "kecheng_regulator")
    expect(regulator.locator(".paper-entry")).to_contain_text(manifest["number"])
    look(regulator, "paper-entries-regulator")
    regulator.locator(".paper-entry button[type=submit]").click()
    expect(regulator.locator("#no-paper-entries")).to_be_visible()
    regulator.goto("/paper/")
    expect(regulator.locator(".paper-entry .ok")).to_be_visible()
