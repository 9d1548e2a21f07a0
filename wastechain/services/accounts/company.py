"""Company administration: an enterprise's own admin manages its people, sites and vehicles (issue 13 item 8).

The admin is a flag on a user (`org_admin`), not a role of its own: a producer's admin still issues manifests, a
carrier's admin still dispatches. Everything here stays inside the admin's organization (access.company_user
answers 404 for a user of another one). Accounts a regulator created inside a company wait for the company admin's
confirmation before they can act (issue 11 item 10).
"""
from decimal import Decimal

from sqlalchemy import func, or_, select

from wastechain.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import Role
from wastechain.models import Organization, Region, Site, User, Vehicle
from wastechain.services import access
from wastechain.services.accounts import parties
from wastechain.services.accounts.auth import add_user, hash_password, sign_out_everywhere
from wastechain.services.common import Page, paginate, transactional, whole

# The roles of users a company may have, by the organization's roles (a carrier has staff and drivers).
USER_ROLES_OF = {Role.PRODUCER: (Role.PRODUCER,), Role.COLLECTOR: (Role.COLLECTOR,),
                 Role.TRANSPORTER: (Role.TRANSPORTER, Role.DRIVER), Role.RECEIVER: (Role.RECEIVER,)}


def own_organization(session, *, actor: User) -> Organization:
    """The organization the actor administers (403 for anyone who is not its admin)."""
    return session.get(Organization, access.require_org_admin(actor))


def user_roles_for(org: Organization) -> list[str]:
    """The roles an admin may give the company's users."""
    return [role.value for org_role, roles in USER_ROLES_OF.items() if org.has_role(org_role) for role in roles]


def list_users(session, *, actor: User, q: str | None = None, role: str | None = None, page: int = 1,
               per_page: int = 50) -> Page[User]:
    """The company's accounts: those awaiting confirmation first, then by name."""
    org_id = access.require_org_admin(actor)
    query = select(User).where(User.organization_id == org_id)
    if q:
        query = query.where(or_(User.username.like(f"%{q}%"), User.display_name.like(f"%{q}%")))
    if role:
        query = query.where(User.role == role)
    query = query.order_by(User.pending_confirmation.desc(), User.username)
    return paginate(session, query, page=page, per_page=per_page)


def company_user(session, *, actor: User, user_id: int) -> User:
    """One account of the admin's company (404 for another company's)."""
    return access.company_user(session, actor, user_id)


def _role_allowed(org: Organization, role: str) -> None:
    if role not in user_roles_for(org):
        raise ValidationFailed(N_("本单位不能创建该角色的账号"), details={"role": "not a role of this organization"})


@transactional
def add_company_user(session, *, actor: User, username: str, password: str, role: str, hash_method: str,
                     org_admin: bool = False, display_name: str | None = None) -> User:
    """The admin adds a staff member or a driver to its own company; the account can log in at once."""
    org = own_organization(session, actor=actor)
    _role_allowed(org, role)
    user = add_user(session, username=username, password=password, role=role, hash_method=hash_method,
                    organization_id=org.id, display_name=display_name)
    user.org_admin = bool(org_admin)
    user.created_by_id = actor.id
    session.flush()
    return user


@transactional
def reset_password(session, *, actor: User, user_id: int, password: str, hash_method: str) -> dict:
    """The admin sets a new password for a colleague; every page login and token of that user ends."""
    user = access.company_user(session, actor, user_id)
    user.password_hash = hash_password(password, hash_method)
    return sign_out_everywhere(session, user=user)


@transactional
def set_active(session, *, actor: User, user_id: int, active: bool) -> User:
    """Deactivates (signs out everywhere, refuses logins, its API keys stop working) or reactivates an account."""
    user = access.company_user(session, actor, user_id)
    if user.id == actor.id and not active:
        raise Forbidden(N_("不能停用自己的账号"), code="SELF_ACTION")
    user.active = bool(active)
    if not active:
        sign_out_everywhere(session, user=user)
    session.flush()
    return user


