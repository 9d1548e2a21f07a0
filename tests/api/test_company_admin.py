"""Company administration through the API (issue 13 item 8, issue 11 item 10): an enterprise's own admin manages
its people only, everyone changes their password (other logins and tokens end), company API keys act as a named user
until revoked, accounts a regulator created wait for the company's confirmation."""
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, assert_refused, make_batch, row_count, user_named
from wastechain.models import ApiKey, User


@pytest.fixture
def admins(session, world):
    """The producer's and the transporter's users are their companies' admins."""
    for name in ("producer", "transporter"):
        session.scalar(select(User).where(User.username == name)).org_admin = True
    session.commit()
    return world


def _bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def _user(session, username):
    session.expire_all()
    return user_named(session, username)


# ---------------------------------------------------------------- people

def test_a_carrier_admin_adds_a_driver_who_can_log_in_at_once(api, admins, session):
    body = {"username": "new_driver", "password": "longpassword", "role": "driver"}
    response = api.post("/company/users", body, as_="transporter")
    assert response.status_code == 201, response.json
    assert response.json["organization_id"] == admins.transporter.id and "password" not in response.json
    assert api.post("/auth/token", {"username": "new_driver", "password": "longpassword"}).status_code == 200


def test_a_producer_admin_cannot_add_a_driver_and_nothing_is_created(api, admins, session):
    before = row_count(session, User)
    body = {"username": "my_driver", "password": "longpassword", "role": "driver"}
    assert_refused(api.post("/company/users", body, as_="producer"), 422, "VALIDATION_ERROR")
    assert row_count(session, User) == before


def test_a_user_who_is_not_the_company_admin_cannot_manage_its_people(api, admins, session):
    before = row_count(session, User)
    body = {"username": "sneaky", "password": "longpassword", "role": "driver"}
    assert_refused(api.post("/company/users", body, as_="driver"), 403, "NOT_ORG_ADMIN")
    assert_refused(api.get("/company/users", as_="receiver"), 403, "NOT_ORG_ADMIN")
    assert row_count(session, User) == before


def test_the_admin_sees_only_its_own_company_users(api, admins):
    names = {u["username"] for u in api.get("/company/users", as_="transporter").json["items"]}
    assert names == {"transporter", "driver", "driver2"}
    assert {u["username"] for u in api.get("/company/users", as_="producer").json["items"]} == {"producer"}


def test_an_admin_cannot_touch_another_company_s_user(api, admins, session):
    other = _user(session, "other_producer")
    assert_refused(api.post(f"/company/users/{other.id}/deactivate", as_="transporter"), 404, "NOT_FOUND")
    assert_refused(api.post(f"/company/users/{other.id}/password", {"password": "newpassword1"}, as_="producer"),
                   404, "NOT_FOUND")
    assert _user(session, "other_producer").active
    assert api.post("/auth/token", {"username": "other_producer", "password": PASSWORD}).status_code == 200


def test_a_deactivated_driver_cannot_log_in_and_its_tokens_stop(api, admins, session):
    old_token = api.token("driver")
    driver = _user(session, "driver")
    response = api.post(f"/company/users/{driver.id}/deactivate", as_="transporter")
    assert response.status_code == 200 and response.json["active"] is False
    assert_refused(api.post("/auth/token", {"username": "driver", "password": PASSWORD}), 401, "UNAUTHORIZED")
    assert_refused(api.client.get("/api/v1/manifests", headers=_bearer(old_token)), 401, "UNAUTHORIZED")
    assert api.post(f"/company/users/{driver.id}/activate", as_="transporter").json["active"] is True
    assert api.post("/auth/token", {"username": "driver", "password": PASSWORD}).status_code == 200


def test_an_admin_cannot_deactivate_itself(api, admins, session):
    me = _user(session, "transporter")
    assert_refused(api.post(f"/company/users/{me.id}/deactivate", as_="transporter"), 403, "SELF_ACTION")
    assert _user(session, "transporter").active


def test_a_reset_password_works_and_ends_the_user_s_tokens(api, admins, session):
    old_token = api.token("driver")
    driver = _user(session, "driver")
    response = api.post(f"/company/users/{driver.id}/password", {"password": "brandnew123"}, as_="transporter")
    assert response.status_code == 200 and response.json["revoked_tokens"] == 1
    assert_refused(api.client.get("/api/v1/manifests", headers=_bearer(old_token)), 401, "UNAUTHORIZED")
    assert api.post("/auth/token", {"username": "driver", "password": "brandnew123"}).status_code == 200


