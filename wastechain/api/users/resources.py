from wastechain.api.auth.schemas import UserOut
from wastechain.api.common import Blueprint, config, current_user, login_required
from wastechain.api.users.schemas import UserIn
from wastechain.db import request_session
from wastechain.services import parties

bp = Blueprint("users", __name__, description="用户")


@bp.post("/users")
@bp.arguments(UserIn)
@bp.response(201, UserOut)
@login_required
def create_user(body):
    """Create an account (admin, regulator)."""
    return parties.create_user(request_session(), actor=current_user(), hash_method=config("PASSWORD_HASH_METHOD"),
                               **body)
