"""Every page of the driver, the scan, the regulators' report and the errors reads wholly in English when the browser
asks for it (no Chinese left but the names people gave their companies, sites and places), and in Chinese by default;
no step names, region codes, configuration keys or ISO times leak onto a Chinese page."""
import html
import re

import pytest
from sqlalchemy import select

from tests.factories import KECHENG, make_anomaly
from tests.web.helpers import forged, issue, login, token_of
from wastechain.i18n import CJK
from wastechain.models import Organization, Region, Site, WasteCode

EN = {"Accept-Language": "en-US,en;q=0.9"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def visible_text(page: str) -> str:
    """What a person reads: no tags, scripts or attribute values, and without the header's language switch (which
    names the other language in its own script on purpose)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'<form[^>]*class="[^"]*lang-switch.*?</form>', " ", page, flags=re.S)
    page = re.sub(r'<div id="scan-texts".*?</div>', " ", page, flags=re.S)  # checked on its own below
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def data_names(session) -> list[str]:
    """Names from the records (companies, sites, places, the national waste list): proper nouns, shown as written."""
    names = []
    for column in (Organization.name, Site.name, Region.name, WasteCode.name):
        names += session.scalars(select(column)).all()
    session.commit()  # ends the read, so SQLite lets the next request write
    return sorted({n for n in names if n}, key=len, reverse=True)


def assert_english(page: str, session, *expected: str) -> None:
    text = visible_text(page)
    for name in data_names(session):
        text = text.replace(name, "")
    left = CJK.findall(text)
    assert not left, f"Chinese left on an English page: {''.join(left)[:80]!r} in …{text[:600]}"
    for phrase in expected:
        assert phrase in text, f"{phrase!r} missing from {text[:600]}"


def get(client, path: str, headers: dict) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code in (200, 404), response.status_code
    return response.get_data(as_text=True)


def test_the_drivers_list_is_english_on_request_and_chinese_by_default(client, api, session, world):
    issue(api, session, world)
    login(client, "driver")
    assert_english(get(client, "/driver", EN), session, "My trips", "Issued")
    assert "我的运单" in get(client, "/driver", ZH)


def test_the_scan_page_of_a_manifest_reads_in_english_with_its_steps_by_name(client, api, session, world):
    manifest = issue(api, session, world)
    login(client, "driver")
    page = get(client, f"/s/{token_of(manifest)}", EN)
    assert_english(page, session, "Hazardous waste transfer manifest", "Handover code", "Confirm Pickup",
                   "Manifest history", "Issue")
    zh = get(client, f"/s/{token_of(manifest)}", ZH)
    assert "危险废物转移联单" in zh and "确认提货" in zh and "<b>开具联单</b>" in zh
    assert "<b>issue</b>" not in zh


def test_the_phones_queue_texts_come_from_the_page_in_its_language(client, api, session, world):
    manifest = issue(api, session, world)
    login(client, "driver")
    english = re.search(r'<div id="scan-texts".*?</div>', get(client, f"/s/{token_of(manifest)}", EN), re.S).group(0)
    assert "Waiting to sync" in english and "manifest now “{status}”" in english and not CJK.search(english)
    chinese = re.search(r'<div id="scan-texts".*?</div>', get(client, f"/s/{token_of(manifest)}", ZH), re.S).group(0)
    assert "待同步" in chinese and "联单现为「{status}」" in chinese


def test_the_offline_shell_reads_in_english(client, session, world):
    assert_english(get(client, "/offline", EN), session, "Offline mode", "Confirm Pickup", "Sync now")
    assert "离线模式" in get(client, "/offline", ZH)


def test_a_forged_qr_code_is_refused_in_english(client, session, world):
    page = get(client, f"/s/{forged()}", EN)
    assert_english(page, session, "Invalid QR code", "signature does not match")
    assert "二维码无效：签名不符" in get(client, f"/s/{forged()}", ZH)


def test_the_error_page_reads_in_english(client, session, world):
    assert_english(get(client, "/no-such-page", EN), session, "Something went wrong (404)", "Page not found")
    assert "出错了（404）" in get(client, "/no-such-page", ZH)


def test_a_refused_role_is_named_in_english(client, session, world):
    login(client, "driver")
    page = client.get("/regulator/anomalies", headers=EN).get_data(as_text=True)
    assert_english(page, session, "Your role (Driver) cannot use this page")


def test_the_api_documentation_reads_in_english(client, session, world):
    page = get(client, "/api/v1/docs", EN)
    text = visible_text(page)
    assert "Machine-readable version" in text and "Schemas" in text
    assert "机器可读版本" in get(client, "/api/v1/docs", ZH)


@pytest.fixture
def anomaly(session, world):
    return make_anomaly(session, code="LOCATION_MISMATCH", region=KECHENG, org=world.producer, related="330803",
                        evidence={"rule": "提货或送达扫码位置距所称场所超过 LOCATION_TOLERANCE_M 米",
                                  "scanned_at": "2026-11-22T01:30:00+00:00", "distance_m": 1800,
                                  "origin_region": KECHENG, "step": "pickup", "signature_ok": True})


def test_the_regulators_queue_and_digest_read_in_english_with_places_by_name(client, session, world, anomaly):
    login(client, "kecheng_regulator")
    path = f"/regulator/?from={anomaly.day}"
    assert_english(get(client, path, EN), session, "Anomaly workbench", "Location mismatch", "1 in total")
    zh = visible_text(get(client, path, ZH))
    assert "异常工作台" in zh and "柯城区" in zh and KECHENG not in zh
    digest = f"/regulator/digest?date={anomaly.day}"
    assert_english(get(client, digest, EN), session, "Daily warning digest", "By severity", "Location mismatch")


def test_an_anomaly_reads_in_english_with_readable_evidence(client, session, world, anomaly):
    login(client, "kecheng_regulator")
    client.post(f"/regulator/anomalies/{anomaly.id}/notes", data={"note": "checked"}, headers=EN)
    page = get(client, f"/regulator/anomalies/{anomaly.id}", EN)
    assert_english(page, session, "Location mismatch", "more than 1000 m", "Scanned at", "2026-11-22 09:30:00",
                   "Pickup", "yes", "kecheng_regulator", "Remark")
    assert "LOCATION_TOLERANCE_M" not in page


def test_a_chinese_anomaly_shows_threshold_values_names_and_china_time_not_keys_or_codes(client, session, world,
                                                                                     anomaly):
    login(client, "kecheng_regulator")
    client.post(f"/regulator/anomalies/{anomaly.id}/notes", data={"note": "已核实"})
    text = visible_text(get(client, f"/regulator/anomalies/{anomaly.id}", ZH))
    assert "超过 1000 米" in text and "LOCATION_TOLERANCE_M" not in text
    assert "扫码时间" in text and "2026-11-22 09:30:00" in text and "2026-11-22T01:30" not in text
    assert "柯城区" in text and KECHENG not in text and "提货" in text and "pickup" not in text
    assert "· kecheng_regulator" in text and "· 监管部门" not in text and "是" in text and "True" not in text
