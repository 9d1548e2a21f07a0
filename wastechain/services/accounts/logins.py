"""Page logins: a random remember-me token per login, stored hashed, expiring, revoked on logout.

Each page login is one `UserLogin` row. The session cookie names the row and the remember-me cookie carries its
token, so deleting the row (logout, `revoke_logins`) ends both, and an expired row restores nothing. This replaces
Flask-Login's `user_id|HMAC` cookie, which is the same on every login and outlives logout.
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from wastechain.models import User, UserLogin
from wastechain.services.common import transactional


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transactional
def open_login(session, *, user: User, now: datetime, ttl_days: int) -> tuple[str, UserLogin]:
    """Starts a page login for an authenticated user: returns the remember-me token (only its hash is kept)."""
    session.execute(delete(UserLogin).where(UserLogin.user_id == user.id, UserLogin.expires_at <= now))
    token = secrets.token_urlsafe(32)
    login = UserLogin(user_id=user.id, token_hash=_hash(token), expires_at=now + timedelta(days=ttl_days),
                      created_at=now)
    session.add(login)
    session.flush()
    return token, login


def login_for_token(session, token: str, *, now: datetime) -> UserLogin | None:
    """The live login of a remember-me token (unexpired, not revoked, its user active), or None."""
    if not token:
        return None
    login = session.scalar(select(UserLogin).where(UserLogin.token_hash == _hash(token)))
    return login if _live(login, now) else None


def user_of_login(session, *, login_id: int, user_id: int, now: datetime) -> User | None:
    """The user of a session's login while that login is live and belongs to the user, else None."""
    login = session.get(UserLogin, login_id)
    return login.user if _live(login, now) and login.user_id == user_id else None


def _live(login: UserLogin | None, now: datetime) -> bool:
    return login is not None and login.expires_at > now and login.user.is_active


@transactional
def close_login(session, *, login_id: int) -> None:
    """Logs one page login out: its session and remember-me cookie stop working."""
    session.execute(delete(UserLogin).where(UserLogin.id == login_id))


@transactional
def revoke_logins(session, *, user: User) -> int:
    """Ends every page login of a user (for a password change or a lost phone); returns how many."""
    return session.execute(delete(UserLogin).where(UserLogin.user_id == user.id)).rowcount
