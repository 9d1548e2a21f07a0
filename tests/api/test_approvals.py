"""跨区域转移审批 through the API: read one with its quantity used and its manifests, revoke with a reason, a
validity capped at a year, and an approval revoked, expired or used up no longer lets a manifest cross."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.conftest import TEST_CONFIG
from tests.factories import NOW, assert_refused, batch_state, make_approval, row_count, user_named
from wastechain import create_app
from wastechain.domain.timeutil import local_date
from wastechain.models import Approval, Manifest

TODAY = local_date(NOW)


def _grant(api, world, *, as_="kecheng_regulator", **extra):
    body = {"producer_id": world.producer.id, "waste_codes": ["900-041-49"], "destination_site_id": world.far_site.id,
            "max_quantity_kg": 500, "valid_from": TODAY.isoformat(),
            "valid_to": (TODAY + timedelta(days=90)).isoformat(), **extra}
    return api.post("/approvals", body, as_=as_)


@pytest.fixture
def approval(api, world):
    response = _grant(api, world)
    assert response.status_code == 201, response.json
    return response.json


def _issue_far(api, world, batch, kg, approval_id):
    return api.issue(world, batch, kg, receiver_site=world.far_site, approval_id=approval_id)


def _unchanged(session, approval_id):
    approval = session.get(Approval, approval_id)
    session.refresh(approval)
    session.commit()
    return approval


# ---- reading one

def test_the_producer_reads_its_approval_with_what_is_used_and_the_manifests_under_it(api, world, batch, approval):
    manifest = _issue_far(api, world, batch, "200", approval["id"]).json
    found = api.get(f"/approvals/{approval['id']}", as_="producer").json
    assert (found["max_quantity_kg"], found["used_kg"], found["remaining_kg"]) == (500, 200, 300)
    assert found["state"] == "active" and found["revoked_at"] is None
    assert [m["number"] for m in found["manifests"]] == [manifest["number"]]


def test_a_cancelled_manifest_gives_its_quantity_back_to_the_approval(api, world, batch, approval):
    manifest_id = _issue_far(api, world, batch, "200", approval["id"]).json["id"]
    api.step(manifest_id, "cancel", as_="producer", reason="计划变更")
    found = api.get(f"/approvals/{approval['id']}", as_="producer").json
    assert (found["used_kg"], found["remaining_kg"]) == (0, 500)


def test_an_approval_is_not_found_for_another_producer_or_another_countys_regulator(api, world, approval):
    for outsider in ("other_producer", "jiangshan_regulator", "receiver"):
        assert_refused(api.get(f"/approvals/{approval['id']}", as_=outsider), 404, "NOT_FOUND")
    assert api.get(f"/approvals/{approval['id']}", as_="city_regulator").status_code == 200


def test_the_list_filters_by_state(api, world, session, approval):
    make_approval(session, producer=world.producer, destination=world.far_site, valid_from=TODAY - timedelta(days=60),
                  valid_to=TODAY - timedelta(days=1))
    session.commit()
    expired = api.get("/approvals?state=expired", as_="kecheng_regulator").json
    active = api.get("/approvals?state=active", as_="kecheng_regulator").json
    assert expired["total"] == 1 and expired["items"][0]["state"] == "expired"
    assert [a["id"] for a in active["items"]] == [approval["id"]]


# ---- the validity cap

def test_an_approval_of_a_whole_year_is_granted(api, world):
    response = _grant(api, world, valid_to=(TODAY + timedelta(days=364)).isoformat())
    assert response.status_code == 201 and response.json["granting_region_code"] == "330802"


def test_an_approval_longer_than_a_year_is_refused_naming_the_latest_end(api, world, session):
    response = _grant(api, world, valid_to=(TODAY + timedelta(days=365)).isoformat())
    error = assert_refused(response, 422, "VALIDATION_ERROR")
    assert "最长 365 天" in error["message"]
    assert error["details"]["latest_valid_to"] == (TODAY + timedelta(days=364)).isoformat()
    assert row_count(session, Approval) == 0


def test_the_cap_is_configurable(database_url, world):
    from tests.factories import Api

    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "APPROVAL_MAX_VALIDITY_DAYS": 30})
    try:
        api = Api(app.test_client())
        assert_refused(_grant(api, world, valid_to=(TODAY + timedelta(days=30)).isoformat()), 422, "VALIDATION_ERROR")
        assert _grant(api, world, valid_to=(TODAY + timedelta(days=29)).isoformat()).status_code == 201
    finally:
        app.extensions["wastechain.engine"].dispose()


# ---- revoking

def test_the_granting_regulator_revokes_with_a_reason_and_no_manifest_may_use_it_afterwards(api, world, batch, session,
                                                                                             approval):
    response = api.post(f"/approvals/{approval['id']}/revoke", {"reason": "企业已取得本地处置能力"},
                        as_="kecheng_regulator")
    assert response.status_code == 200, response.json
    assert response.json["state"] == "revoked" and response.json["revoke_reason"] == "企业已取得本地处置能力"
    error = assert_refused(_issue_far(api, world, batch, "100", approval["id"]), 422, "JURISDICTION_VIOLATION")
    assert "撤销" in error["message"]
    assert row_count(session, Manifest) == 0 and batch_state(api, batch.id)[0] == Decimal("1000")


def test_manifests_issued_before_the_revocation_stay_as_they_are(api, world, batch, approval):
    manifest_id = _issue_far(api, world, batch, "100", approval["id"]).json["id"]
    api.post(f"/approvals/{approval['id']}/revoke", {"reason": "到期前收回"}, as_="kecheng_regulator")
    assert api.get(f"/manifests/{manifest_id}", as_="producer").json["status"] == "issued"
    assert api.get(f"/approvals/{approval['id']}", as_="producer").json["used_kg"] == 100


def test_the_city_above_the_granting_county_may_revoke(api, world, session, approval):
    response = api.post(f"/approvals/{approval['id']}/revoke", {"reason": "市局统一收回"}, as_="city_regulator")
    assert response.status_code == 200
    assert response.json["revoked_by_id"] == user_named(session, "city_regulator").id


def test_a_county_cannot_revoke_what_the_city_granted(api, world, session):
    granted = _grant(api, world, as_="city_regulator").json
    response = api.post(f"/approvals/{granted['id']}/revoke", {"reason": "县局收回"}, as_="kecheng_regulator")
    assert_refused(response, 403, "FORBIDDEN")
    assert _unchanged(session, granted["id"]).revoked_at is None


def test_a_revocation_without_a_reason_is_refused_and_changes_nothing(api, world, session, approval):
    for body in ({"reason": "   "}, {}):
        assert_refused(api.post(f"/approvals/{approval['id']}/revoke", body, as_="kecheng_regulator"), 422,
                       "VALIDATION_ERROR")
    assert _unchanged(session, approval["id"]).revoked_at is None


def test_others_cannot_revoke(api, world, session, approval):
    assert_refused(api.post(f"/approvals/{approval['id']}/revoke", {"reason": "x"}, as_="jiangshan_regulator"), 404,
                   "NOT_FOUND")
    assert_refused(api.post(f"/approvals/{approval['id']}/revoke", {"reason": "x"}, as_="producer"), 403, "FORBIDDEN")
    assert _unchanged(session, approval["id"]).revoked_at is None


def test_an_approval_is_revoked_once(api, world, session, approval):
    api.post(f"/approvals/{approval['id']}/revoke", {"reason": "第一次"}, as_="kecheng_regulator")
    assert_refused(api.post(f"/approvals/{approval['id']}/revoke", {"reason": "第二次"}, as_="kecheng_regulator"), 409,
                   "ALREADY_REVOKED")
    assert _unchanged(session, approval["id"]).revoke_reason == "第一次"


# ---- used up and expired

def test_a_used_up_approval_lets_nothing_more_cross(api, world, batch, session, approval):
    assert _issue_far(api, world, batch, "500", approval["id"]).status_code == 201
    assert api.get(f"/approvals/{approval['id']}", as_="producer").json["state"] == "exhausted"
    assert api.get("/approvals?state=exhausted", as_="kecheng_regulator").json["total"] == 1
    assert api.get("/approvals?state=active", as_="kecheng_regulator").json["total"] == 0
    assert_refused(_issue_far(api, world, batch, "1", approval["id"]), 422, "JURISDICTION_VIOLATION")
    assert row_count(session, Manifest) == 1 and batch_state(api, batch.id)[0] == Decimal("500")


def test_an_expired_approval_lets_nothing_cross(api, world, batch, session):
    expired = make_approval(session, producer=world.producer, destination=world.far_site,
                            valid_from=date(2025, 1, 1), valid_to=TODAY - timedelta(days=1))
    session.commit()
    assert api.get(f"/approvals/{expired.id}", as_="producer").json["state"] == "expired"
    error = assert_refused(_issue_far(api, world, batch, "100", expired.id), 422, "JURISDICTION_VIOLATION")
    assert "有效期" in error["message"]
    assert row_count(session, Manifest) == 0
