"""The regulators' pages (issue 9): the anomaly work queue of the jurisdiction, evidence in plain words, bulk
acknowledge, assignment, resolving with a note, the warning badge, the digest and the export."""
import io
import re
from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import JIANGSHAN, KECHENG, make_anomaly, make_user
from tests.web.helpers import login, refused_page
from wastechain.domain.timeutil import local_date
from wastechain.models import Anomaly, User


def _today():
    return local_date(datetime.now(timezone.utc))


def state(session, anomaly) -> tuple:
    """The anomaly's status, assignee and number of notes, read in a transaction of its own (SQLite: then the
    next request may write)."""
    session.expire_all()
    row = session.get(Anomaly, anomaly.id)
    found = row.status, row.assignee_id, len(row.notes)
    session.commit()
    return found


def test_the_queue_needs_a_login(client, world):
    response = client.get("/regulator/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_queue_shows_every_open_anomaly_of_the_county_of_any_date(client, session, world):
    old = make_anomaly(session, region=KECHENG, org=world.producer, day=_today() - timedelta(days=40))
    recent = make_anomaly(session, region=KECHENG, org=world.producer, day=_today() - timedelta(days=1))
    done = make_anomaly(session, region=KECHENG, org=world.producer, status="resolved")
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer, code="WEIGHT_MISMATCH")
    login(client, "kecheng_regulator")
    page = client.get("/regulator/").get_data(as_text=True)
    assert old.subject_label in page and recent.subject_label in page
    assert done.subject_label not in page and theirs.subject_label not in page
    assert page.index(old.subject_label) < page.index(recent.subject_label)  # the oldest waits longest
    assert "异常工作台" in page and "共 2 条" in page and "运输超时" in page
    everything = client.get("/regulator/?status=").get_data(as_text=True)
    assert done.subject_label in everything and theirs.subject_label not in everything


def test_a_city_regulator_filters_by_county_type_and_enterprise(client, session, world):
    mine = make_anomaly(session, region=KECHENG, org=world.producer)
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer, code="WEIGHT_MISMATCH")
    login(client, "city_regulator")
    page = client.get("/regulator/").get_data(as_text=True)
    assert mine.subject_label in page and theirs.subject_label in page
    page = client.get(f"/regulator/?county={JIANGSHAN}&code=WEIGHT_MISMATCH").get_data(as_text=True)
    assert theirs.subject_label in page and mine.subject_label not in page
    page = client.get("/regulator/?enterprise=江山").get_data(as_text=True)
    assert theirs.subject_label in page and mine.subject_label not in page and 'value="江山"' in page
    refused_page(client.get("/regulator/?code=NOPE"), 400)
    refused_page(client.get("/regulator/?from=yesterday"), 400)


def test_the_queue_pages_with_the_total(client, session, world):
    for _ in range(52):
        make_anomaly(session, region=KECHENG, org=world.producer)
    login(client, "kecheng_regulator")
    first = client.get("/regulator/").get_data(as_text=True)
    assert "共 52 条" in first and "第 1 / 2 页" in first
    second = client.get("/regulator/?page=2").get_data(as_text=True)
    assert second.count('class="row-link"') == 2


