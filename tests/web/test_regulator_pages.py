"""The regulators' report pages (issue 5): the morning report of the jurisdiction, evidence, actions, export."""
import io
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook

from tests.factories import JIANGSHAN, KECHENG, make_anomaly
from tests.web.helpers import login, refused_page
from wastechain.domain.timeutil import local_date


def _yesterday_in_china():
    """The report's default day: yesterday in Asia/Shanghai, not in UTC (they differ from 16:00 to 24:00 UTC)."""
    return local_date(datetime.now(timezone.utc)) - timedelta(days=1)


def test_the_report_needs_a_login(client, world):
    response = client.get("/regulator/anomalies")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_county_regulator_sees_yesterdays_anomalies_of_the_county_only(client, session, world):
    yesterday = _yesterday_in_china()
    mine = make_anomaly(session, region=KECHENG, org=world.producer, day=yesterday)
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer, code="WEIGHT_MISMATCH", day=yesterday)
    login(client, "kecheng_regulator")
    page = client.get("/regulator/anomalies").get_data(as_text=True)
    assert mine.subject_label in page and theirs.subject_label not in page
    assert "运输超时" in page and 'id="by-region"' in page


def test_a_city_regulator_filters_by_county_and_type(client, session, world):
    yesterday = _yesterday_in_china()
    mine = make_anomaly(session, region=KECHENG, org=world.producer, day=yesterday)
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer, code="WEIGHT_MISMATCH", day=yesterday)
    login(client, "city_regulator")
    page = client.get("/regulator/anomalies").get_data(as_text=True)
    assert mine.subject_label in page and theirs.subject_label in page
    page = client.get(f"/regulator/anomalies?county={JIANGSHAN}&code=WEIGHT_MISMATCH").get_data(as_text=True)
    assert theirs.subject_label in page and mine.subject_label not in page
    refused_page(client.get("/regulator/anomalies?code=NOPE"), 400)


def test_an_anomaly_opens_to_its_evidence_and_is_resolved_with_a_note(client, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer, evidence={"rule": "运输超时规则",
                                                                                 "hours_in_transit": 61})
    login(client, "kecheng_regulator")
    page = client.get(f"/regulator/anomalies/{anomaly.id}").get_data(as_text=True)
    assert "在途时长（小时）" in page and "61" in page and 'name="csrf_token"' in page
    response = client.post(f"/regulator/anomalies/{anomaly.id}/status", data={"status": "resolved", "note": "已核实"})
    assert response.status_code == 302
    page = client.get(f"/regulator/anomalies/{anomaly.id}").get_data(as_text=True)
    assert "已处理" in page and "已核实" in page


def test_another_countys_anomaly_is_not_found(client, api, session, world):
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer)
    login(client, "kecheng_regulator")
    assert refused_page(client.get(f"/regulator/anomalies/{theirs.id}"), 404) == f"异常 {theirs.id} 不存在或无权查看"
    refused = client.post(f"/regulator/anomalies/{theirs.id}/status", data={"status": "resolved", "note": "越权"})
    assert refused_page(refused, 404) == f"异常 {theirs.id} 不存在或无权查看"
    unchanged = api.get(f"/anomalies/{theirs.id}", as_="jiangshan_regulator").json
    assert unchanged["status"] == "open" and unchanged["history"] == []


def test_the_report_exports_as_csv_and_xlsx(client, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer)
    login(client, "kecheng_regulator")
    csv_text = client.get(f"/regulator/anomalies.csv?date={anomaly.day}").get_data(as_text=True)
    assert "类型代码" in csv_text and anomaly.subject_label in csv_text
    response = client.get(f"/regulator/anomalies.xlsx?date={anomaly.day}")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[2]][7] == anomaly.subject_label
