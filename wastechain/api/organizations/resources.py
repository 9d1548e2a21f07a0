from wastechain.api.common import Blueprint, current_user, db, listed, login_required, page_schema, paging
from wastechain.api.organizations.schemas import (OrganizationArgs, OrganizationIn, OrganizationOut, PermitIn,
                                                  PermitOut, SiteIn, SiteOut, VehicleIn, VehicleOut)
from wastechain.services.accounts import directory, parties

bp = Blueprint("organizations", __name__, description="组织、场所、许可证、车辆")


@bp.post("/organizations")
@login_required
@bp.arguments(OrganizationIn)
@bp.response(201, OrganizationOut)
def create_organization(body):
    """Register an enterprise or agency (admin, regulator)."""
    return parties.create_organization(db(), actor=current_user(), **body)


@bp.get("/organizations")
@login_required
@bp.arguments(OrganizationArgs, location="query")
@bp.response(200, page_schema(OrganizationOut))
def list_organizations(args):
    """The directory of registered organizations, to find receivers and transporters (public register data)."""
    return listed(directory.list_organizations(db(), region=args["region"], q=args["q"], role=args["role"],
                                               **paging(args)))


@bp.get("/organizations/<int:org_id>")
@login_required
@bp.response(200, OrganizationOut)
def get_organization(org_id):
    """One organization with its sites."""
    return directory.get_organization(db(), org_id)


@bp.post("/organizations/<int:org_id>/sites")
@login_required
@bp.arguments(SiteIn)
@bp.response(201, SiteOut)
def create_site(body, org_id):
    """Add a site (admin, regulator, the organization itself)."""
    return parties.add_site(db(), actor=current_user(), organization_id=org_id, **body)


@bp.post("/organizations/<int:org_id>/permits")
@login_required
@bp.arguments(PermitIn)
@bp.response(201, PermitOut)
def create_permit(body, org_id):
    """Record a permit (admin, regulator)."""
    return parties.add_permit(db(), actor=current_user(), organization_id=org_id, **body)


@bp.get("/organizations/<int:org_id>/permits")
@login_required
@bp.response(200, page_schema(PermitOut))
def list_permits(org_id):
    """An organization's permits (licences are public register data)."""
    return listed(directory.list_permits(db(), org_id))


@bp.post("/organizations/<int:org_id>/vehicles")
@login_required
@bp.arguments(VehicleIn)
@bp.response(201, VehicleOut)
def create_vehicle(body, org_id):
    """Register a vehicle (admin, regulator, the transporter)."""
    return parties.add_vehicle(db(), actor=current_user(), organization_id=org_id, **body)


@bp.get("/organizations/<int:org_id>/vehicles")
@login_required
@bp.response(200, page_schema(VehicleOut))
def list_vehicles(org_id):
    """A transporter's vehicles (its own users, regulators of its region, producers choosing a vehicle)."""
    return listed(directory.list_vehicles(db(), org_id))
