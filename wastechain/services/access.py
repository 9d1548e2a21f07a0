"""Who may see and do what (SPEC.md: each role sees only its own records; 404 for what is not visible)."""
from sqlalchemy import Select, false, or_, select

from wastechain.domain.errors import Forbidden, NotFound
from wastechain.domain.regions import jurisdiction_prefix, within
from wastechain.models import Batch, Manifest, Organization, Site, User

ENTERPRISE_ROLES = frozenset({"producer", "collector", "transporter", "driver", "receiver"})
ISSUER_ROLES = frozenset({"producer", "collector"})


def is_admin(actor: User) -> bool:
    return actor.role == "admin"


def is_regulator(actor: User) -> bool:
    return actor.role == "regulator"


def require_role(actor: User, *roles: str, doing: str) -> None:
    if actor.role not in roles:
        raise Forbidden(f"当前角色（{actor.role}）不能{doing}", details={"allowed_roles": list(roles)})


def in_jurisdiction(actor: User, region_code: str) -> bool:
    return is_admin(actor) or (is_regulator(actor) and bool(actor.region_code) and within(region_code, actor.region_code))


def can_manage_organization(actor: User, org: Organization) -> bool:
    """Admins anywhere, regulators in their jurisdiction."""
    return in_jurisdiction(actor, org.region_code)


def organization_for_write(session, actor: User, org_id: int, *, own_members: bool) -> Organization:
    """An organization the actor may add things to, or 404/403."""
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(f"组织 {org_id} 不存在")
    member = actor.organization_id == org.id
    if can_manage_organization(actor, org) or (own_members and member):
        return org
    if member or is_regulator(actor):
        raise Forbidden("无权修改该组织的信息")
    raise NotFound(f"组织 {org_id} 不存在")


def _region_clause(column, actor: User):
    if not actor.region_code:
        return false()  # a regulator without a jurisdiction sees nothing, never everything
    return column.like(jurisdiction_prefix(actor.region_code) + "%")


def jurisdiction_clause(column, actor: User):
    """A WHERE clause: a region column inside the regulator's jurisdiction (nothing when it has none)."""
    return _region_clause(column, actor)


def visible_manifests(actor: User) -> Select:
    """A SELECT of the manifests the actor may see."""
    query = select(Manifest)
    if is_admin(actor):
        return query
    if is_regulator(actor):
        return query.where(or_(_region_clause(Manifest.origin_region_code, actor),
                               _region_clause(Manifest.destination_region_code, actor)))
    org = actor.organization_id or -1
    return query.where(or_(Manifest.issuer_id == org, Manifest.receiver_id == org, Manifest.transporter_id == org))


def visible_batches(actor: User) -> Select:
    query = select(Batch)
    if is_admin(actor):
        return query
    if is_regulator(actor):
        return query.join(Site, Site.id == Batch.site_id).where(_region_clause(Site.region_code, actor))
    return query.where(Batch.organization_id == (actor.organization_id or -1))


def get_visible(session, query: Select, model, object_id: int, label: str):
    found = session.scalars(query.where(model.id == object_id)).first()
    if found is None:
        raise NotFound(f"{label} {object_id} 不存在或无权查看")
    return found


def manifest_party(actor: User, manifest: Manifest) -> set[str]:
    """The parties of the state machine (states.Party values) the actor acts as on this manifest."""
    parties = set()
    org = actor.organization_id
    if actor.role in ISSUER_ROLES and org == manifest.issuer_id:
        parties.add("issuer")
    if actor.role == "regulator" and (in_jurisdiction(actor, manifest.origin_region_code)):
        parties.add("regulator")
    if actor.role == "driver" and org == manifest.transporter_id and manifest.driver_id in (None, actor.id):
        parties.add("driver")
    if actor.role in ("receiver", "collector") and org == manifest.receiver_id:
        parties.add("receiver")
    return parties
