"""Refused waste travels, on phones (issue 10): the receiver refuses one line, the producer issues the return
manifest, the carrier's driver takes it back with the QR and the gate's code, and the producer sees it back in
stock. Every page is looked at 360 and 1280 px."""
from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import look, log_in
from tests.factories import lines_body, make_batch


def _delivered(api, session, world):
    a = make_batch(session, world.producer, world.producer_site, kg="100")
    b = make_batch(session, world.producer, world.producer_site, code="900-249-08", kg="100")
    session.commit()
    issued = api.post("/manifests", lines_body(world, [(a.id, "60"), (b.id, "40")], world.receiver_site),
                      as_="producer").json
    api.step(issued["id"], "pickup", as_="driver")
    api.step(issued["id"], "deliver", as_="driver")
    return issued


def _stock(api, world, code):
    items = api.get(f"/sites/{world.producer_site.id}/stock", as_="producer").json["items"]
    return next((i["quantity_kg"] for i in items if i["waste_code"] == code), Decimal(0))


def test_a_line_refused_on_the_phone_goes_back_on_a_return_manifest_into_the_producers_stock(phone, api, session,
                                                                                           world):
    manifest = _delivered(api, session, world)
    line_a, line_b = (line["id"] for line in manifest["lines"])

    receiver = phone().new_page()
    receiver.goto(f"/login?next=/receiver/manifests/{manifest['id']}")
    log_in(receiver, "receiver")
    receiver.fill(f"input[name=accepted_kg-{line_b}]", "0")
    receiver.fill(f"input[name=rejected_kg-{line_b}]", "40")
    receiver.fill(f"textarea[name=reason-{line_b}]", "桶体破损渗漏")
    receiver.select_option(f"select[name=method-{line_a}]", "D10")
    look(receiver, "refusal-weigh-in")
    receiver.get_by_role("button", name="确认接收").tap()
    expect(receiver.locator("#status")).to_have_text("已接收")
    expect(receiver.locator("#lines")).to_contain_text("桶体破损渗漏")
    look(receiver, "refusal-received")
    assert _stock(api, world, "900-249-08") == Decimal("60")  # the refused 40 kg are with the carrier

    gate = phone().new_page()  # the producer
    gate.goto(f"/login?next=/producer/manifests/{manifest['id']}")
    log_in(gate, "producer")
    expect(gate.locator("#refused-waste")).to_contain_text("40 kg")
    look(gate, "refusal-producer-manifest")
    gate.locator("#return-link").tap()
    expect(gate.locator("#custody")).to_contain_text("900-249-08")
    look(gate, "refusal-return-confirm")
    gate.locator("#confirm-return").tap()
    expect(gate.locator(".flash.info")).to_contain_text("已开具退运联单")
    gate.get_by_role("button", name="生成交接码").tap()
    code = gate.locator("#handover-code").inner_text().strip()
    look(gate, "refusal-return-manifest")
    back = api.get("/manifests", as_="producer").json["items"][0]
    assert back["receiver_id"] == world.producer.id and back["id"] != manifest["id"]

    driver = phone().new_page()
    driver.goto(back["qr_url"])
    driver.get_by_role("link", name="登录后提货 / 送达").tap()
    log_in(driver, "driver")
    expect(driver.locator("h1.number")).to_have_text(back["number"])
    driver.fill("input[name=handover_code]", code)
    driver.get_by_role("button", name="确认提货").tap()
    expect(driver.locator("#status")).to_have_text("运输中")
    driver.get_by_role("button", name="确认送达").tap()
    expect(driver.locator("#status")).to_have_text("已送达")
    look(driver, "refusal-return-delivered")

    gate.goto(f"/producer/manifests/{back['id']}")
    expect(gate.locator("#take-back-form")).to_be_visible()
    look(gate, "refusal-take-back")
    gate.locator("#take-back").tap()
    expect(gate.locator("#status")).to_have_text("已闭环")
    gate.goto("/batches?q=900-249-08")
    expect(gate.locator("main")).to_contain_text("40")
    look(gate, "refusal-back-in-stock")
    assert _stock(api, world, "900-249-08") == Decimal("100")
    original = api.get(f"/manifests/{manifest['id']}", as_="producer").json
    assert original["status"] == "received"  # its accepted 60 kg still wait for their treatment record
