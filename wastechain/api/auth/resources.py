
from wastechain.api.auth.schemas import TokenOut, TokenRequest, UserOut
from wastechain.api.common import Blueprint, bearer_token, current_user, db, login_required, now, settings
from wastechain import throttle
from wastechain.services.accounts import auth

bp = Blueprint("auth", __name__, description="登录与令牌")


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
