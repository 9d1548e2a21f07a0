"""Page logins in Flask: the session and remember-me cookies of one revocable login (services.accounts.logins).

Flask-Login keeps the user id in the session; we add the login's id, and the user loader accepts the session only
while that login is live. Flask-Login's own remember-me cookie (`user_id|HMAC`, the same on every login) is never
set, and one presented is refused: its session has no login. Our remember-me cookie carries the login's random
token; a request without a live session but with a live token resumes that login.
"""
from flask import g, request, session
from flask_login import current_user, login_user, logout_user

from wastechain.requestctx import db, now, settings
from wastechain.services.accounts import logins

REMEMBER_COOKIE = "wastechain_login"
LOGIN_KEY = "login_id"


def load_user(user_id: str):
    """Flask-Login's user loader: the session's user while its login is live."""
    login_id = session.get(LOGIN_KEY)
    if not isinstance(login_id, int) or not user_id.isdigit():
        return None
    return logins.user_of_login(db(), login_id=login_id, user_id=int(user_id), now=now())


def log_in(user) -> str:
    """Starts a page login for an authenticated user; returns the remember-me token for remember(response)."""
    token, login = logins.open_login(db(), user=user, now=now(), ttl_days=settings().login_ttl_days)
    login_user(user, remember=False)
    session[LOGIN_KEY] = login.id
    return token


def log_out() -> None:
    """Ends this page login: its session and remember-me cookie stop working, here and anywhere replayed."""
    login_id = session.pop(LOGIN_KEY, None)
    if isinstance(login_id, int):
        logins.close_login(db(), login_id=login_id)
    resumed = logins.login_for_token(db(), request.cookies.get(REMEMBER_COOKIE, ""), now=now())
    if resumed is not None and current_user.is_authenticated and resumed.user_id == current_user.id:
        logins.close_login(db(), login_id=resumed.id)
    logout_user()
    g.forget_login = True


def remember(response, token: str):
    """Sets the remember-me cookie of a new login on its response."""
    response.set_cookie(REMEMBER_COOKIE, token, max_age=settings().login_ttl_days * 86400, path="/",
                        secure=settings().session_cookie_secure, httponly=True, samesite="Lax")
    return response


def resume_login() -> None:
    """Before a request: no live session but a live remember-me token → that login again."""
    if request.path.startswith(("/static/", "/api/")) or current_user.is_authenticated:
        return
    token = request.cookies.get(REMEMBER_COOKIE)
    if not token:
        return
    login = logins.login_for_token(db(), token, now=now())
    if login is None:
        g.forget_login = True  # expired, revoked or forged: drop it
        return
    login_user(login.user, remember=False)
    session[LOGIN_KEY] = login.id


def forget_login(response):
    """After a request: deletes a remember-me cookie that no longer names a live login."""
    if g.pop("forget_login", False):
        response.delete_cookie(REMEMBER_COOKIE, path="/", secure=settings().session_cookie_secure, httponly=True,
                               samesite="Lax")
    return response


def init_app(app) -> None:
    """Cookie flags from the settings; the login loader and the remember-me hooks."""
    secure = app.extensions["wastechain.settings"].session_cookie_secure
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=secure,
                      REMEMBER_COOKIE_HTTPONLY=True, REMEMBER_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_SECURE=secure)
    app.before_request(resume_login)
    app.after_request(forget_login)


__all__ = ["REMEMBER_COOKIE", "init_app", "load_user", "log_in", "log_out", "remember"]
