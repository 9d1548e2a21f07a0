from wastechain.api.auth.schemas import (KeyCreatedOut, KeyIn, KeyOut, PasswordChangedOut, PasswordIn, TokenOut,
                                         TokenRequest, UserOut)
from wastechain.api.common import (Blueprint, PageArgs, bearer_token, current_user, db, listed, login_required, now,
                                   page_schema, paging, settings)
from wastechain import throttle
from wastechain.domain.errors import Forbidden
from wastechain.domain.text import N_
from wastechain.services.accounts import auth, keys

bp = Blueprint("auth", __name__, description="登录与令牌")


def _not_with_a_key() -> None:
    """An API key runs an integration: it never changes passwords or makes and revokes keys (a leaked key cannot
    entrench itself); those need a person's login token."""
    if (bearer_token() or "").startswith(keys.KEY_PREFIX):
        raise Forbidden(N_("接口密钥不能用于修改密码或管理密钥，请用账号登录"), code="KEY_NOT_ALLOWED")


@bp.post("/auth/token")
@bp.arguments(TokenRequest)
@bp.response(200, TokenOut)
def create_token(body):
    """Exchange a username and password for a bearer token.

    A user holds at most MAX_TOKENS_PER_USER live tokens (default 5): a new token revokes the oldest.
    Attempts are limited per username and per client address (shared with the page login): past a limit the
    answer is 429 TOO_MANY_REQUESTS with Retry-After.
    """
    throttle.login_attempt(body["username"])
    token, record = auth.issue_token(db(), username=body["username"], password=body["password"],
                                     gate=throttle.password_gate(), now=now(),
                                     ttl_hours=settings().token_ttl_hours,
                                     max_live=settings().max_tokens_per_user)
    return {"token": token, "expires_at": record.expires_at, "user": record.user}


@bp.get("/auth/me")
@login_required
@bp.response(200, UserOut)
def me():
    """The logged-in user."""
    return current_user()


@bp.post("/auth/logout")
@login_required
@bp.response(204)
def logout():
    """Revoke the bearer token of this request: it is refused (401) from now on."""
    auth.revoke_token(db(), token=bearer_token())


@bp.post("/auth/password")
@login_required
@bp.arguments(PasswordIn)
@bp.response(200, PasswordChangedOut)
def change_password(body):
    """Change one's own password (the current one proves it): every page login and bearer token of the user ends,
    this request's token included. The company's API keys stay (revoke them under /auth/keys)."""
    _not_with_a_key()
    throttle.login_attempt(current_user().username)
    return auth.change_password(db(), user=current_user(), current_password=body["current_password"],
                                new_password=body["new_password"], hash_method=settings().password_hash_method,
                                gate=throttle.password_gate())


@bp.get("/auth/keys")
@login_required
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_schema(KeyOut))
def list_keys(args):
    """The company's API keys (its admin): name, prefix, acting user, created, last used, revoked."""
    return listed(keys.list_keys(db(), actor=current_user(), **paging(args)))


@bp.post("/auth/keys")
@login_required
@bp.arguments(KeyIn)
@bp.response(201, KeyCreatedOut)
def create_key(body):
    """Create an API key for the company's own systems (its admin): long-lived, acting as the named company user
    (default: the admin). The key is in this answer only; send it as `Authorization: Bearer <key>`."""
    _not_with_a_key()
    key, record = keys.create_key(db(), actor=current_user(), name=body["name"], user_id=body["user_id"], now=now())
    shown = {name: getattr(record, name) for name in ("id", "name", "prefix", "user_id", "created_at",
                                                       "last_used_at", "revoked_at")}
    return {**shown, "user": record.user, "key": key}, 201, {"Cache-Control": "no-store"}


@bp.delete("/auth/keys/<int:key_id>")
@login_required
@bp.response(200, KeyOut)
def revoke_key(key_id):
    """Revoke one of the company's API keys (its admin): refused (401) from the next request on."""
    _not_with_a_key()
    return keys.revoke_key(db(), actor=current_user(), key_id=key_id, now=now())
