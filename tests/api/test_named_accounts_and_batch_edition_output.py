"""Leftovers of issues 9 and 12 through the API: accounts made with the person's name; a batch's catalog edition
(`edition`, `code_verified`) in its output, lists costing no statement more for it."""
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.factories import NOW, assert_refused, make_batch, row_count
from wastechain.models import User


@pytest.fixture
def carrier_admin(session, world):
    session.scalar(select(User).where(User.username == "transporter")).org_admin = True
    session.commit()
    return world


def test_an_admin_creates_a_regulator_officer_with_a_name(api):
    body = {"username": "kecheng_wang", "password": "longpassword", "role": "regulator", "region_code": "330802",
            "display_name": "王建国"}
    response = api.post("/users", body, as_="admin")
    assert response.status_code == 201, response.json
    assert response.json["display_name"] == "王建国"
    token = api.post("/auth/token", {"username": "kecheng_wang", "password": "longpassword"}).json["token"]
    me = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["display_name"] == "王建国"


def test_a_regulator_creates_an_officer_of_its_county_with_a_name(api):
    body = {"username": "kecheng_li", "password": "longpassword", "role": "regulator", "region_code": "330802",
            "display_name": "李芳"}
    response = api.post("/users", body, as_="kecheng_regulator")
    assert response.status_code == 201, response.json
    assert response.json["display_name"] == "李芳"


def test_a_company_admin_adds_a_driver_with_a_name_and_an_account_without_one_has_none(api, carrier_admin):
    named = api.post("/company/users", {"username": "driver_zhao", "password": "longpassword", "role": "driver",
                                        "display_name": "赵磊"}, as_="transporter")
    unnamed = api.post("/company/users", {"username": "driver_qian", "password": "longpassword", "role": "driver"},
                       as_="transporter")
    assert (named.status_code, named.json["display_name"]) == (201, "赵磊")
    assert (unnamed.status_code, unnamed.json["display_name"]) == (201, None)
    listed = api.get("/company/users?q=赵磊", as_="transporter").json["items"]
    assert [u["username"] for u in listed] == ["driver_zhao"]


def test_a_name_longer_than_64_characters_is_refused_and_no_account_is_made(api, session, carrier_admin):
    before = row_count(session, User)
    error = assert_refused(api.post("/company/users", {"username": "driver_long", "password": "longpassword",
                                                       "role": "driver", "display_name": "赵" * 65},
                                    as_="transporter"), 422, "VALIDATION_ERROR")
    assert "display_name" in error["details"]
    assert row_count(session, User) == before


def _register(api, world, code):
    response = api.post("/batches", {"site_id": world.producer_site.id, "waste_code": code, "quantity_kg": 100,
                                     "generated_at": (NOW - timedelta(hours=3)).isoformat()}, as_="producer")
    assert response.status_code == 201, response.json
    return response.json


def test_a_batch_says_the_edition_of_its_code_and_whether_its_class_is_verified(api, world):
    hazardous = _register(api, world, "900-041-49")
    general = _register(api, world, "SW13")
    assert (hazardous["edition"], hazardous["code_verified"]) == ("2021", True)
    assert (general["edition"], general["code_verified"]) == ("2020", False)
    again = api.get(f"/batches/{general['id']}", as_="producer").json
    assert (again["edition"], again["code_verified"]) == ("2020", False)


def test_a_batch_without_a_recorded_edition_reports_the_one_in_force_on_its_day(api, session, world):
    legacy = make_batch(session, world.producer, world.producer_site, code="SW13")
    session.commit()
    body = api.get(f"/batches/{legacy.id}", as_="producer").json
    assert (body["edition"], body["code_verified"]) == ("2020", False)


def _statements_for_list(api, app) -> tuple[int, list]:
    count = [0]

    def tally(*_args):
        count[0] += 1

    engine = app.extensions["wastechain.engine"]
    api.token("producer")
    event.listen(engine, "before_cursor_execute", tally)
    try:
        response = api.get("/batches?per_page=50", as_="producer")
    finally:
        event.remove(engine, "before_cursor_execute", tally)
    assert response.status_code == 200
    return count[0], response.json["items"]


def test_listing_batches_with_their_editions_costs_the_same_statements_for_two_rows_or_twelve(api, app, session,
                                                                                                world):
    _register(api, world, "900-041-49")
    make_batch(session, world.producer, world.producer_site, code="SW13")  # no recorded edition
    session.commit()
    few, items = _statements_for_list(api, app)
    assert sorted(i["edition"] for i in items) == ["2020", "2021"]
    for n in range(10):
        if n % 2:
            _register(api, world, "SW13")
        else:
            make_batch(session, world.producer, world.producer_site)
            session.commit()
    many, items = _statements_for_list(api, app)
    assert len(items) == 12 and all(i["edition"] in ("2020", "2021") for i in items)
    assert many == few
