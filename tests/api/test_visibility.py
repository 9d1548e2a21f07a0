"""Who sees which manifests and batches (404 for what a user may not see), and the list filters."""
from datetime import datetime, timedelta, timezone

import pytest

from tests.factories import JIANGSHAN, assert_refused, make_batch, make_rival_transporter, make_user


@pytest.fixture
def manifest_id(api, world, batch):
    return api.issue(world, batch).json["id"]


@pytest.mark.parametrize("user", ["producer", "receiver", "transporter", "driver", "driver2", "kecheng_regulator",
                                  "city_regulator", "admin"])
def test_parties_and_regulators_of_the_region_see_the_manifest(api, manifest_id, user):
    response = api.get(f"/manifests/{manifest_id}", as_=user)
    assert response.status_code == 200 and response.json["id"] == manifest_id


@pytest.mark.parametrize("user", ["other_producer", "county_receiver", "far_receiver", "jiangshan_regulator",
                                  "hangzhou_regulator"])
def test_others_get_404_for_the_manifest(api, manifest_id, user):
    response = api.get(f"/manifests/{manifest_id}", as_=user)
    assert response.status_code == 404 and response.json["error"]["code"] == "NOT_FOUND"


def test_a_driver_of_another_transporter_gets_404(api, manifest_id, session):
    make_rival_transporter(session)
    assert_refused(api.get(f"/manifests/{manifest_id}", as_="rival_driver"), 404, "NOT_FOUND")


def test_a_regulator_of_the_destination_county_sees_the_manifest(api, manifest_id, session):
    make_user(session, username="qujiang_regulator", role="regulator", region="330803")
    session.commit()
    response = api.get(f"/manifests/{manifest_id}", as_="qujiang_regulator")
    assert response.status_code == 200 and response.json["id"] == manifest_id


def test_a_missing_manifest_and_an_invisible_one_look_the_same(api, manifest_id):
    hidden = api.get(f"/manifests/{manifest_id}", as_="other_producer")
    missing = api.get("/manifests/999999", as_="other_producer")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json["error"]["code"] == missing.json["error"]["code"] == "NOT_FOUND"


def test_the_manifest_detail_has_lines_and_events(api, manifest_id, batch):
    body = api.get(f"/manifests/{manifest_id}", as_="producer").json
    assert body["lines"][0]["batch_id"] == batch.id and body["lines"][0]["unit_code"] == batch.unit_code
    assert body["events"][0]["type"] == "issue"


@pytest.mark.parametrize("user, status", [("producer", 200), ("kecheng_regulator", 200), ("city_regulator", 200),
                                          ("other_producer", 404), ("jiangshan_regulator", 404),
                                          ("receiver", 404), ("driver", 404)])
def test_a_batch_is_seen_by_its_owner_and_the_regulators_of_its_site(api, batch, user, status):
    response = api.get(f"/batches/{batch.id}", as_=user)
    if status == 200:
        assert response.status_code == 200 and response.json["unit_code"] == batch.unit_code
    else:
        assert_refused(response, 404, "NOT_FOUND")


# lists

@pytest.fixture
def spread(api, world, session):
    """Manifests from 柯城 (two) and from 江山 (one, by the other producer), one of them cancelled."""
    kecheng = make_batch(session, world.producer, world.producer_site, kg="1000")
    jiangshan = make_batch(session, world.other_producer, world.other_site, kg="1000")
    session.commit()
    first = api.issue(world, kecheng).json["id"]
    second = api.issue(world, kecheng).json["id"]
    api.step(second, "cancel", as_="producer", reason="重复开具")
    third = api.issue(world, jiangshan, as_="other_producer").json["id"]
    return {"first": first, "second": second, "third": third}


def _ids(api, path, user):
    response = api.get(path, as_=user)
    assert response.status_code == 200, response.json
    return [m["id"] for m in response.json["items"]]


def test_a_producer_lists_only_its_own_manifests_newest_first(api, spread):
    assert _ids(api, "/manifests", "producer") == [spread["second"], spread["first"]]


