from sqlalchemy import String, cast, or_, select

from wastechain.api.common import Blueprint, current_user, login_required, page_of, page_schema
from wastechain.api.organizations.schemas import (OrganizationArgs, OrganizationIn, OrganizationOut, PermitIn,
                                                  PermitOut, SiteIn, SiteOut, VehicleIn, VehicleOut)
from wastechain.db import request_session
from wastechain.domain.errors import NotFound
from wastechain.domain.regions import jurisdiction_prefix
from wastechain.models import Organization, Permit, Vehicle
from wastechain.services import parties

bp = Blueprint("organizations", __name__, description="组织、场所、许可证、车辆")


@bp.post("/organizations")
@bp.arguments(OrganizationIn)
@bp.response(201, OrganizationOut)
@login_required
def create_organization(body):
    """Register an enterprise or agency (admin, regulator)."""
    return parties.create_organization(request_session(), actor=current_user(), **body)


@bp.get("/organizations")
@bp.arguments(OrganizationArgs, location="query")
@bp.response(200, page_schema(OrganizationOut))
@login_required
def list_organizations(args):
    """The directory of registered organizations, to find receivers and transporters (public register data)."""
    query = select(Organization)
    if args["region"]:
        query = query.where(Organization.region_code.like(jurisdiction_prefix(args["region"]) + "%"))
    if args["q"]:
        query = query.where(or_(Organization.name.like(f"%{args['q']}%"), Organization.credit_code == args["q"]))
    if args["role"]:
        query = query.where(cast(Organization.roles, String).like(f'%"{args["role"]}"%'))
    return page_of(query.order_by(Organization.id), args)


def _organization(org_id: int) -> Organization:
    org = request_session().get(Organization, org_id)
    if org is None:
        raise NotFound(f"组织 {org_id} 不存在")
    return org


@bp.get("/organizations/<int:org_id>")
@bp.response(200, OrganizationOut)
@login_required
def get_organization(org_id):
    """One organization with its sites."""
    return _organization(org_id)


@bp.post("/organizations/<int:org_id>/sites")
@bp.arguments(SiteIn)
@bp.response(201, SiteOut)
@login_required
def create_site(body, org_id):
    """Add a site (admin, regulator, the organization itself)."""
    return parties.add_site(request_session(), actor=current_user(), organization_id=org_id, **body)


@bp.post("/organizations/<int:org_id>/permits")
@bp.arguments(PermitIn)
@bp.response(201, PermitOut)
@login_required
def create_permit(body, org_id):
    """Record a permit (admin, regulator)."""
    return parties.add_permit(request_session(), actor=current_user(), organization_id=org_id, **body)


@bp.get("/organizations/<int:org_id>/permits")
@bp.response(200, page_schema(PermitOut))
@login_required
def list_permits(org_id):
    """An organization's permits (licences are public register data)."""
    items = request_session().scalars(select(Permit).where(Permit.organization_id == _organization(org_id).id)
                                      .order_by(Permit.id)).all()
    return {"items": items, "total": len(items)}


@bp.post("/organizations/<int:org_id>/vehicles")
@bp.arguments(VehicleIn)
@bp.response(201, VehicleOut)
@login_required
def create_vehicle(body, org_id):
    """Register a vehicle (admin, regulator, the transporter)."""
    return parties.add_vehicle(request_session(), actor=current_user(), organization_id=org_id, **body)


@bp.get("/organizations/<int:org_id>/vehicles")
@bp.response(200, page_schema(VehicleOut))
@login_required
def list_vehicles(org_id):
    """A transporter's vehicles (its own users, regulators of its region, producers choosing a vehicle)."""
    items = request_session().scalars(select(Vehicle).where(Vehicle.organization_id == _organization(org_id).id)
                                      .order_by(Vehicle.id)).all()
    return {"items": items, "total": len(items)}
