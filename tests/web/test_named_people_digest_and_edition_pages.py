"""Leftovers of issues 9 and 12 on the pages: a person's name set on the company's form and on /account and shown
where the person acted (the enterprise's anomaly history); the digest opening on yesterday; a batch's edition."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.factories import KECHENG, NOW, make_anomaly, make_batch, row_count, user_named
from tests.web.helpers import login
from wastechain.domain.timeutil import local_date
from wastechain.models import User


def _page(response, status=200) -> str:
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:800]
    return text


def _name_of(session, username):
    session.expire_all()
    return user_named(session, username).display_name


@pytest.fixture
def carrier_admin(session, world):
    session.scalar(select(User).where(User.username == "transporter")).org_admin = True
    session.commit()
    return world


def test_a_company_admin_adds_a_driver_by_name_and_the_list_shows_it(client, session, carrier_admin):
    login(client, "transporter")
    response = client.post("/company/users", data={"username": "driver_zhao", "password": "longpassword",
                                                   "role": "driver", "display_name": "赵磊"})
    assert response.status_code == 302
    page = _page(client.get("/company?q=赵磊"))
    assert re.search(r'data-username="driver_zhao".*?<small class="person-name">赵磊</small>', page, re.S)
    assert 'data-username="driver2"' not in page
    assert _name_of(session, "driver_zhao") == "赵磊"


def test_a_name_too_long_on_the_company_form_keeps_what_was_typed_and_adds_no_one(client, session, carrier_admin):
    login(client, "transporter")
    before = row_count(session, User)
    page = _page(client.post("/company/users", data={"username": "driver_long", "password": "longpassword",
                                                     "role": "driver", "display_name": "赵" * 65}), 422)
    assert "姓名：格式不正确或未填写" in page and 'value="driver_long"' in page and "赵" * 65 in page
    assert row_count(session, User) == before


def test_a_user_sets_their_name_on_the_account_page_and_can_clear_it(client, session, world):
    login(client, "kecheng_regulator")
    assert "未填写" in _page(client.get("/account"))
    assert client.post("/account/name", data={"display_name": " 王建国 "}).status_code == 302
    page = _page(client.get("/account"))
    assert "姓名已保存：王建国" in page and re.search(r'id="my-name">王建国<', page)
    assert _name_of(session, "kecheng_regulator") == "王建国"
    client.post("/account/name", data={"display_name": ""})
    assert _name_of(session, "kecheng_regulator") is None


def test_a_name_too_long_on_the_account_page_is_refused_keeping_it_typed_and_nothing_changes(client, session, world):
    login(client, "kecheng_regulator")
    client.post("/account/name", data={"display_name": "王建国"})
    page = _page(client.post("/account/name", data={"display_name": "王" * 65}), 422)
    assert "姓名最多 64 个字符" in page and f'value="{"王" * 65}"' in page
    assert _name_of(session, "kecheng_regulator") == "王建国"


def test_the_enterprise_reads_which_officer_handled_its_anomaly_by_name(client, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer)
    officer = session.scalar(select(User).where(User.username == "kecheng_regulator"))
    officer.display_name = "王建国"
    session.commit()
    login(client, "kecheng_regulator")
    client.post(f"/regulator/anomalies/{anomaly.id}/status", data={"status": "acknowledged", "note": "已通知企业"})
    client.post("/logout")
    login(client, "producer")
    page = _page(client.get(f"/anomalies/{anomaly.id}"))
    history = re.search(r'id="history">(.*?)</section>', page, re.S).group(1)
    assert "王建国（监管部门）" in history and "已通知企业" in history
    assert "kecheng_regulator" not in history


def _today():
    return local_date(datetime.now(timezone.utc))


def test_the_digest_opens_on_yesterday_with_the_day_before_one_link_away(client, session, world):
    yesterday = _today() - timedelta(days=1)
    night = make_anomaly(session, region=KECHENG, org=world.producer, day=yesterday)
    todays = make_anomaly(session, region=KECHENG, org=world.producer, day=_today())
    login(client, "kecheng_regulator")
    page = _page(client.get("/regulator/digest"))
    assert f"预警日报 · {yesterday.isoformat()}" in page
    assert night.subject_label in page and todays.subject_label not in page
    assert f'href="/regulator/digest?date={(yesterday - timedelta(days=1)).isoformat()}" id="previous-day"' in page
    assert f'href="/regulator/digest?date={_today().isoformat()}" id="next-day"' in page
    today = _page(client.get(f"/regulator/digest?date={_today().isoformat()}"))
    assert todays.subject_label in today and 'id="next-day"' not in today


def test_a_batch_page_names_the_edition_of_its_code(client, session, world):
    login(client, "producer")
    response = client.post("/batches/new", data={"site_id": world.producer_site.id, "waste_code": "900-041-49",
                                                 "quantity_kg": "100",
                                                 "generated_at": (NOW - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    page = _page(client.get(response.headers["Location"]))
    edition = re.search(r'id="code-edition">(.*?)</dd>', page, re.S).group(1)
    assert "国家危险废物名录 2021 年版" in edition and "按产生日期" not in edition and "暂定类别" not in edition


def test_a_general_batch_without_a_recorded_edition_shows_the_one_of_its_day_as_provisional(client, session, world):
    legacy = make_batch(session, world.producer, world.producer_site, code="SW13")
    session.commit()
    login(client, "producer")
    page = _page(client.get(f"/batches/{legacy.id}"))
    edition = re.search(r'id="code-edition">(.*?)</dd>', page, re.S).group(1)
    assert "一般固体废物分类 2020 年版" in edition and "按产生日期对应的版本" in edition
    assert "暂定类别（未与正式目录核对）" in edition
