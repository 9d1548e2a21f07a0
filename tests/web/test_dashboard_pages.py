"""The regulators' dashboard (驾驶舱), assessment (考核) and capacity (处置能力匹配) pages, jurisdiction by jurisdiction."""
import html
import json
import io
import re
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook

from tests.factories import KECHENG, make_anomaly, make_batch
from tests.web.helpers import login, refused_page
from wastechain.domain.timeutil import local_date
from wastechain.services.statistics import rebuild_rollups


def _today():
    return local_date(datetime.now(timezone.utc))


def _picked_up(api, world, batch, kg: str = "100") -> int:
    mid = api.issue(world, batch, kg).json["id"]
    assert api.step(mid, "pickup", as_="driver").status_code == 201
    return mid


def _kpi(page: str, name: str) -> str:
    found = re.search(rf'data-kpi="{name}"><span>[^<]*</span><strong>([^<]*)</strong>', page)
    return html.unescape(found.group(1))


def test_the_dashboard_shows_todays_transfers_live_to_the_city_and_origin_county(client, api, world, batch):
    _picked_up(api, world, batch, "100")
    login(client, "city_regulator")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "驾驶舱" in page and _kpi(page, "transferred") == "100 kg"
    assert 'id="sankey-chart"' in page and "柯城区 ▸" in page and "▸ 衢江区" in page
    assert 'id="trend-chart"' in page and "<script>" not in page
    client.post("/logout")
    login(client, "kecheng_regulator")
    assert _kpi(client.get("/dashboard/").get_data(as_text=True), "transferred") == "100 kg"


def test_a_county_regulator_sees_nothing_of_the_next_county(client, api, world, batch):
    _picked_up(api, world, batch, "100")
    login(client, "jiangshan_regulator")
    page = client.get("/dashboard/").get_data(as_text=True)
    assert _kpi(page, "transferred") == "0 kg" and "柯城区 ▸" not in page and 'id="no-flows"' in page


def test_the_dashboard_reads_earlier_days_from_the_rollups(client, api, world, batch, session):
    _picked_up(api, world, batch, "100")
    today = _today()
    rebuild_rollups(session, today - timedelta(days=1), today)
    session.commit()
    login(client, "city_regulator")
    page = client.get(f"/dashboard/?from={today - timedelta(days=1)}&to={today}").get_data(as_text=True)
    assert _kpi(page, "transferred") == "100 kg" and _kpi(page, "storage") == "900 kg"


def test_a_bad_period_keeps_the_page_with_a_message(client, world):
    login(client, "city_regulator")
    page = client.get("/dashboard/?from=2026-05-09&to=2026-05-01").get_data(as_text=True)
    assert "起始日期不能晚于结束日期" in page and 'id="kpis"' in page
    page = client.get("/dashboard/?from=soon").get_data(as_text=True)
    assert "日期格式应为 YYYY-MM-DD" in page


def test_open_anomalies_are_counted_by_severity(client, session, world):
    make_anomaly(session, region=KECHENG, org=world.producer, day=_today() - timedelta(days=30))
    login(client, "kecheng_regulator")
    page = client.get("/dashboard/").get_data(as_text=True)
    counts = re.findall(r'class="sev sev-(\w+)"[^>]*>[^<]* (\d+)</a>', page)
    assert sum(int(n) for _, n in counts) == 1 and len(counts) == 4


def test_enterprises_cannot_open_the_dashboard(client, world):
    login(client, "producer")
    refused_page(client.get("/dashboard/"), 403)
    refused_page(client.get("/dashboard/assessment.xlsx"), 403)


def test_the_assessment_ranks_the_citys_counties_and_exports_xlsx_and_pdf(client, api, world, batch):
    _picked_up(api, world, batch, "100")
    month = f"{_today():%Y-%m}"
    login(client, "city_regulator")
    page = client.get(f"/dashboard/assessment?month={month}").get_data(as_text=True)
    rows = re.findall(r'<tr data-region="(\d+)"><td>(\d+)</td>', page)
    assert len(rows) == 6 and (KECHENG, "6") in rows  # its picked-up manifest is not closed yet: last
    assert "闭环率（目标 ≥ 95.0 %，权重 40）" in page
    response = client.get(f"/dashboard/assessment.xlsx?month={month}")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref.startswith("A2:")
    assert [c.value for c in sheet[2]][:2] == ["排名", "区县"] and sheet.max_row == 8
    assert sheet["B8"].value == "柯城区" and sheet["C8"].value is not None
    pdf = client.get(f"/dashboard/assessment.pdf?month={month}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_county_regulator_is_assessed_alone(client, world):
    login(client, "kecheng_regulator")
    page = client.get("/dashboard/assessment").get_data(as_text=True)
    assert re.findall(r'<tr data-region="(\d+)">', page) == [KECHENG]


def test_capacity_warns_when_generation_nears_the_licensed_capacity_or_no_receiver_is_licensed(client, session, world):
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    make_batch(session, world.producer, world.producer_site, code="900-041-49", kg="900", generated_at=yesterday)
    make_batch(session, world.producer, world.producer_site, code="336-064-17", kg="50", generated_at=yesterday)
    for permit in world.receiver.permits:
        permit.annual_capacity_kg = 1000
    rebuild_rollups(session, _today() - timedelta(days=2), _today() - timedelta(days=1))
    session.commit()
    login(client, "kecheng_regulator")
    page = client.get("/dashboard/capacity").get_data(as_text=True)
    hw49 = re.search(r'<tr data-category="HW49"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert "900 kg" not in hw49 and ">900<" in hw49 and 'data-warning="near_capacity"' in hw49
    hw17 = re.search(r'<tr data-category="HW17"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert 'data-warning="no_receiver"' in hw17
    hw08 = re.search(r'<tr data-category="HW08"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert "data-warning" not in hw08


def test_the_three_pages_read_in_english(client, api, session, world, batch):
    from tests.web.test_pages_in_english import EN, assert_english

    _picked_up(api, world, batch, "100")
    make_batch(session, world.producer, world.producer_site, code="336-064-17", kg="50",
               generated_at=datetime.now(timezone.utc) - timedelta(days=1))
    rebuild_rollups(session, _today() - timedelta(days=2), _today() - timedelta(days=1))
    session.commit()
    login(client, "city_regulator")
    assert_english(client.get("/dashboard/", headers=EN).get_data(as_text=True), session, "Dashboard", "Transferred",
                   "Closed-loop rate", "Flows between counties")
    assert_english(client.get("/dashboard/assessment", headers=EN).get_data(as_text=True), session,
                   "Counties ranked", "Closed-loop rate (target ≥ 95.0 %, weight 40)")
    assert_english(client.get("/dashboard/capacity", headers=EN).get_data(as_text=True), session,
                   "Licensed annual capacity (kg)", "No licensed receiver in the city")


def test_an_administrator_sees_every_county_and_a_long_period_is_charted_by_month(client, api, world, batch):
    _picked_up(api, world, batch, "100")
    login(client, "admin")
    today = _today()
    page = client.get(f"/dashboard/?from={today - timedelta(days=200)}&to={today}").get_data(as_text=True)
    assert _kpi(page, "transferred") == "100 kg" and "全部辖区" in page
    labels = json.loads(html.unescape(re.search(r'data-trend="([^"]*)"', page).group(1)))["labels"]
    assert labels[-1] == f"{today:%Y-%m}" and len(labels) in (7, 8)
    assert client.get("/dashboard/assessment").status_code == 200
    assert "衢州危废处置中心" in client.get("/dashboard/capacity").get_data(as_text=True)
