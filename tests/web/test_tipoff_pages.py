"""The tip-off pages: the public form (no login) and its tracking page, the regulators' desk, and the throttle on the
form per address (N+1th submission answered 429 with a readable page)."""
import html
import io
import re

import pytest
from PIL import Image

from tests.clock import MovableClock
from tests.conftest import TEST_CONFIG
from tests.factories import KECHENG, JIANGSHAN, row_count, user_named
from tests.web.helpers import login, refused_page
from wastechain import create_app
from wastechain.models import Tipoff


@pytest.fixture
def clock():
    return MovableClock()


@pytest.fixture
def app(database_url, clock, tmp_path):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "CLOCK": clock,
                      "TIPOFF_PHOTO_DIR": str(tmp_path / "photos"), "TIPOFF_LIMITS_PER_ADDRESS": "3 per hour",
                      "TIPOFF_LOOKUP_LIMITS_PER_ADDRESS": "6 per minute"})
    yield app
    app.extensions["wastechain.engine"].dispose()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 12), (30, 120, 30)).save(out, "PNG")
    return out.getvalue()


def _challenge(page: str) -> dict:
    token = re.search(r'name="challenge_token" value="([^"]+)"', page).group(1)
    a, b = re.search(r"(\d) \+ (\d) = \?", page).groups()
    return {"challenge_token": token, "challenge_answer": str(int(a) + int(b))}


def file_tipoff(client, clock, *, photos=(), ip="10.1.1.1", **fields):
    """Opens the form, fills it in for a minute, sends it."""
    form = client.get("/tipoffs/", environ_base={"REMOTE_ADDR": ip}).get_data(as_text=True)
    clock.advance(minutes=1)
    data = {"kind": "illegal_transfer", "region_code": KECHENG, "happened_at": "2026-11-30T21:15",
            "description": "深夜一辆无牌货车在路边卸下几十袋废料", "address": "柯城区航埠镇304省道旁", "lat": "", "lon": "",
            "contact": "13900000000", **_challenge(form), **fields}
    data["photos"] = [(io.BytesIO(content), name) for content, name in photos]
    return client.post("/tipoffs/", data=data, content_type="multipart/form-data",
                       environ_base={"REMOTE_ADDR": ip})


def tracking_code(response) -> str:
    return re.search(r'id="tracking-code">([A-Z0-9-]+)<', response.get_data(as_text=True)).group(1)


def status_page(client, code: str) -> str:
    return html.unescape(client.post("/tipoffs/track", data={"code": code}).get_data(as_text=True))


@pytest.fixture
def filed(client, clock, world):
    response = file_tipoff(client, clock, photos=[(png(), "scene.png")])
    assert response.status_code == 201, response.get_data(as_text=True)[:2000]
    return tracking_code(response)


def test_the_login_page_links_to_the_public_form_which_needs_no_login(client, world):
    assert 'href="/tipoffs/"' in client.get("/login").get_data(as_text=True)
    page = client.get("/tipoffs/").get_data(as_text=True)
    assert "有奖举报" in page and "柯城区" in page and "江山市" in page
    assert re.search(r"验证题：\d \+ \d = \?", page)


def test_a_member_of_the_public_files_a_tip_off_and_follows_it_with_the_code(client, filed):
    assert re.fullmatch(r"([A-Z2-9]{4}-){4}[A-Z2-9]{4}", filed)
    page = status_page(client, filed.lower())
    assert "已收到，待受理" in page and "非法转移" in page and "柯城区" in page and "1 张" in page
    assert "13900000000" not in page  # the reporter's contact is for regulators only


def test_a_refused_form_keeps_what_was_typed_and_says_why(client, clock, world):
    response = file_tipoff(client, clock, description="", address="航埠镇路口", contact="13911112222")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "情况描述不能为空" in page
    assert 'value="航埠镇路口"' in page and 'value="13911112222"' in page and "checked" in page
    assert row_count_of(client) == 0


def row_count_of(client) -> int:
    with client.application.extensions["wastechain.sessions"]() as session:
        return row_count(session, Tipoff)


def test_a_file_that_is_not_a_photo_is_refused_whatever_its_name(client, clock, world):
    response = file_tipoff(client, clock, photos=[(b"<?php system($_GET['c']); ?>", "photo.jpg")])
    assert response.status_code == 422
    assert "第 1 张照片不是 JPEG、PNG 或 WebP 图片" in html.unescape(response.get_data(as_text=True))
    assert row_count_of(client) == 0


def test_an_unknown_code_is_answered_with_a_readable_page(client, world):
    response = client.post("/tipoffs/track", data={"code": "ABCD-EFGH-JKLM-NPQR-STUV"})
    assert response.status_code == 404 and "没有找到该查询码" in response.get_data(as_text=True)