def test_ticked_anomalies_are_acknowledged_in_one_post(client, session, world):
    first = make_anomaly(session, region=KECHENG, org=world.producer)
    second = make_anomaly(session, region=KECHENG, org=world.producer)
    login(client, "kecheng_regulator")
    page = client.get("/regulator/").get_data(as_text=True)
    assert 'name="csrf_token"' in page and f'name="ids" value="{first.id}"' in page
    response = client.post("/regulator/acknowledge", data={"ids": [first.id, second.id], "status": "open"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已确认 2 条异常" in page
    assert state(session, first)[0] == "acknowledged" and state(session, second)[0] == "acknowledged"


def test_a_county_regulator_cannot_acknowledge_another_countys_anomaly(client, session, world):
    mine = make_anomaly(session, region=KECHENG, org=world.producer)
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer)
    login(client, "kecheng_regulator")
    refused = client.post("/regulator/acknowledge", data={"ids": [mine.id, theirs.id]})
    assert refused_page(refused, 404) == f"异常 {theirs.id} 不存在或无权查看"
    assert state(session, mine) == ("open", None, 0) and state(session, theirs) == ("open", None, 0)
    refused = client.post(f"/regulator/anomalies/{theirs.id}/assign", data={"assignee_id": "1"})
    refused_page(refused, 404)
    assert state(session, theirs) == ("open", None, 0)


def test_an_anomaly_is_assigned_to_a_named_officer_and_found_under_assigned_to_me(client, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer)
    officer = make_user(session, username="kecheng_officer", role="regulator", region=KECHENG)
    officer.display_name = "王科长"
    officer_id = officer.id
    session.commit()
    login(client, "kecheng_regulator")
    page = client.get(f"/regulator/anomalies/{anomaly.id}").get_data(as_text=True)
    assert "未指派" in page and "王科长" in page
    client.post(f"/regulator/anomalies/{anomaly.id}/assign", data={"assignee_id": officer_id})
    assert state(session, anomaly)[1] == officer_id
    assert "负责人：王科长" in client.get("/regulator/").get_data(as_text=True)
    client.post("/logout")
    login(client, "kecheng_officer")
    mine = client.get("/regulator/?mine=1").get_data(as_text=True)
    assert anomaly.subject_label in mine and "共 1 条" in mine


def test_resolving_without_a_note_is_refused_and_keeps_what_was_chosen(client, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer)
    login(client, "kecheng_regulator")
    refused = client.post(f"/regulator/anomalies/{anomaly.id}/status", data={"status": "resolved", "note": "  "})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "处理异常必须填写处理说明" in page
    assert re.search(r'<option value="resolved" selected>', page)
    assert state(session, anomaly) == ("open", None, 0)
    done = client.post(f"/regulator/anomalies/{anomaly.id}/status", data={"status": "resolved", "note": "已核实"})
    assert done.status_code == 302
    page = client.get(f"/regulator/anomalies/{anomaly.id}").get_data(as_text=True)
    assert "已处理" in page and "已核实" in page and "kecheng_regulator" in page


def test_a_location_mismatch_shows_its_values_and_a_coordinate_plot(client, session, world):
    anomaly = make_anomaly(session, code="LOCATION_MISMATCH", region=KECHENG, org=world.producer, evidence={
        "scan_lat": 28.99, "scan_lon": 118.87, "site_lat": 28.97, "site_lon": 118.87, "distance_m": 2224,
        "tolerance_m": 1000, "scanned_at": "2026-11-22T01:30:00+00:00", "step": "pickup"})
    login(client, "kecheng_regulator")
    page = client.get(f"/regulator/anomalies/{anomaly.id}").get_data(as_text=True)
    assert "超过 1000 米" in page and "LOCATION_TOLERANCE_M" not in page
    assert "2026-11-22 09:30:00" in page and "提货" in page
    plot = re.search(r'<svg class="gps-plot".*?</svg>', page, re.S).group(0)
    scan = re.search(r'class="scan" cx="([\d.]+)" cy="([\d.]+)"', plot)
    assert float(scan.group(1)) == 120 and float(scan.group(2)) < 120  # due north of the site, in the box
    assert "距场所 2224 米" in page


def test_the_badge_and_the_digest_show_a_new_critical_anomaly(client, session, world):
    critical = make_anomaly(session, region=KECHENG, org=world.producer, code="CHAIN_BROKEN", severity="critical",
                            day=_today())
    make_anomaly(session, region=KECHENG, org=world.producer, day=_today())
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer, code="CHAIN_BROKEN",
                          severity="critical", day=_today())
    login(client, "kecheng_regulator")
    page = client.get("/regulator/").get_data(as_text=True)
    assert re.search(r'id="warning-badge"[^>]*>1<', page)
    digest = client.get(f"/regulator/digest?date={_today()}").get_data(as_text=True)
    assert "当日新发现异常 2 条" in digest and critical.subject_label in digest and theirs.subject_label not in digest
    assert "记录被篡改" in digest and "柯城区" in digest
    assert digest.index(critical.subject_label) < digest.index("运输超时</strong>")
    empty = client.get(f"/regulator/digest?date={_today() - timedelta(days=3)}").get_data(as_text=True)
    assert "当日没有新发现的异常" in empty


def test_the_queue_exports_as_csv_and_xlsx_with_its_filters(client, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer)
    other = make_anomaly(session, region=KECHENG, org=world.producer, code="WEIGHT_MISMATCH")
    login(client, "kecheng_regulator")
    csv_text = client.get("/regulator/anomalies.csv?code=TRANSIT_OVERDUE").get_data(as_text=True)
    assert "类型代码" in csv_text and anomaly.subject_label in csv_text and other.subject_label not in csv_text
    response = client.get(f"/regulator/anomalies.xlsx?date={anomaly.day}")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[2]][7] == anomaly.subject_label


def test_the_old_report_address_opens_the_queue(client, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer)
    login(client, "kecheng_regulator")
    page = client.get(f"/regulator/anomalies?date={anomaly.day}").get_data(as_text=True)
    assert anomaly.subject_label in page and "异常工作台" in page
    assert session.scalars(select(User).where(User.username == "kecheng_regulator")).one().region_code == KECHENG


def test_evidence_names_records_and_reads_yes_no_instead_of_ids_and_booleans(client, session, world):
    anomaly = make_anomaly(session, code="PAYMENT_ANOMALY", region=KECHENG, org=world.producer, evidence={
        "payee_id": world.transporter.id, "payer_id": world.producer.id, "kind": "paid_to_transporter",
        "signature_ok": False, "origin_region": KECHENG, "received_kg": "95.500"})
    login(client, "kecheng_regulator")
    page = client.get(f"/regulator/anomalies/{anomaly.id}").get_data(as_text=True)
    evidence = re.search(r'id="evidence".*?</table>', page, re.S).group(0)
    assert "衢州安运物流" in evidence and "衢州示范化工有限公司" in evidence and "付款给运输单位" in evidence
    assert "否" in evidence and "False" not in evidence and "柯城区" in evidence and KECHENG not in evidence
    assert ">95.5<" in evidence and "95.500" not in evidence


def test_a_status_change_refused_because_a_colleague_acted_first_keeps_the_typed_note(client, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer, status="acknowledged")
    login(client, "kecheng_regulator")
    refused = client.post(f"/regulator/anomalies/{anomaly.id}/status",
                          data={"status": "acknowledged", "note": "已电话通知企业负责人"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "不能改为「已确认」" in page
    assert ">已电话通知企业负责人</textarea>" in page
    assert state(session, anomaly) == ("acknowledged", None, 0)
