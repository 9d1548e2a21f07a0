"""POST /auth/token and bearer authentication."""
from datetime import datetime

from tests.factories import assert_refused


def test_good_credentials_get_a_token_and_the_user(api, world):
    response = api.post("/auth/token", {"username": "producer", "password": "password123"})
    assert response.status_code == 200
    body = response.json
    assert len(body["token"]) > 30
    assert datetime.fromisoformat(body["expires_at"]).utcoffset() is not None
    assert body["user"]["username"] == "producer" and body["user"]["role"] == "producer"
    assert body["user"]["organization_id"] == world.producer.id and isinstance(body["user"]["id"], int)


def test_a_wrong_password_is_refused_with_401(api):
    response = api.post("/auth/token", {"username": "producer", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "UNAUTHORIZED"
    assert set(response.json["error"]) == {"code", "message", "details"}


def test_an_unknown_user_is_refused_with_401(api):
    response = api.post("/auth/token", {"username": "nobody", "password": "password123"})
    assert response.status_code == 401 and response.json["error"]["code"] == "UNAUTHORIZED"


def test_a_missing_password_is_a_validation_error(api):
    response = api.post("/auth/token", {"username": "producer"})
    assert response.status_code == 422 and response.json["error"]["code"] == "VALIDATION_ERROR"
    assert "password" in response.json["error"]["details"]


def test_a_deactivated_user_cannot_log_in(api, session):
    from tests.factories import user_named

    user_named(session, "producer").active = False
    session.commit()
    response = api.post("/auth/token", {"username": "producer", "password": "password123"})
    assert_refused(response, 401, "UNAUTHORIZED")
    assert "token" not in response.json


def test_a_request_without_a_token_is_refused_with_401(api):
    response = api.get("/manifests")
    assert response.status_code == 401 and response.json["error"]["code"] == "UNAUTHORIZED"


def test_an_invalid_token_is_refused_with_401(api):
    response = api.client.get("/api/v1/manifests", headers={"Authorization": "Bearer not-a-real-token"})
    assert response.status_code == 401 and response.json["error"]["code"] == "UNAUTHORIZED"


def test_a_non_bearer_scheme_is_refused_with_401(api):
    token = api.token("producer")
    response = api.client.get("/api/v1/manifests", headers={"Authorization": f"Basic {token}"})
    assert_refused(response, 401, "UNAUTHORIZED")


def test_an_empty_bearer_is_refused_with_401(api):
    assert_refused(api.client.get("/api/v1/manifests", headers={"Authorization": "Bearer "}), 401, "UNAUTHORIZED")


def test_an_expired_token_is_refused_with_401(api, session):
    from sqlalchemy import update

    from wastechain.models import ApiToken

    token = api.token("producer")
    session.execute(update(ApiToken).values(expires_at=datetime(2020, 1, 1).astimezone()))
    session.commit()
    response = api.client.get("/api/v1/manifests", headers={"Authorization": f"Bearer {token}"})
    assert_refused(response, 401, "UNAUTHORIZED")


def test_a_token_identifies_its_user(api):
    me = api.get("/auth/me", as_="driver")
    assert me.status_code == 200 and me.json["username"] == "driver" and me.json["role"] == "driver"
