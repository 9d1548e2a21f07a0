"""API keys for an enterprise's own systems (ERP integration), issue 13 item 8.

A key acts as one named, active user of the company (by default the admin who creates it; better a dedicated
account such as `erp_sync` with the role the integration needs): the API sees exactly that user's role and
visibility, and every step it records names that user. Shown once; only its SHA-256 is kept, with a short prefix to
recognise it; revocable; its last use is recorded (at most once a minute, so reads do not all write). A key stops
working when it is revoked, when its user is deactivated or leaves the company.
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from wastechain.domain.errors import Conflict, NotFound, ValidationFailed
from wastechain.domain.text import N_, clean_text
from wastechain.models import ApiKey, User
from wastechain.services import access
from wastechain.services.common import Page, paginate, transactional

KEY_PREFIX = "wck_"  # a company API key, told apart from a login token (services.accounts.auth) by this prefix
TOUCH_EVERY = timedelta(minutes=1)
MAX_LIVE_KEYS = 20  # per company: keys do not pile up unnoticed


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transactional
def create_key(session, *, actor: User, name: str, now: datetime, user_id: int | None = None) -> tuple[str, ApiKey]:
    """A new key of the admin's company acting as `user_id` (default: the admin); returns the key, shown once."""
    org_id = access.require_org_admin(actor)
    name = clean_text(name, field="name", max_length=100, required=True)
    user = access.company_user(session, actor, user_id if user_id is not None else actor.id)
    if not user.is_active:
        raise ValidationFailed(N_("该账号已停用或待确认，不能为其创建密钥"), details={"user_id": "inactive"})
    live = session.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.organization_id == org_id,
                                                                       ApiKey.revoked_at.is_(None)))
    if live >= MAX_LIVE_KEYS:
        raise Conflict(N_("本单位的有效密钥已达 {n} 个，请先吊销不用的密钥"), params={"n": MAX_LIVE_KEYS},
                       code="TOO_MANY_KEYS")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(organization_id=org_id, user_id=user.id, name=name, prefix=key[:12], key_hash=_hash(key),
                    created_by_id=actor.id, created_at=now)
    session.add(record)
    session.flush()
    return key, record


def list_keys(session, *, actor: User, page: int = 1, per_page: int = 50) -> Page[ApiKey]:
    """The company's keys, live first, newest first."""
    org_id = access.require_org_admin(actor)
    query = select(ApiKey).where(ApiKey.organization_id == org_id) \
        .order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())
    return paginate(session, query, page=page, per_page=per_page)


@transactional
def revoke_key(session, *, actor: User, key_id: int, now: datetime) -> ApiKey:
    """Revokes one of the company's keys: refused (401) from the next request on."""
    org_id = access.require_org_admin(actor)
    record = session.get(ApiKey, key_id)
    if record is None or record.organization_id != org_id:
        raise NotFound(N_("密钥 {id} 不存在或不属于本单位"), params={"id": key_id})
    if record.revoked_at is None:
        record.revoked_at = now
    session.flush()
    return record


@transactional
def _touch(session, record: ApiKey, now: datetime) -> None:
    record.last_used_at = now


def user_for_key(session, key: str, *, now: datetime) -> User | None:
    """The user a live key acts as (recording its use), or None: unknown, revoked, user inactive or gone."""
    record = session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key)))
    if record is None or record.revoked_at is not None:
        return None
    user = record.user
    if not user.is_active or user.organization_id != record.organization_id:
        return None
    if record.last_used_at is None or now - record.last_used_at >= TOUCH_EVERY:
        _touch(session, record, now)
    return user