def test_a_receiver_lists_the_manifests_sent_to_it(api, spread):
    assert set(_ids(api, "/manifests", "receiver")) == set(spread.values())


def test_a_driver_lists_its_transporters_manifests(api, spread):
    assert set(_ids(api, "/manifests", "driver")) == set(spread.values())


def test_a_county_regulator_lists_its_county(api, spread):
    assert set(_ids(api, "/manifests", "jiangshan_regulator")) == {spread["third"]}


def test_a_city_regulator_lists_its_city(api, spread):
    assert set(_ids(api, "/manifests", "city_regulator")) == set(spread.values())


def test_a_regulator_of_another_city_lists_nothing(api, spread):
    assert _ids(api, "/manifests", "hangzhou_regulator") == []


def test_the_list_filters_by_status(api, spread):
    assert _ids(api, "/manifests?status=cancelled", "city_regulator") == [spread["second"]]
    assert set(_ids(api, "/manifests?status=issued", "city_regulator")) == {spread["first"], spread["third"]}


def test_an_unknown_status_is_a_validation_error(api, spread):
    response = api.get("/manifests?status=lost", as_="city_regulator")
    assert "status" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]


def test_the_list_filters_by_region(api, spread):
    assert _ids(api, f"/manifests?region={JIANGSHAN}", "city_regulator") == [spread["third"]]
    assert len(_ids(api, "/manifests?region=330800", "city_regulator")) == 3


def test_a_malformed_region_is_a_validation_error(api, spread):
    response = api.get("/manifests?region=33", as_="city_regulator")
    assert "region" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]


def test_the_list_filters_by_issue_time(api, spread):
    now = datetime.now(timezone.utc)
    later = {"from": (now + timedelta(hours=1)).isoformat()}
    earlier = {"from": (now - timedelta(hours=1)).isoformat(), "to": (now + timedelta(hours=1)).isoformat()}
    assert _ids(api, "/manifests", "city_regulator") and api.get(
        "/manifests", as_="city_regulator", query_string=later).json["total"] == 0
    assert api.get("/manifests", as_="city_regulator", query_string=earlier).json["total"] == 3
    before = {"to": (now - timedelta(hours=1)).isoformat()}
    assert api.get("/manifests", as_="city_regulator", query_string=before).json["total"] == 0


def test_the_list_accepts_plain_dates(api, spread):
    today = datetime.now(timezone(timedelta(hours=8))).date()
    response = api.get("/manifests", as_="city_regulator",
                       query_string={"from": today.isoformat(), "to": (today + timedelta(days=1)).isoformat()})
    assert response.status_code == 200 and response.json["total"] == 3


def test_the_list_is_paginated(api, spread):
    page1 = api.get("/manifests?per_page=2&page=1", as_="city_regulator").json
    page2 = api.get("/manifests?per_page=2&page=2", as_="city_regulator").json
    assert page1["total"] == page2["total"] == 3
    assert len(page1["items"]) == 2 and len(page2["items"]) == 1
    assert_refused(api.get("/manifests?per_page=201", as_="city_regulator"), 422, "VALIDATION_ERROR")


def test_manifest_list_items_carry_their_qr_url(api, spread):
    items = api.get("/manifests", as_="producer").json["items"]
    assert all(item["qr_url"].startswith("http://testserver/s/") for item in items)


def test_a_regulator_without_a_jurisdiction_sees_no_manifest(api, world, session):
    from tests.factories import make_batch, make_user

    batch = make_batch(session, world.producer, world.producer_site)
    make_user(session, username="nowhere_regulator", role="regulator")
    session.commit()
    assert api.issue(world, batch).status_code == 201
    listed = api.get("/manifests", as_="nowhere_regulator").json
    assert listed == {"items": [], "total": 0}


def test_a_regulator_without_a_jurisdiction_lists_no_approvals(api, world, session):
    from tests.factories import make_approval, make_user

    make_approval(session, producer=world.producer, destination=world.far_site)
    make_user(session, username="nowhere_regulator", role="regulator")
    session.commit()
    response = api.get("/approvals", as_="nowhere_regulator")
    assert response.status_code == 200
    assert response.json == {"items": [], "total": 0}
