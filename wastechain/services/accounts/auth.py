"""Accounts and bearer tokens."""
import hashlib
import secrets
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import cached_property

from sqlalchemy import bindparam, delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from wastechain.domain.errors import Busy, Conflict, NotFound, Unauthorized, ValidationFailed
from wastechain.domain.text import N_, clean_text
from wastechain.domain.vocabulary import Role, values
from wastechain.models import ApiToken, User, UserLogin
from wastechain.services import access
from wastechain.services.accounts import keys
from wastechain.services.accounts.logins import revoke_logins
from wastechain.services.common import transactional

ROLES = values(Role)
MIN_PASSWORD = 8
NAME_LENGTH = 64  # User.display_name


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hash_password(password: str, method: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationFailed(N_("密码至少 {n} 位"), params={"n": MIN_PASSWORD}, details={"password": "too short"})
    return generate_password_hash(password, method=method)


def person_name(value: str | None) -> str | None:
    """A person's name as typed (王建国), trimmed; empty means none (pages then show the login)."""
    return clean_text(value, field="display_name", max_length=NAME_LENGTH) or None


def add_user(session, *, username: str, password: str, role: str, hash_method: str,
             organization_id: int | None = None, region_code: str | None = None,
             display_name: str | None = None) -> User:
    """Adds a user to the session (the caller commits); usernames are unique."""
    if role not in ROLES:
        raise ValidationFailed(N_("未知角色：{role}"), params={"role": role}, details={"role": f"one of {', '.join(ROLES)}"})
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(N_("用户名 {username} 已存在"), params={"username": username}, code="DUPLICATE")
    user = User(username=username, password_hash=hash_password(password, hash_method), role=role,
                organization_id=organization_id, region_code=region_code, display_name=person_name(display_name))
    session.add(user)
    session.flush()
    return user


@transactional
def create_admin(session, *, username: str, password: str, hash_method: str) -> User:
    """Creates an administrator account."""
    return add_user(session, username=username, password=password, role=Role.ADMIN, hash_method=hash_method)


class PasswordGate:
    """The process's password checks: at most `size` at once, each caller waiting `wait_seconds` at most.

    A password hash (scrypt) is slow on purpose; a flood of logins running them all at once starves every request
    of the CPU. Past the wait the login is refused as Busy (503) instead of queueing without end. One gate per app,
    built at start-up (wastechain.throttle).
    """

    def __init__(self, *, size: int, wait_seconds: float, hash_method: str):
        self._slots = threading.BoundedSemaphore(size)
        self.wait_seconds = wait_seconds
        self.hash_method = hash_method

    @cached_property
    def dummy_hash(self) -> str:
        """A hash of a random password made with the users' method: what an unknown username is checked against."""
        return generate_password_hash(secrets.token_urlsafe(16), method=self.hash_method)

    @contextmanager
    def slot(self):
        """One of the gate's slots, or Busy when none frees up within wait_seconds."""
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise Busy(N_("登录请求过多，请稍后重试"))
        try:
            yield
        finally:
            self._slots.release()

    def check(self, password_hash: str, password: str) -> bool:
        with self.slot():
            return check_password_hash(password_hash, password)


def authenticate(session, *, username: str, password: str, gate: PasswordGate) -> User | None:
    """The active user with this username and password, or None.

    Unknown and deactivated users cost the same password check as a wrong password (against a dummy hash for an
    unknown name), so the time of the answer does not tell which usernames exist.
    """
    user = session.scalar(select(User).where(User.username == username))
    matches = gate.check(user.password_hash if user is not None else gate.dummy_hash, password or "")
    if user is None or not user.is_active or not matches:
        return None
    return user


@transactional
def issue_token(session, *, username: str, password: str, gate: PasswordGate, now: datetime, ttl_hours: int,
                max_live: int = 5) -> tuple[str, ApiToken]:
    """Exchanges a username and password for a bearer token; only the token's hash is kept.

    A user holds at most `max_live` live tokens: the oldest are revoked, so tokens cannot pile up unnoticed.
    """
    user = authenticate(session, username=username, password=password, gate=gate)
    if user is None:
        raise Unauthorized(N_("用户名或密码错误"))
    token = secrets.token_urlsafe(32)
    record = ApiToken(user_id=user.id, token_hash=_token_hash(token), expires_at=now + timedelta(hours=ttl_hours),
                      created_at=now)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at <= now))
    kept = select(ApiToken.id).where(ApiToken.user_id == user.id) \
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()).limit(max(max_live - 1, 0))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id, ApiToken.id.not_in(kept.scalar_subquery()))
                    .execution_options(synchronize_session=False))
    session.add(record)
    session.flush()
    return token, record


@transactional
def revoke_token(session, *, token: str) -> None:
    """Logs a bearer token out (POST /auth/logout): it is refused from now on."""
    session.execute(delete(ApiToken).where(ApiToken.token_hash == _token_hash(token)))


@transactional
def revoke_user_tokens(session, *, actor: User, user_id: int) -> dict:
    """An administrator signs a user out everywhere: every bearer token and every page login."""
    access.require_role(actor, Role.ADMIN, doing=N_("吊销用户令牌"))
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("用户不存在"))
    tokens = session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount
    return {"user_id": user.id, "revoked_tokens": tokens, "revoked_logins": revoke_logins(session, user=user)}


_TOKEN_USER = (select(User).join(ApiToken, ApiToken.user_id == User.id)  # built once: every API request runs it
               .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.expires_at > bindparam("now"),
                      User.active.is_(True), User.pending_confirmation.is_(False)))


def user_for_token(session, token: str, *, now: datetime) -> User | None:
    """The user a bearer credential acts for: a login token (POST /auth/token) or a company's API key."""
    if token.startswith(keys.KEY_PREFIX):
        return keys.user_for_key(session, token, now=now)
    return session.scalar(_TOKEN_USER, {"token_hash": _token_hash(token), "now": now})  # one query


@transactional
def sign_out_everywhere(session, *, user: User, keep_login_id: int | None = None) -> dict:
    """Ends a user's page logins (all but `keep_login_id`, the one making the change) and every bearer token."""
    logins_query = delete(UserLogin).where(UserLogin.user_id == user.id)
    if keep_login_id is not None:
        logins_query = logins_query.where(UserLogin.id != keep_login_id)
    ended = session.execute(logins_query).rowcount
    tokens = session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount
    return {"user_id": user.id, "revoked_tokens": tokens, "revoked_logins": ended}


@transactional
def change_password(session, *, user: User, current_password: str, new_password: str, hash_method: str,
                    gate: PasswordGate, keep_login_id: int | None = None) -> dict:
    """Everyone changes their own password, proving the current one; every other page login and every bearer
    token of the user ends (a stolen session or token stops working). The company's API keys stay: they belong to
    the integration, not to a person's login, and are revoked on their own page."""
    me = session.get(User, user.id)
    if not gate.check(me.password_hash, current_password or ""):
        raise ValidationFailed(N_("当前密码不正确"), code="WRONG_PASSWORD",
                               details={"current_password": "does not match"})
    if new_password == current_password:
        raise ValidationFailed(N_("新密码不能与当前密码相同"), details={"new_password": "unchanged"})
    me.password_hash = hash_password(new_password, hash_method)
    return sign_out_everywhere(session, user=me, keep_login_id=keep_login_id)

