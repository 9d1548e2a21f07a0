"""跨区域转移审批 in a real browser at 360 and 1280 px: a county regulator grants one through the form (a too long
period refused with the typed values kept), reads it, revokes it with a reason; the producer then sees it revoked."""
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import look, log_in
from tests.factories import NOW
from wastechain.domain.timeutil import local_date


def test_a_regulator_grants_and_revokes_an_approval_and_the_producer_sees_it(phone, world):
    today = local_date(NOW)
    page = phone().new_page()
    page.goto("/approvals/")
    log_in(page, "kecheng_regulator")
    page.locator("#grant-link").click()
    page.select_option("select[name=producer_id]", str(world.producer.id))
    page.select_option("select[name=destination_site_id]", str(world.far_site.id))
    page.fill("input[name=waste_codes]", "900-041-49")
    page.fill("input[name=max_quantity_kg]", "2000")
    page.fill("input[name=valid_to]", (today + timedelta(days=500)).isoformat())
    page.locator("#grant").click()
    expect(page.locator("#grant-error")).to_contain_text("最长 365 天")
    expect(page.locator("input[name=max_quantity_kg]")).to_have_value("2000")
    look(page, "approval-grant-refused")
    page.fill("input[name=valid_to]", (today + timedelta(days=200)).isoformat())
    page.locator("#grant").click()
    expect(page.locator("#approval-state")).to_have_text("有效")
    expect(page.locator("#approval-remaining")).to_have_text("2000 kg")
    look(page, "approval-detail")
    page.locator("#revoke-link").click()
    page.fill("textarea[name=reason]", "企业已具备本地处置条件")
    look(page, "approval-revoke-confirm")
    page.locator("#confirm-revoke").click()
    expect(page.locator("#approval-state")).to_have_text("已撤销")
    page.goto("/approvals/")
    look(page, "approval-list")

    producer = phone().new_page()
    producer.goto("/approvals/")
    log_in(producer, "producer")
    expect(producer.locator("#approvals li")).to_have_count(1)
    expect(producer.locator("#approvals")).to_contain_text("已撤销")
