from wastechain.api.auth.schemas import TokenOut, TokenRequest, UserOut
from wastechain.api.common import Blueprint, current_user, db, login_required, now, settings
from wastechain.services.accounts import auth

bp = Blueprint("auth", __name__, description="登录与令牌")


@bp.post("/auth/token")
@bp.arguments(TokenRequest)
@bp.response(200, TokenOut)
def create_token(body):
    """Exchange a username and password for a bearer token."""
    token, record = auth.issue_token(db(), username=body["username"], password=body["password"], now=now(),
                                     ttl_hours=settings().token_ttl_hours)
    return {"token": token, "expires_at": record.expires_at, "user": record.user}


@bp.get("/auth/me")
@login_required
@bp.response(200, UserOut)
def me():
    """The logged-in user."""
    return current_user()
