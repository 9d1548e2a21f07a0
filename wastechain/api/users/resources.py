from wastechain.api.auth.schemas import UserOut
from wastechain.api.common import Blueprint, current_user, db, listed, login_required, page_schema, settings
from wastechain.api.users.schemas import (CompanyUserArgs, CompanyUserIn, OrgAdminIn, ResetPasswordIn, RevokedOut,
                                          UserIn)
from wastechain.services.accounts import auth, company, parties

bp = Blueprint("users", __name__, description="用户")


@bp.post("/users")
@login_required
@bp.arguments(UserIn)
@bp.response(201, UserOut)
def create_user(body):
    """Create an account (admin, regulator).

    An enterprise account created by a regulator has `pending_confirmation`: it cannot log in or act until the
    enterprise's admin confirms it (POST /users/{id}/confirm). `org_admin` makes it the enterprise's admin."""
    return parties.create_user(db(), actor=current_user(), hash_method=settings().password_hash_method, **body)


@bp.post("/users/<int:user_id>/tokens/revoke")
@login_required
@bp.response(200, RevokedOut)
def revoke_tokens(user_id):
    """Sign a user out everywhere (admin): revoke all their bearer tokens and page logins."""
    return auth.revoke_user_tokens(db(), actor=current_user(), user_id=user_id)


@bp.post("/users/<int:user_id>/confirm")
@login_required
@bp.response(200, UserOut)
def confirm_user(user_id):
    """Confirm an account a regulator created in the company (the enterprise's admin, or a system admin)."""
    return company.confirm_user(db(), actor=current_user(), user_id=user_id)


@bp.post("/users/<int:user_id>/org-admin")
@login_required
@bp.arguments(OrgAdminIn)
@bp.response(200, UserOut)
def set_org_admin(body, user_id):
    """Make an enterprise user its company's admin, or take it back (the company's admin for its colleagues; a
    system administrator for any enterprise user, e.g. to name a company's first admin)."""
    return company.set_org_admin(db(), actor=current_user(), user_id=user_id, org_admin=body["org_admin"])


@bp.get("/company/users")
@login_required
@bp.arguments(CompanyUserArgs, location="query")
@bp.response(200, page_schema(UserOut))
def company_users(args):
    """The accounts of the admin's own company (enterprise admin), by name and role."""
    return listed(company.list_users(db(), actor=current_user(), **args))


@bp.post("/company/users")
@login_required
@bp.arguments(CompanyUserIn)
@bp.response(201, UserOut)
def add_company_user(body):
    """Add a staff member or a driver to the admin's own company (enterprise admin); it can log in at once."""
    return company.add_company_user(db(), actor=current_user(), hash_method=settings().password_hash_method, **body)


@bp.post("/company/users/<int:user_id>/password")
@login_required
@bp.arguments(ResetPasswordIn)
@bp.response(200, RevokedOut)
def reset_password(body, user_id):
    """Set a new password for a colleague (enterprise admin): their page logins and tokens end."""
    return company.reset_password(db(), actor=current_user(), user_id=user_id, password=body["password"],
                                  hash_method=settings().password_hash_method)


@bp.post("/company/users/<int:user_id>/deactivate")
@login_required
@bp.response(200, UserOut)
def deactivate(user_id):
    """Deactivate a colleague's account (enterprise admin): signed out everywhere, its API keys stop working."""
    return company.set_active(db(), actor=current_user(), user_id=user_id, active=False)


@bp.post("/company/users/<int:user_id>/activate")
@login_required
@bp.response(200, UserOut)
def activate(user_id):
    """Reactivate a colleague's account (enterprise admin)."""
    return company.set_active(db(), actor=current_user(), user_id=user_id, active=True)
