"""联运 on two phones: the first carrier's driver picks up, shows a one-time code, the second carrier's driver scans
the same QR, types it and takes the load over, then delivers."""
from playwright.sync_api import expect

from tests.browser.conftest import log_in, look
from tests.factories import make_batch, make_rival_transporter, user_named


def test_two_drivers_hand_a_load_over_with_a_one_time_code(phone, api, session, world):
    rival = make_rival_transporter(session)
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    leg = {"transporter_id": rival.id, "driver_id": user_named(session, "rival_driver").id,
           "handover_point": "龙游服务区"}
    manifest = api.issue(world, batch, "300", legs=[leg]).json

    first = phone().new_page()
    first.goto(manifest["qr_url"])
    first.get_by_role("link", name="登录后提货 / 送达").tap()
    log_in(first, "driver")
    first.fill("input[name=handover_code]", api.handover_code(manifest["id"]))
    first.get_by_role("button", name="确认提货").tap()
    expect(first.locator("#status")).to_have_text("运输中")
    expect(first.get_by_role("button", name="确认送达")).to_have_count(0)  # the last leg delivers
    first.get_by_role("button", name="生成联运交接码").tap()
    code = first.locator("#transfer-code").inner_text().strip()
    assert len(code) == 6 and code.isdigit()
    look(first, "legs-hand-over-code")

    second = phone().new_page()
    second.goto(manifest["qr_url"])
    second.get_by_role("link", name="登录后提货 / 送达").tap()
    log_in(second, "rival_driver")
    expect(second.locator("#legs li.current")).to_contain_text("衢州安运物流")
    second.fill("form[data-step=transfer] input[name=handover_code]", code)
    look(second, "legs-take-over")
    second.get_by_role("button", name="确认联运交接").tap()
    expect(second.locator("#confirm")).to_contain_text("联运交接已记录")
    expect(second.locator("#status")).to_have_text("运输中")
    expect(second.locator("#legs li.current")).to_contain_text("另一家运输公司")
    second.get_by_role("button", name="确认送达").tap()
    expect(second.locator("#status")).to_have_text("已送达")
    look(second, "legs-delivered")

    final = api.get(f"/manifests/{manifest['id']}", as_="producer").json
    assert [e["type"] for e in final["events"]] == ["issue", "pickup", "transfer", "deliver"]
    assert final["current_leg"] == 2 and final["legs"][1]["ended_at"] is not None
