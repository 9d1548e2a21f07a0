from wastechain.api.auth.schemas import TokenOut, TokenRequest, UserOut
from wastechain.api.common import Blueprint, config, current_user, login_required
from wastechain.db import request_session, utcnow
from wastechain.services import auth

bp = Blueprint("auth", __name__, description="登录与令牌")


@bp.post("/auth/token")
@bp.arguments(TokenRequest)
@bp.response(200, TokenOut)
def create_token(body):
    """Exchange a username and password for a bearer token."""
    token, record = auth.issue_token(request_session(), username=body["username"], password=body["password"],
                                     now=utcnow(), ttl_hours=config("TOKEN_TTL_HOURS"))
    return {"token": token, "expires_at": record.expires_at, "user": record.user}


@bp.get("/auth/me")
@bp.response(200, UserOut)
@login_required
def me():
    """The logged-in user."""
    return current_user()
