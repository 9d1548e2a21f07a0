from wastechain.api.auth.schemas import UserOut
from wastechain.api.common import Blueprint, current_user, db, login_required, settings
from wastechain.api.users.schemas import UserIn
from wastechain.services.accounts import parties

bp = Blueprint("users", __name__, description="用户")


@bp.post("/users")
@login_required
@bp.arguments(UserIn)
@bp.response(201, UserOut)
def create_user(body):
    """Create an account (admin, regulator)."""
    return parties.create_user(db(), actor=current_user(), hash_method=settings().password_hash_method, **body)
