"""The regulators' dashboard in a real browser at 360 and 1280 px: the trend chart and the county-flow Sankey are
drawn (pixels on the canvas, a legend), the assessment downloads as XLSX, and a county sees only its county."""
import io
from datetime import timedelta

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import look, log_in
from tests.factories import NOW, make_batch

PAINTED = """box => {
  const canvas = box.querySelector('canvas');
  if (!canvas) return 0;
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
  return painted;
}"""
LEGEND = "box => window.echarts.getInstanceByDom(box).getOption().legend[0].data.length"


def _picked_up(api, session, world, kg="100"):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000", generated_at=NOW - timedelta(hours=3))
    session.commit()
    manifest = api.issue(world, batch, kg).json
    assert api.step(manifest["id"], "pickup", as_="driver").status_code == 201
    return manifest


def _drawn(page, selector: str) -> None:
    box = page.locator(selector)
    expect(box).to_have_attribute("data-drawn", __import__("re").compile(".+"))
    assert box.evaluate(PAINTED) > 1000, f"{selector} has an empty canvas"
    assert box.evaluate(LEGEND) >= 1, f"{selector} has no legend"


def test_a_city_regulator_sees_the_charts_drawn_and_downloads_the_assessment(phone, api, session, world):
    _picked_up(api, session, world)
    page = phone(locale="zh-CN").new_page()
    page.goto("/dashboard/")
    log_in(page, "city_regulator")
    expect(page.locator("h1")).to_contain_text("驾驶舱")
    expect(page.locator('[data-kpi="transferred"] strong')).to_have_text("100 kg")
    page.set_viewport_size({"width": 1280, "height": 800})
    _drawn(page, "#trend-chart")
    _drawn(page, "#sankey-chart")
    look(page, "dashboard")
    page.locator(".dash-nav a", has_text="考核").click()
    expect(page.locator("#assessment tbody tr")).to_have_count(6)
    look(page, "dashboard-assessment")
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    with open(download.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert sheet.max_row == 8 and sheet.freeze_panes == "A3"
    page.locator(".dash-nav a", has_text="处置能力匹配").click()
    expect(page.locator("#categories tbody tr").first).to_be_visible()
    look(page, "dashboard-capacity")


def test_the_next_county_sees_no_flow_of_kecheng(phone, api, session, world):
    _picked_up(api, session, world)
    page = phone(locale="en-US").new_page()
    page.goto("/dashboard/")
    log_in(page, "jiangshan_regulator")
    expect(page.locator('[data-kpi="transferred"] strong')).to_have_text("0 kg")
    expect(page.locator("#no-flows")).to_be_visible()
    _drawn(page, "#trend-chart")
    look(page, "dashboard-other-county-en")
