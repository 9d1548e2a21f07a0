"""A county regulator's morning in a real browser, at 360 and 1280 px: the work queue shows open anomalies of
earlier days (critical first), the warning badge counts the critical ones, a filter narrows the list, an anomaly
with GPS evidence shows its plot, it is assigned to a named officer, resolving without a note is refused (the choice
kept), then resolved with one; the ticked ones are acknowledged at once; the day's digest lists the new ones."""
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from tests.browser.conftest import look, log_in
from tests.factories import JIANGSHAN, KECHENG, make_anomaly, make_user
from wastechain.domain.timeutil import local_date

GPS = {"scan_lat": 28.9901, "scan_lon": 118.8702, "site_lat": 28.9701, "site_lon": 118.8702, "distance_m": 2224,
       "tolerance_m": 1000, "scanned_at": "2026-11-22T01:30:00+00:00", "step": "pickup"}


def test_a_county_regulator_works_the_queue(phone, session, world):
    today = local_date(datetime.now(timezone.utc))
    old_critical = make_anomaly(session, code="CHAIN_BROKEN", severity="critical", org=world.producer,
                                day=today - timedelta(days=40), evidence={"kind": "manifest_chain"})
    new_critical = make_anomaly(session, code="CHAIN_BROKEN", severity="critical", org=world.producer, day=today,
                                evidence={"kind": "day_seal_blank"})
    location = make_anomaly(session, code="LOCATION_MISMATCH", severity="medium", org=world.producer,
                            day=today - timedelta(days=5), evidence=GPS)
    overdue = make_anomaly(session, org=world.producer, day=today - timedelta(days=12))
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer, day=today - timedelta(days=2))
    officer = make_user(session, username="kecheng_officer", role="regulator", region=KECHENG)
    officer.display_name = "王科长"
    session.commit()

    page = phone().new_page()
    page.goto("/regulator/")
    log_in(page, "kecheng_regulator")
    rows = page.locator("#anomalies li")
    expect(rows).to_have_count(4)
    expect(page.locator("#warning-badge")).to_have_text("2")
    assert [rows.nth(i).get_attribute("data-id") for i in range(4)] == \
        [str(a.id) for a in (old_critical, new_critical, overdue, location)]
    expect(page.locator("#anomalies")).not_to_contain_text(theirs.subject_label)
    look(page, "regulator-queue")

    page.select_option("#filters select[name=code]", "LOCATION_MISMATCH")
    page.locator("#filters button[type=submit]").click()
    expect(rows).to_have_count(1)
    look(page, "regulator-queue-filtered")

    page.locator("#anomalies a.row-link").click()
    expect(page.locator("#rule")).to_contain_text("超过 1000 米")
    expect(page.locator("#gps-plot svg circle.scan")).to_have_count(1)
    expect(page.locator("#evidence")).to_contain_text("2026-11-22 09:30:00")
    page.select_option("#assign-form select[name=assignee_id]", label="王科长")
    page.locator("#assign-form button[type=submit]").click()
    expect(page.locator("#assignee")).to_contain_text("王科长")
    look(page, "regulator-anomaly-assigned")

    page.select_option("#status-form select[name=status]", "resolved")
    page.locator("#status-form button[type=submit]").click()
    expect(page.locator(".flash.error")).to_contain_text("处理异常必须填写处理说明")
    expect(page.locator("#status-form select[name=status]")).to_have_value("resolved")
    expect(page.locator("#status")).to_have_text("待处理")
    look(page, "regulator-resolve-refused")
    page.fill("#status-form textarea[name=note]", "已约谈驾驶员，扫码点为厂区东门")
    page.locator("#status-form button[type=submit]").click()
    expect(page.locator("#status")).to_have_text("已处理")
    expect(page.locator("#history")).to_contain_text("已约谈驾驶员")
    expect(page.locator("#history")).to_contain_text("kecheng_regulator")

    page.goto("/regulator/")
    page.locator(f"#anomalies input[name=ids][value='{old_critical.id}']").check()
    page.locator(f"#anomalies input[name=ids][value='{overdue.id}']").check()
    page.locator("#bulk-acknowledge").click()
    expect(page.locator(".flash.info")).to_contain_text("已确认 2 条异常")
    expect(page.locator("#warning-badge")).to_have_text("1")
    expect(rows).to_have_count(1)  # the open ones: only today's critical is left

    page.locator("#digest-link").click()  # the digest opens on yesterday, the night's findings
    page.locator("#next-day").click()  # today's: the new critical one
    expect(page.locator("#digest-summary")).to_contain_text("当日新发现异常 1 条")
    expect(page.locator("#by-severity")).to_contain_text("严重")
    expect(page.locator("#by-region")).to_contain_text("柯城区")
    expect(page.locator("#digest-anomalies")).to_contain_text(new_critical.subject_label)
    look(page, "regulator-digest")
