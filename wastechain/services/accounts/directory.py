"""The public register: organizations with their sites, permits and vehicles."""
from sqlalchemy import or_, select

from wastechain.domain.errors import NotFound
from wastechain.domain.regions import jurisdiction_prefix
from wastechain.domain.text import N_
from wastechain.models import Organization, Permit, Vehicle
from wastechain.services import access
from wastechain.services.common import Page, paginate, whole


def list_organizations(session, *, region: str | None = None, q: str | None = None, role: str | None = None,
                       page: int = 1, per_page: int = 50) -> Page[Organization]:
    """Registered organizations by region, name or credit code, and role (to find receivers and transporters)."""
    query = select(Organization)
    if region:
        query = query.where(Organization.region_code.like(jurisdiction_prefix(region) + "%"))
    if q:
        query = query.where(or_(Organization.name.like(f"%{q}%"), Organization.credit_code == q))
    if role:
        query = query.where(access.organization_has_role(session, role))
    return paginate(session, query.order_by(Organization.id), page=page, per_page=per_page)


def get_organization(session, organization_id: int) -> Organization:
    org = session.get(Organization, organization_id)
    if org is None:
        raise NotFound(N_("组织 {organization_id} 不存在"), params={"organization_id": organization_id})
    return org


def list_permits(session, organization_id: int) -> Page[Permit]:
    """An organization's permits (licences are public register data)."""
    org = get_organization(session, organization_id)
    return whole(session.scalars(select(Permit).where(Permit.organization_id == org.id).order_by(Permit.id)).all())


def list_vehicles(session, organization_id: int) -> Page[Vehicle]:
    """A transporter's vehicles."""
    org = get_organization(session, organization_id)
    return whole(session.scalars(select(Vehicle).where(Vehicle.organization_id == org.id).order_by(Vehicle.id)).all())
