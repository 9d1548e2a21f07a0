from flask import request

from wastechain.api.common import Blueprint, config
from wastechain.db import request_session, utcnow
from wastechain.services import scan
from wastechain.services.auth import user_for_token

bp = Blueprint("scan", __name__, description="扫码")


def _optional_user():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(request_session(), token.strip(), now=utcnow())


@bp.get("/scan/<token>")
@bp.response(200)
@bp.doc(security=[])
def resolve(token):
    """Resolve a QR token: anyone gets the kind and status; a logged-in party gets the detail and its next steps.

    A forged or altered token answers 404 INVALID_QR.
    """
    return scan.resolve(request_session(), secret=config("SECRET_KEY"), token=token, actor=_optional_user())
