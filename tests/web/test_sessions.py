"""Page logins: cookie flags, a random remember-me token per login that logout, expiry and revocation end."""
import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import func, select

from tests.conftest import TEST_CONFIG
from tests.factories import user_named
from tests.web.helpers import login
from wastechain import create_app
from wastechain.models import UserLogin
from wastechain.services.accounts.logins import revoke_logins
from wastechain.web.sessions import REMEMBER_COOKIE

PAGE = "/producer"


@pytest.fixture
def timed(clocked):
    """An app on a clock the test moves, with the usual world."""
    app, session, _world = clocked
    return app, session


def _remember_cookie(client) -> str:
    return client.get_cookie(REMEMBER_COOKIE).value


def _fresh_client_with(app, value: str, name: str = REMEMBER_COOKIE):
    """A browser that has only this cookie (no session): what a thief replaying a stolen cookie has."""
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def _logins(session) -> int:
    session.expire_all()
    count = session.scalar(select(func.count()).select_from(UserLogin))
    session.commit()  # ends the read: SQLite begins every transaction IMMEDIATE, so an open one blocks the app
    return count


def _id_of(session, username: str) -> int:
    user_id = user_named(session, username).id
    session.commit()
    return user_id


def _is_sent_to_login(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_and_remember_me_cookies_are_httponly_and_samesite_lax_and_not_secure_by_default(client, world):
    headers = login(client, "producer").headers.getlist("Set-Cookie")
    for name in ("session", REMEMBER_COOKIE):
        cookie = next(h for h in headers if h.startswith(name + "="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie, cookie
    assert not any(h.startswith("remember_token=") for h in headers)  # Flask-Login's own cookie is never set


def test_cookies_are_secure_when_session_cookie_secure_is_on(database_url, world):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "SESSION_COOKIE_SECURE": True})
    headers = login(app.test_client(), "producer").headers.getlist("Set-Cookie")
    for name in ("session", REMEMBER_COOKIE):
        cookie = next(h for h in headers if h.startswith(name + "="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    app.extensions["wastechain.engine"].dispose()


def test_the_remember_me_cookie_differs_on_every_login(app, world):
    first, second = app.test_client(), app.test_client()
    login(first, "producer")
    login(second, "producer")
    assert _remember_cookie(first) != _remember_cookie(second)
    assert len(_remember_cookie(first)) >= 40 and "|" not in _remember_cookie(first)


def test_the_remember_me_cookie_logs_a_fresh_browser_in(app, world):
    client = app.test_client()
    login(client, "producer")
    replay = _fresh_client_with(app, _remember_cookie(client))
    assert replay.get(PAGE).status_code == 200
    assert replay.get(PAGE).status_code == 200  # the resumed login is kept in the session


def test_after_logout_neither_the_old_remember_me_cookie_nor_the_old_session_works(app, session, world):
    client = app.test_client()
    login(client, "producer")
    stolen_token = _remember_cookie(client)
    stolen_session = client.get_cookie("session").value
    assert _logins(session) == 1
    client.post("/logout")
    assert _logins(session) == 0
    assert _is_sent_to_login(_fresh_client_with(app, stolen_token).get(PAGE))
    assert _is_sent_to_login(_fresh_client_with(app, stolen_session, name="session").get(PAGE))


def test_logging_out_in_one_browser_keeps_the_other_logins(app, session, world):
    phone, desk = app.test_client(), app.test_client()
    login(phone, "producer")
    login(desk, "producer")
    phone.post("/logout")
    assert desk.get(PAGE).status_code == 200
    assert _fresh_client_with(app, _remember_cookie(desk)).get(PAGE).status_code == 200
    assert _logins(session) == 1


def test_the_remember_me_cookie_expires_after_login_ttl_days(timed, clock):
    app, _session = timed
    client = app.test_client()
    login(client, "producer")
    token = _remember_cookie(client)
    clock.advance(days=29, hours=23)
    assert _fresh_client_with(app, token).get(PAGE).status_code == 200
    clock.advance(hours=2)
    expired = _fresh_client_with(app, token)
    response = expired.get(PAGE)
    assert _is_sent_to_login(response)
    assert any(h.startswith(REMEMBER_COOKIE + "=;") for h in response.headers.getlist("Set-Cookie"))  # dropped
    assert _is_sent_to_login(client.get(PAGE))  # the session of an expired login ends too


def test_a_forged_flask_login_remember_cookie_is_refused_even_signed_with_the_key(app, session, world):
    producer_id = _id_of(session, "producer")
    with app.test_request_context():
        forged = encode_cookie(str(producer_id))  # user_id|HMAC(SECRET_KEY): what the old cookie was
    assert _is_sent_to_login(_fresh_client_with(app, forged, name="remember_token").get(PAGE))
    assert _is_sent_to_login(_fresh_client_with(app, f"{producer_id}|anything").get(PAGE))
    assert _logins(session) == 0


def test_a_session_forged_without_a_login_is_refused(app, session, world):
    producer_id = _id_of(session, "producer")
    client = app.test_client()
    with client.session_transaction() as forged:
        forged["_user_id"] = str(producer_id)
        forged["_fresh"] = True
    assert _is_sent_to_login(client.get(PAGE))


def test_revoke_logins_ends_every_page_login_of_the_user(app, session, world):
    phone, desk = app.test_client(), app.test_client()
    login(phone, "producer")
    login(desk, "producer")
    login(app.test_client(), "receiver")
    token = _remember_cookie(phone)
    assert revoke_logins(session, user=user_named(session, "producer")) == 2  # commits
    assert _is_sent_to_login(phone.get(PAGE)) and _is_sent_to_login(desk.get(PAGE))
    assert _is_sent_to_login(_fresh_client_with(app, token).get(PAGE))
    assert _logins(session) == 1  # the receiver's login stays


def test_a_deactivated_user_cannot_resume_a_login(app, session, world):
    client = app.test_client()
    login(client, "producer")
    user_named(session, "producer").active = False
    session.commit()
    assert _is_sent_to_login(_fresh_client_with(app, _remember_cookie(client)).get(PAGE))
    assert _is_sent_to_login(client.get(PAGE))
