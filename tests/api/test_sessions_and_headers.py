"""Revocable API tokens (logout, admin revocation, a cap per user), the request size limit and security headers."""
import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, assert_refused, build_world, user_named
from tests.web.helpers import login, refused_page
from wastechain import create_app
from wastechain.models import ApiToken, User, UserLogin
from wastechain.web.sessions import REMEMBER_COOKIE


def _count(session, model) -> int:
    session.expire_all()
    count = session.scalar(select(func.count()).select_from(model))
    session.commit()  # SQLite: an open read transaction would block the app's writers
    return count


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _new_token(client, username: str = "producer") -> str:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.json
    return response.json["token"]


def test_a_bearer_token_is_refused_after_auth_logout(client, session, world):
    token = _new_token(client)
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
    response = client.post("/api/v1/auth/logout", headers=_bearer(token))
    assert response.status_code == 204
    assert_refused(client.get("/api/v1/auth/me", headers=_bearer(token)), 401, "UNAUTHORIZED")
    assert_refused(client.post("/api/v1/auth/logout", headers=_bearer(token)), 401, "UNAUTHORIZED")
    assert _count(session, ApiToken) == 0


def test_auth_logout_revokes_only_the_callers_token(client, session, world):
    phone, laptop = _new_token(client), _new_token(client)
    client.post("/api/v1/auth/logout", headers=_bearer(phone))
    assert client.get("/api/v1/auth/me", headers=_bearer(laptop)).status_code == 200
    assert _count(session, ApiToken) == 1


def test_auth_logout_without_a_token_is_refused(client, session, world):
    _new_token(client)
    assert_refused(client.post("/api/v1/auth/logout"), 401, "UNAUTHORIZED")
    assert _count(session, ApiToken) == 1


def test_an_admin_revokes_every_token_and_page_login_of_a_user(api, app, session, world):
    tokens = [_new_token(api.client) for _ in range(2)]
    other = _new_token(api.client, "receiver")
    browser = app.test_client()
    login(browser, "producer")
    producer_id = user_named(session, "producer").id
    session.commit()
    response = api.post(f"/users/{producer_id}/tokens/revoke", as_="admin")
    assert response.status_code == 200
    assert response.json == {"user_id": producer_id, "revoked_tokens": 2, "revoked_logins": 1}
    for token in tokens:
        assert_refused(api.client.get("/api/v1/auth/me", headers=_bearer(token)), 401, "UNAUTHORIZED")
    assert api.client.get("/api/v1/auth/me", headers=_bearer(other)).status_code == 200
    assert browser.get("/producer").status_code == 302


@pytest.mark.parametrize("username", ["city_regulator", "producer"])
def test_only_an_admin_may_revoke_a_users_tokens(api, session, world, username):
    _new_token(api.client)
    api.token(username)
    producer_id = user_named(session, "producer").id
    session.commit()
    before = _count(session, ApiToken)
    error = assert_refused(api.post(f"/users/{producer_id}/tokens/revoke", as_=username), 403, "FORBIDDEN")
    assert error["details"]["allowed_roles"] == ["admin"]
    assert _count(session, ApiToken) == before


def test_revoking_the_tokens_of_an_unknown_user_is_not_found(api, session, world):
    api.token("admin")
    before = _count(session, ApiToken)
    assert_refused(api.post("/users/999999/tokens/revoke", as_="admin"), 404, "NOT_FOUND")
    assert _count(session, ApiToken) == before


def test_a_user_holds_at_most_max_tokens_per_user_and_the_oldest_is_dropped(database_url):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "MAX_TOKENS_PER_USER": 2})
    with app.extensions["wastechain.sessions"]() as session:
        build_world(session)
        session.commit()
        client = app.test_client()
        first, second, third = (_new_token(client) for _ in range(3))
        assert_refused(client.get("/api/v1/auth/me", headers=_bearer(first)), 401, "UNAUTHORIZED")
        for token in (second, third):
            assert client.get("/api/v1/auth/me", headers=_bearer(token)).status_code == 200
        _new_token(client, "receiver")  # another user's tokens do not count against this one's
        assert client.get("/api/v1/auth/me", headers=_bearer(second)).status_code == 200
        assert _count(session, ApiToken) == 3
    app.extensions["wastechain.engine"].dispose()


def test_the_openapi_document_lists_logout_and_token_revocation(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/auth/logout"]
    assert "post" in paths["/api/v1/users/{user_id}/tokens/revoke"]


def test_an_oversized_api_body_is_refused_with_413_and_writes_nothing(api, session, world):
    api.token("admin")
    before = _count(session, User)
    response = api.client.post("/api/v1/users", headers=_bearer(api.token("admin")),
                               json={"username": "huge_one", "password": "x" * (3 * 1024 * 1024), "role": "admin"})
    assert_refused(response, 413, "TOO_LARGE")
    assert _count(session, User) == before


def test_an_oversized_form_gets_a_readable_413_page_and_logs_nobody_in(client, session, world):
    response = client.post("/login", data={"username": "producer", "password": PASSWORD, "next": "x" * (3 << 20)})
    refused_page(response, 413)
    assert REMEMBER_COOKIE not in response.headers.get("Set-Cookie", "")
    assert _count(session, UserLogin) == 0


def _assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_security_headers_are_on_pages_api_answers_and_errors(api, client, world):
    _assert_security_headers(client.get("/login"))
    _assert_security_headers(api.get("/auth/me", as_="producer"))
    _assert_security_headers(client.get("/api/v1/manifests"))  # a 401
    _assert_security_headers(client.get("/no-such-page"))  # a 404 page


def test_pages_carry_no_inline_script_or_style(client, world):
    login(client, "producer")
    for path in ("/login", "/producer", "/"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "<style" not in page and " onclick=" not in page, path


def test_hsts_only_when_secure_cookies_are_on(database_url, client, world):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "SESSION_COOKIE_SECURE": True})
    response = secure.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    _assert_security_headers(response)
    secure.extensions["wastechain.engine"].dispose()
