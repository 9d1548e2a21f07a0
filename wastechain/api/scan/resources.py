from wastechain.api.common import Blueprint, bearer_user, db, settings
from wastechain.services import scan

bp = Blueprint("scan", __name__, description="扫码")


@bp.get("/scan/<token>")
@bp.response(200)
@bp.doc(security=[])
def resolve(token):
    """Resolve a QR token: anyone gets the kind and status; a logged-in party gets the detail and its next steps.

    A forged or altered token answers 404 INVALID_QR.
    """
    return scan.resolve(db(), secret=settings().secret_key, token=token, actor=bearer_user())