@transactional
def set_org_admin(session, *, actor: User, user_id: int, org_admin: bool) -> User:
    """Makes a colleague an admin of the company too, or takes it back (never from oneself: no company locks
    itself out). A system administrator may do it for any enterprise user (to name a company's first admin)."""
    if access.is_admin(actor):
        user = session.get(User, user_id)
        if user is None or user.organization_id is None:
            raise NotFound(N_("用户 {id} 不存在或不属于本单位"), params={"id": user_id})
    else:
        user = access.company_user(session, actor, user_id)
    if user.id == actor.id and not org_admin:
        raise Forbidden(N_("不能取消自己的管理员权限"), code="SELF_ACTION")
    if user.role not in access.ENTERPRISE_ROLES and org_admin:
        raise ValidationFailed(N_("驾驶员账号不能成为单位管理员"), details={"org_admin": "not for drivers"})
    user.org_admin = bool(org_admin)
    session.flush()
    return user


@transactional
def confirm_user(session, *, actor: User, user_id: int) -> User:
    """The enterprise admin confirms an account a regulator created in its company: from now on it can act."""
    if not access.is_admin(actor):
        access.require_org_admin(actor)
    user = session.get(User, user_id)
    if user is None or not access.may_confirm_user(actor, user):
        raise NotFound(N_("用户 {id} 不存在或不属于本单位"), params={"id": user_id})
    if not user.pending_confirmation:
        raise Conflict(N_("该账号无需确认"), code="NOT_PENDING")
    user.pending_confirmation = False
    session.flush()
    return user


def pending_count(session, *, actor: User) -> int:
    """How many accounts of the admin's company wait for its confirmation."""
    if not access.is_org_admin(actor):
        return 0
    return session.scalar(select(func.count()).select_from(User).where(
        User.organization_id == actor.organization_id, User.pending_confirmation.is_(True))) or 0


# ---------------------------------------------------------------- sites and vehicles

def list_sites(session, *, actor: User) -> Page[Site]:
    org_id = access.require_org_admin(actor)
    return whole(session.scalars(select(Site).where(Site.organization_id == org_id).order_by(Site.id)).all())


def add_site(session, *, actor: User, name: str, kind: str, region_code: str, address: str = "",
             lat: float | None = None, lon: float | None = None, capacity_kg: Decimal | None = None) -> Site:
    """A new site of the admin's company (the register's own rules: a county, a known kind)."""
    org_id = access.require_org_admin(actor)
    return parties.add_site(session, actor=actor, organization_id=org_id, name=name, kind=kind,
                            region_code=region_code, address=address, lat=lat, lon=lon, capacity_kg=capacity_kg)


def list_vehicles(session, *, actor: User) -> Page[Vehicle]:
    """The company's vehicles (the admin's page, or any user of a carrier for its own fleet)."""
    org_id = actor.organization_id
    if org_id is None:
        access.require_org_admin(actor)
    return whole(session.scalars(select(Vehicle).where(Vehicle.organization_id == org_id).order_by(Vehicle.plate)).all())


def add_vehicle(session, *, actor: User, plate: str, max_load_kg: Decimal | None = None) -> Vehicle:
    org_id = access.require_org_admin(actor)
    return parties.add_vehicle(session, actor=actor, organization_id=org_id, plate=plate, max_load_kg=max_load_kg)


def list_drivers(session, *, actor: User) -> Page[User]:
    """A carrier's drivers, for any user of that carrier (its fleet page)."""
    org_id = actor.organization_id or -1
    return whole(session.scalars(select(User).where(User.organization_id == org_id, User.role == Role.DRIVER)
                                 .order_by(User.username)).all())


def counties_near(session, *, actor: User) -> list:
    """The counties of the company's city, for the site form's picker (regions by name)."""
    org = own_organization(session, actor=actor)
    city = org.region_code[:4] + "00"
    return session.scalars(select(Region).where(Region.parent_code == city).order_by(Region.code)).all()
