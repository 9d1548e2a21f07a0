"""The driver's phone in English (a browser set to en-US): the scan page, a refused step in the phone's queue, pickup
and delivery, the driver's list, the offline shell and a forged QR — every text English, at 360 px and 1280 px."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import log_in, look
from tests.factories import make_batch
from tests.web.helpers import forged
from wastechain.db import utcnow
from wastechain.models import User
from wastechain.services.manifests import handover

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ENGLISH = {"locale": "en-US"}


def _chinese_left(page, *data: str) -> str:
    """The Chinese a person would still read on the page: none but the names of companies and sites (``data``),
    and the header's switch, which names 中文 in its own script."""
    text = page.evaluate("""() => { const copy = document.body.cloneNode(true);
        copy.querySelectorAll('.lang-switch, script').forEach(n => n.remove()); return copy.innerText; }""")
    for name in sorted(data, key=len, reverse=True):
        text = text.replace(name, "")
    return "".join(CJK.findall(text))


def test_a_driver_picks_up_and_delivers_in_english(phone, api, session, world, app):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    manifest = api.issue(world, batch, "75").json
    producer = session.scalar(select(User).where(User.username == "producer"))
    code = handover.issue_code(session, actor=producer, manifest_id=manifest["id"], secret=app.extensions["wastechain.settings"].secret_key,
                               now=utcnow()).code
    session.commit()
    names = [world.producer.name, world.producer_site.name, world.receiver.name, world.receiver_site.name,
             world.transporter.name]

    page = phone(**ENGLISH).new_page()
    page.goto(manifest["qr_url"])
    expect(page.locator("#status")).to_have_text("Issued")
    expect(page.locator("p.kind")).to_have_text("Hazardous waste transfer manifest")
    look(page, "en-scan-not-logged-in")
    assert _chinese_left(page) == ""

    page.get_by_role("link", name="Log in to pick up / deliver").tap()
    log_in(page, "driver")
    expect(page.locator("h1.number")).to_have_text(manifest["number"])
    look(page, "en-scan-pickup")
    assert _chinese_left(page, *names) == ""

    page.fill("input[name=quantity_kg]", "-5")
    page.fill("input[name=handover_code]", code)
    page.get_by_role("button", name="Confirm Pickup").tap()
    expect(page.locator("#confirm")).to_contain_text("Not recorded: Weight (kg) must be greater than 0: -5")
    expect(page.locator("#queue li[data-state=failed]")).to_contain_text("Not recorded · Pickup · phone time")
    look(page, "en-scan-refused-weight")
    assert _chinese_left(page, *names) == ""

    page.fill("input[name=quantity_kg]", "75")
    page.get_by_role("button", name="Confirm Pickup").tap()
    expect(page.locator("#confirm")).to_contain_text("✓ Pickup recorded · manifest now “In transit”")
    expect(page.locator("#status")).to_have_text("In transit")
    expect(page.locator("ol.timeline li[data-type=pickup] b")).to_have_text("Pickup")
    look(page, "en-scan-in-transit")
    assert _chinese_left(page, *names) == ""

    page.goto("/driver")
    expect(page.locator("h1")).to_have_text("My trips")
    expect(page.locator("ul.rows")).to_contain_text(manifest["number"])
    look(page, "en-driver-list")
    assert _chinese_left(page, *names) == ""

    page.goto(manifest["qr_url"])
    page.get_by_role("button", name="Confirm Delivery").tap()
    expect(page.locator("#confirm")).to_contain_text("✓ Delivery recorded")
    expect(page.locator("#status")).to_have_text("Delivered")
    expect(page.locator("#notice")).to_contain_text("nothing for a driver to do")
    look(page, "en-scan-delivered")
    assert _chinese_left(page, *names) == ""


def test_the_offline_shell_and_a_forged_code_read_in_english(phone, world):
    page = phone(**ENGLISH).new_page()
    page.goto("/offline")
    expect(page.locator("h1")).to_have_text("No network right now")
    look(page, "en-scan-offline")
    assert _chinese_left(page) == ""
    page.goto(f"/s/{forged()}")
    expect(page.locator("h1")).to_have_text("Invalid QR code")
    look(page, "en-scan-forged")
    assert _chinese_left(page) == ""
