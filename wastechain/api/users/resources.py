from wastechain.api.auth.schemas import UserOut
from wastechain.api.common import Blueprint, current_user, db, login_required, settings
from wastechain.api.users.schemas import RevokedOut, UserIn
from wastechain.services.accounts import auth, parties

bp = Blueprint("users", __name__, description="用户")


@bp.post("/users")
@login_required
@bp.arguments(UserIn)
@bp.response(201, UserOut)
def create_user(body):
    """Create an account (admin, regulator)."""
    return parties.create_user(db(), actor=current_user(), hash_method=settings().password_hash_method, **body)


@bp.post("/users/<int:user_id>/tokens/revoke")
@login_required
@bp.response(200, RevokedOut)
def revoke_tokens(user_id):
    """Sign a user out everywhere (admin): revoke all their bearer tokens and page logins."""
    return auth.revoke_user_tokens(db(), actor=current_user(), user_id=user_id)