# ---------------------------------------------------------------- own password

def test_changing_one_s_password_ends_every_token_and_other_login(api, world, client, session):
    from tests.web.helpers import login

    other_browser = client.application.test_client()
    login(other_browser, "receiver")
    first, second = api.token("receiver"), api.post("/auth/token", {"username": "receiver",
                                                                     "password": PASSWORD}).json["token"]
    response = api.client.post("/api/v1/auth/password", headers=_bearer(first),
                               json={"current_password": PASSWORD, "new_password": "another-pass-1"})
    assert response.status_code == 200 and response.json["revoked_tokens"] == 2
    assert response.json["revoked_logins"] == 1
    for token in (first, second):
        assert_refused(api.client.get("/api/v1/manifests", headers=_bearer(token)), 401, "UNAUTHORIZED")
    response = other_browser.get("/receiver/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert api.post("/auth/token", {"username": "receiver", "password": "another-pass-1"}).status_code == 200


def test_a_wrong_current_password_changes_nothing(api, world, session):
    token = api.token("receiver")
    response = api.client.post("/api/v1/auth/password", headers=_bearer(token),
                               json={"current_password": "not-it-at-all", "new_password": "another-pass-1"})
    assert_refused(response, 422, "WRONG_PASSWORD")
    assert api.client.get("/api/v1/manifests", headers=_bearer(token)).status_code == 200
    assert api.post("/auth/token", {"username": "receiver", "password": PASSWORD}).status_code == 200


# ---------------------------------------------------------------- API keys

def test_an_api_key_lists_manifests_until_revoked_and_records_its_last_use(api, admins, session):
    batch = make_batch(session, admins.producer, admins.producer_site)
    session.commit()
    assert api.issue(admins, batch, "10").status_code == 201
    created = api.post("/auth/keys", {"name": "ERP 同步"}, as_="producer")
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    key = created.json["key"]
    assert key.startswith("wck_") and created.json["prefix"] == key[:12] and created.json["last_used_at"] is None
    stored = session.scalar(select(ApiKey))
    session.commit()
    assert key not in (stored.key_hash, stored.prefix) and len(stored.key_hash) == 64

    response = api.client.get("/api/v1/manifests", headers=_bearer(key))
    assert response.status_code == 200 and response.json["total"] == 1
    listed = api.get("/auth/keys", as_="producer").json["items"]
    assert listed[0]["last_used_at"] is not None and "key" not in listed[0]

    assert api.client.delete(f"/api/v1/auth/keys/{created.json['id']}",
                             headers=_bearer(api.token("producer"))).status_code == 200
    assert_refused(api.client.get("/api/v1/manifests", headers=_bearer(key)), 401, "UNAUTHORIZED")


def test_an_api_key_gets_the_producer_s_one_time_handover_code(api, admins, session):
    batch = make_batch(session, admins.producer, admins.producer_site)
    session.commit()
    manifest = api.issue(admins, batch, "10").json
    key = api.post("/auth/keys", {"name": "ERP"}, as_="producer").json["key"]
    response = api.client.post(f"/api/v1/manifests/{manifest['id']}/handover-code", headers=_bearer(key))
    assert response.status_code == 201 and len(response.json["code"]) == 6


def test_a_key_acting_as_a_deactivated_user_stops_working(api, admins, session):
    driver = _user(session, "driver")
    key = api.post("/auth/keys", {"name": "调度系统", "user_id": driver.id}, as_="transporter").json["key"]
    assert api.client.get("/api/v1/manifests", headers=_bearer(key)).status_code == 200
    api.post(f"/company/users/{driver.id}/deactivate", as_="transporter")
    assert_refused(api.client.get("/api/v1/manifests", headers=_bearer(key)), 401, "UNAUTHORIZED")


def test_keys_are_the_company_s_own(api, admins, session):
    key_id = api.post("/auth/keys", {"name": "ERP"}, as_="producer").json["id"]
    other = _user(session, "driver")
    assert_refused(api.post("/auth/keys", {"name": "x", "user_id": other.id}, as_="producer"), 404, "NOT_FOUND")
    response = api.client.delete(f"/api/v1/auth/keys/{key_id}", headers=_bearer(api.token("transporter")))
    assert_refused(response, 404, "NOT_FOUND")
    assert_refused(api.post("/auth/keys", {"name": "x"}, as_="receiver"), 403, "NOT_ORG_ADMIN")
    assert row_count(session, ApiKey) == 1
    assert api.get("/auth/keys", as_="transporter").json["total"] == 0


def test_a_made_up_key_is_refused(api, world):
    assert_refused(api.client.get("/api/v1/manifests", headers=_bearer("wck_" + "x" * 43)), 401, "UNAUTHORIZED")


# ---------------------------------------------------------------- accounts a regulator creates

def test_an_enterprise_account_a_regulator_creates_waits_for_the_company_admin(api, admins, session):
    body = {"username": "reg_made", "password": "longpassword", "role": "producer",
            "organization_id": admins.producer.id}
    created = api.post("/users", body, as_="kecheng_regulator")
    assert created.status_code == 201 and created.json["pending_confirmation"] is True
    assert_refused(api.post("/auth/token", {"username": "reg_made", "password": "longpassword"}), 401,
                   "UNAUTHORIZED")
    # neither the regulator nor another company may confirm it
    assert_refused(api.post(f"/users/{created.json['id']}/confirm", as_="kecheng_regulator"), 403, "NOT_ORG_ADMIN")
    assert_refused(api.post(f"/users/{created.json['id']}/confirm", as_="transporter"), 404, "NOT_FOUND")
    assert _user(session, "reg_made").pending_confirmation
    confirmed = api.post(f"/users/{created.json['id']}/confirm", as_="producer")
    assert confirmed.status_code == 200 and confirmed.json["pending_confirmation"] is False
    assert api.post("/auth/token", {"username": "reg_made", "password": "longpassword"}).status_code == 200


def test_an_account_the_system_admin_creates_can_act_at_once(api, admins):
    body = {"username": "admin_made", "password": "longpassword", "role": "producer",
            "organization_id": admins.producer.id, "org_admin": True}
    created = api.post("/users", body, as_="admin")
    assert created.json["pending_confirmation"] is False and created.json["org_admin"] is True
    assert api.post("/auth/token", {"username": "admin_made", "password": "longpassword"}).status_code == 200


def test_a_key_cannot_make_keys_or_change_the_password(api, admins, session):
    key = api.post("/auth/keys", {"name": "ERP"}, as_="producer").json["key"]
    response = api.client.post("/api/v1/auth/keys", headers=_bearer(key), json={"name": "more"})
    assert_refused(response, 403, "KEY_NOT_ALLOWED")
    response = api.client.post("/api/v1/auth/password", headers=_bearer(key),
                               json={"current_password": PASSWORD, "new_password": "another-pass-1"})
    assert_refused(response, 403, "KEY_NOT_ALLOWED")
    assert row_count(session, ApiKey) == 1
    assert api.post("/auth/token", {"username": "producer", "password": PASSWORD}).status_code == 200


def test_last_used_follows_the_key_s_use_at_most_once_a_minute(clocked, clock):
    from tests.factories import Api

    app, session, world = clocked
    session.scalar(select(User).where(User.username == "producer")).org_admin = True
    session.commit()
    api = Api(app.test_client())
    key = api.post("/auth/keys", {"name": "ERP"}, as_="producer").json["key"]
    first_use = clock.now
    assert api.client.get("/api/v1/manifests", headers=_bearer(key)).status_code == 200
    clock.advance(seconds=20)
    assert api.client.get("/api/v1/manifests", headers=_bearer(key)).status_code == 200
    listed = api.get("/auth/keys", as_="producer").json["items"][0]
    assert listed["last_used_at"] == first_use.astimezone(timezone(timedelta(hours=8))).isoformat()
    clock.advance(minutes=5)
    assert api.client.get("/api/v1/manifests", headers=_bearer(key)).status_code == 200
    listed = api.get("/auth/keys", as_="producer").json["items"][0]
    assert listed["last_used_at"] == clock.now.astimezone(timezone(timedelta(hours=8))).isoformat()


def test_the_system_admin_names_a_company_s_first_admin_and_a_regulator_cannot(api, world, session):
    producer = _user(session, "producer")
    assert_refused(api.post(f"/users/{producer.id}/org-admin", {"org_admin": True}, as_="kecheng_regulator"),
                   403, "NOT_ORG_ADMIN")
    assert not _user(session, "producer").org_admin
    response = api.post(f"/users/{producer.id}/org-admin", {"org_admin": True}, as_="admin")
    assert response.status_code == 200 and response.json["org_admin"] is True
    assert api.get("/company/users", as_="producer").status_code == 200