def test_the_fourth_tip_off_from_one_address_is_refused_with_a_readable_page(client, clock, world):
    for _ in range(3):
        assert file_tipoff(client, clock).status_code == 201
    response = file_tipoff(client, clock)
    assert "尝试次数过多" in refused_page(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    assert row_count_of(client) == 3
    assert file_tipoff(client, clock, ip="10.1.1.2").status_code == 201  # another address is not held up


def test_tracking_codes_tried_from_one_address_are_throttled(client, world):
    for n in range(6):
        assert client.post("/tipoffs/track", data={"code": f"AAAA-AAAA-AAAA-AAAA-AAA{n + 2}"}).status_code == 404
    assert "尝试次数过多" in refused_page(client.post("/tipoffs/track", data={"code": "AAAA"}), 429)


# ---- the regulators' desk

def test_the_county_regulator_triages_links_closes_and_rewards_and_the_reporter_sees_the_result(client, filed, world):
    login(client, "kecheng_regulator")
    desk = client.get("/regulator/tipoffs/").get_data(as_text=True)
    case_id = int(re.search(r'href="/regulator/tipoffs/(\d+)"', desk).group(1))
    case = client.get(f"/regulator/tipoffs/{case_id}").get_data(as_text=True)
    assert "13900000000" in case and "无牌货车" in case
    photo = re.search(r'<img src="([^"]+)"', case).group(1)
    assert client.get(photo).data == png() and client.get(photo).mimetype == "image/png"
    officer = re.search(r'<option value="(\d+)">kecheng_regulator</option>', case).group(1)
    assert client.post(f"/regulator/tipoffs/{case_id}/assign", data={"assignee_id": officer}).status_code == 302
    assert client.post(f"/regulator/tipoffs/{case_id}/links",
                       data={"reference": world.producer.credit_code}).status_code == 302
    confirm = client.get(f"/regulator/tipoffs/{case_id}/close").get_data(as_text=True)
    assert "确认办结" in confirm and "不能撤销" in confirm
    assert client.post(f"/regulator/tipoffs/{case_id}/close",
                       data={"finding": "upheld", "note": "现场查实，已立案"}).status_code == 302
    assert client.post(f"/regulator/tipoffs/{case_id}/reward",
                       data={"amount": "500", "paid_on": client.get(f"/regulator/tipoffs/{case_id}").get_data(
                           as_text=True).split('name="paid_on" value="')[1][:10]}).status_code == 302
    case = html.unescape(client.get(f"/regulator/tipoffs/{case_id}").get_data(as_text=True))
    assert "已办结" in case and "举报属实" in case and world.producer.name in case and "奖励 500.00 元" in case
    client.post("/logout")
    page = status_page(client, filed)
    assert "已办结" in page and "举报属实" in page and "500.00 元" in page
    assert world.producer.name not in page and "kecheng_regulator" not in page


def test_the_desk_names_officers_by_their_name_not_their_login(client, filed, world, session):
    officer = user_named(session, "kecheng_regulator")
    officer.display_name = "王建国"
    session.commit()
    login(client, "kecheng_regulator")
    case = client.get("/regulator/tipoffs/1").get_data(as_text=True)
    chosen = re.search(r'<option value="(\d+)">王建国</option>', case).group(1)
    assert client.post("/regulator/tipoffs/1/assign", data={"assignee_id": chosen}).status_code == 302
    case = html.unescape(client.get("/regulator/tipoffs/1").get_data(as_text=True))
    assigned, history = case.split('id="case-assignee">')[1], case.split('id="case-history">')[1]
    assert assigned.startswith("王建国") and "王建国 · " in history
    desk = html.unescape(client.get("/regulator/tipoffs/").get_data(as_text=True))
    assert "承办：王建国" in desk and "kecheng_regulator" not in desk.split("<main")[-1]


def test_closing_without_a_note_shows_the_confirmation_again_with_the_choice_kept(client, filed, world):
    login(client, "kecheng_regulator")
    response = client.post("/regulator/tipoffs/1/close", data={"finding": "not_upheld", "note": ""})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "不能为空" in page
    assert re.search(r'value="not_upheld" checked', page)


def test_a_bad_link_shows_the_case_again_with_what_was_typed(client, filed, world):
    login(client, "kecheng_regulator")
    response = client.post("/regulator/tipoffs/1/links", data={"reference": "91330000XXXXXXXXXX"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "91330000XXXXXXXXXX" in page and "没有统一社会信用代码" in page


def test_another_countys_regulator_and_enterprises_cannot_open_the_case_or_its_photos(client, filed, world):
    login(client, "kecheng_regulator")
    photo = re.search(r'<img src="([^"]+)"', client.get("/regulator/tipoffs/1").get_data(as_text=True)).group(1)
    client.post("/logout")
    login(client, "jiangshan_regulator")
    assert client.get("/regulator/tipoffs/1").status_code == 404
    assert client.get(photo).status_code == 404
    assert "该条件下没有举报" in client.get("/regulator/tipoffs/").get_data(as_text=True)
    client.post("/logout")
    login(client, "producer")
    assert client.get("/regulator/tipoffs/").status_code == 403
    assert client.get(photo).status_code == 403
    client.post("/logout")
    assert client.get(photo).status_code == 302  # to the login page


def test_the_city_regulator_filters_by_county(client, clock, world):
    file_tipoff(client, clock)
    file_tipoff(client, clock, region_code=JIANGSHAN)
    login(client, "city_regulator")
    assert "共 2 条" in client.get("/regulator/tipoffs/").get_data(as_text=True)
    assert "共 1 条" in client.get(f"/regulator/tipoffs/?county={JIANGSHAN}").get_data(as_text=True)
    assert client.get("/regulator/tipoffs/?status=lost").status_code == 400
