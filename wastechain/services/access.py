"""Who may see and do what: the one place of the access policy (SPEC.md: each role sees only its own records;
404 for what is not visible, 403 for a visible record the user may not act on)."""
from sqlalchemy import Select, exists, false, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from wastechain.domain.errors import Forbidden, NotFound
from wastechain.domain.regions import jurisdiction_prefix, within
from wastechain.domain.text import N_
from wastechain.domain.states import ManifestParties, ManifestStatus, Party, Step, allowed_steps, parties_of
from wastechain.domain.vocabulary import (AUTHORITY_ROLES, DECLARING_ROLES, ISSUER_ROLES, RECEIVING_ROLES, ROLE_NAMES,
                                         Role)
from wastechain.models import (Anomaly, Approval, Batch, Container, Declaration, Manifest, ManifestLeg, Organization,
                               Payment, Site, User)


def is_admin(actor: User) -> bool:
    return actor.role == Role.ADMIN


def is_regulator(actor: User) -> bool:
    return actor.role == Role.REGULATOR


def is_authority(actor: User) -> bool:
    """Admins and regulators: they act on anomalies, organizations and approvals."""
    return actor.role in AUTHORITY_ROLES


def require_role(actor: User, *roles: str, doing: str) -> None:
    if actor.role not in roles:
        # `doing` is an N_-marked phrase of the caller ("开具转移联单"), translated with the message
        raise Forbidden(N_("当前角色（{role}）不能{doing}"), params={"role": ROLE_NAMES.get(actor.role, actor.role),
                                                              "doing": doing},
                        details={"role": str(actor.role), "allowed_roles": [str(r) for r in roles]})


def in_jurisdiction(actor: User, region_code: str) -> bool:
    return is_admin(actor) or (is_regulator(actor) and bool(actor.region_code) and within(region_code, actor.region_code))


def can_manage_organization(actor: User, org: Organization) -> bool:
    """Admins anywhere, regulators in their jurisdiction."""
    return in_jurisdiction(actor, org.region_code)


def organization_for_write(session, actor: User, org_id: int, *, own_members: bool) -> Organization:
    """An organization the actor may add things to, or 404/403."""
    org = session.get(Organization, org_id)
    if org is None:
        raise NotFound(N_("组织 {id} 不存在"), params={"id": org_id})
    member = actor.organization_id == org.id
    if can_manage_organization(actor, org) or (own_members and member):
        return org
    if member or is_regulator(actor):
        raise Forbidden(N_("无权修改该组织的信息"))
    raise NotFound(N_("组织 {id} 不存在"), params={"id": org_id})


ENTERPRISE_ROLES = frozenset({Role.PRODUCER, Role.COLLECTOR, Role.TRANSPORTER, Role.RECEIVER})


def is_org_admin(actor: User) -> bool:
    """The enterprise's own administrator (a flag besides its role): manages its company's users, sites, vehicles
    and API keys, and nothing outside its organization."""
    return bool(actor.org_admin) and actor.organization_id is not None and actor.role in ENTERPRISE_ROLES


def require_org_admin(actor: User) -> int:
    """The organization the actor administers, or 403."""
    if not is_org_admin(actor):
        raise Forbidden(N_("只有本单位的管理员可以管理单位账号、场所、车辆和接口密钥"), code="NOT_ORG_ADMIN",
                        details={"org_admin": False})
    return actor.organization_id


def company_user(session, actor: User, user_id: int) -> User:
    """A user of the organization the actor administers; 404 for anyone else's (never telling they exist)."""
    org_id = require_org_admin(actor)
    user = session.get(User, user_id)
    if user is None or user.organization_id != org_id:
        raise NotFound(N_("用户 {id} 不存在或不属于本单位"), params={"id": user_id})
    return user


def may_confirm_user(actor: User, user: User) -> bool:
    """An account a regulator created is confirmed by its enterprise's admin (or a system administrator)."""
    return is_admin(actor) or (is_org_admin(actor) and actor.organization_id == user.organization_id)


def jurisdiction_clause(column, actor: User):
    """A WHERE clause: a region column inside the regulator's jurisdiction (nothing when it has none)."""
    if not actor.region_code:
        return false()  # a regulator without a jurisdiction sees nothing, never everything
    return column.like(jurisdiction_prefix(actor.region_code) + "%")


def _own_org(actor: User) -> int:
    return actor.organization_id or -1


# ---------------------------------------------------------------- what each role sees

def visible_manifests(actor: User) -> Select:
    """A SELECT of the manifests the actor may see."""
    query = select(Manifest)
    if is_admin(actor):
        return query
    if is_regulator(actor):
        return query.where(or_(jurisdiction_clause(Manifest.origin_region_code, actor),
                               jurisdiction_clause(Manifest.destination_region_code, actor)))
    org = _own_org(actor)
    return query.where(or_(Manifest.issuer_id == org, Manifest.receiver_id == org, Manifest.transporter_id == org,
                           exists(select(ManifestLeg.id).where(ManifestLeg.manifest_id == Manifest.id,
                                                               ManifestLeg.transporter_id == org))))


def visible_batches(actor: User) -> Select:
    query = select(Batch)
    if is_admin(actor):
        return query
    if is_regulator(actor):
        return query.join(Site, Site.id == Batch.site_id).where(jurisdiction_clause(Site.region_code, actor))
    return query.where(Batch.organization_id == _own_org(actor))


def visible_anomalies(actor: User) -> Select:
    """Regulators: their jurisdiction (where it happened or where it went); enterprises: what concerns them."""
    query = select(Anomaly)
    if is_admin(actor):
        return query
    if is_regulator(actor):
        return query.where(or_(jurisdiction_clause(Anomaly.region_code, actor),
                               jurisdiction_clause(Anomaly.related_region_code, actor)))
    org = _own_org(actor)
    theirs = select(Manifest.id).where(or_(Manifest.issuer_id == org, Manifest.receiver_id == org,
                                          Manifest.transporter_id == org))
    return query.where(or_(Anomaly.organization_id == org, Anomaly.manifest_id.in_(theirs)))


def visible_payments(actor: User) -> Select:
    query = select(Payment)
    if is_admin(actor):
        return query
    if is_regulator(actor):
        return query.join(Manifest, Manifest.id == Payment.manifest_id).where(
            or_(jurisdiction_clause(Manifest.origin_region_code, actor),
                jurisdiction_clause(Manifest.destination_region_code, actor)))
    org = _own_org(actor)
    return query.where(or_(Payment.payer_id == org, Payment.payee_id == org))


def visible_declarations(actor: User) -> Select:
    query = select(Declaration)
    if is_admin(actor):
        return query
    if is_regulator(actor):
        return query.join(Organization, Organization.id == Declaration.organization_id).where(
            jurisdiction_clause(Organization.region_code, actor))
    return query.where(Declaration.organization_id == _own_org(actor))


def visible_approvals(actor: User) -> Select:
    """Approvals granted to the user's organization, or in a regulator's jurisdiction."""
    query = select(Approval).join(Organization, Organization.id == Approval.producer_id)
    if is_admin(actor):
        return query
    if is_regulator(actor):
        return query.where(jurisdiction_clause(Organization.region_code, actor))
    return query.where(Approval.producer_id == _own_org(actor))


def get_visible(session, query: Select, model, object_id: int, label: str):
    found = session.scalars(query.where(model.id == object_id)).first()
    if found is None:
        # `label` is an N_-marked noun ("联单"), translated with the message
        raise NotFound(N_("{label} {id} 不存在或无权查看"), params={"label": label, "id": object_id})
    return found


def get_manifest(session, actor: User, manifest_id: int) -> Manifest:
    return get_visible(session, visible_manifests(actor), Manifest, manifest_id, N_("联单"))


def get_batch(session, actor: User, batch_id: int) -> Batch:
    return get_visible(session, visible_batches(actor), Batch, batch_id, N_("批次"))


def get_anomaly(session, actor: User, anomaly_id: int) -> Anomaly:
    return get_visible(session, visible_anomalies(actor), Anomaly, anomaly_id, N_("异常"))


def visible_site(session, actor: User, site_id: int) -> Site:
    """A site its organization's users, regulators of its region and admins may see; 404 for anyone else."""
    site = session.get(Site, site_id)
    if site is None or not (in_jurisdiction(actor, site.region_code)
                            or (actor.organization_id is not None and actor.organization_id == site.organization_id)):
        raise NotFound(N_("{label} {id} 不存在或无权查看"), params={"label": N_("场所"), "id": site_id})
    return site


def visible_container(session, actor: User, container_id: int) -> Container:
    """A container its owner, the parties of the manifest it travels on and regulators of its site may see."""
    container = session.get(Container, container_id)
    if container is None:
        raise NotFound(N_("{label} {id} 不存在或无权查看"), params={"label": N_("容器"), "id": container_id})
    mine = actor.organization_id is not None and actor.organization_id == container.organization_id
    on_my_manifest = False
    if container.manifest_id and not mine:
        manifest = session.get(Manifest, container.manifest_id)
        on_my_manifest = actor.organization_id in (manifest.receiver_id, manifest.transporter_id, manifest.issuer_id)
    if not (mine or on_my_manifest or in_jurisdiction(actor, container.site.region_code)):
        raise NotFound(N_("{label} {id} 不存在或无权查看"), params={"label": N_("容器"), "id": container_id})
    return container


# ---------------------------------------------------------------- what each role may do

def manifest_parties(actor: User, manifest: Manifest) -> frozenset[Party]:
    """The parties of the state machine the actor acts as on this manifest."""
    carrier, following = current_legs(manifest)
    return parties_of(role=actor.role, organization_id=actor.organization_id, user_id=actor.id,
                      in_origin_jurisdiction=in_jurisdiction(actor, manifest.origin_region_code),
                      manifest=ManifestParties(issuer_id=manifest.issuer_id, receiver_id=manifest.receiver_id,
                                               transporter_id=carrier[0], driver_id=carrier[1],
                                               origin_region=manifest.origin_region_code,
                                               next_transporter_id=following[0] if following else None,
                                               next_driver_id=following[1] if following else None))


def waits_for_leg(actor: User, manifest: Manifest) -> bool:
    """联运: the actor drives a leg still to come after the next one's hand-over (or the next one before pickup)."""
    if manifest.current_leg is None or manifest.status not in (ManifestStatus.ISSUED, ManifestStatus.IN_TRANSIT):
        return False
    return any(leg.seq > manifest.current_leg and leg.transporter_id == actor.organization_id
               and leg.driver_id in (None, actor.id) for leg in manifest.legs)


def holds_last_leg(manifest: Manifest) -> bool:
    """Whether the carrier holding the load is the last one (always, with one carrier): only it delivers."""
    return manifest.current_leg is None or current_legs(manifest)[1] is None


def current_legs(manifest: Manifest) -> tuple[tuple[int, int | None], tuple[int, int | None] | None]:
    """(transporter, driver) of the carrier holding the load, and of the one taking it over next (联运), or None.
    The legs are read only on a multi-carrier manifest: a single-carrier step path stays as lean as before."""
    if manifest.current_leg is None:
        return (manifest.transporter_id, manifest.driver_id), None
    legs = {leg.seq: leg for leg in manifest.legs}
    now, following = legs[manifest.current_leg], legs.get(manifest.current_leg + 1)
    return ((now.transporter_id, now.driver_id),
            (following.transporter_id, following.driver_id) if following is not None else None)


def may_decide_anomaly(actor: User, anomaly: Anomaly) -> bool:
    """Only the jurisdiction where an anomaly happened acknowledges or resolves it; the destination's regulator
    sees it and may comment, but does not close the origin county's case."""
    return is_admin(actor) or (is_regulator(actor) and in_jurisdiction(actor, anomaly.region_code))


def manifest_steps(actor: User, manifest: Manifest) -> list[str]:
    """The steps the actor may take on this manifest now (what pages offer as buttons); on a multi-carrier
    manifest only the last leg delivers (联运)."""
    steps = allowed_steps(manifest.status, manifest_parties(actor, manifest))
    return [step.value for step in steps if step != Step.DELIVER or holds_last_leg(manifest)]


def may_track(actor: User, manifest: Manifest) -> bool:
    """Whether the actor's phone may send route points for this manifest: its driver, while it is in transit."""
    return manifest.status == ManifestStatus.IN_TRANSIT and Party.DRIVER in manifest_parties(actor, manifest)


def organization_has_role(session, role: str):
    """A WHERE clause: the organization's JSON list of roles holds this role (an element, not a substring)."""
    if session.get_bind().dialect.name == "postgresql":
        return Organization.roles.cast(JSONB).contains([role])
    each = func.json_each(Organization.roles).table_valued("value")
    return exists(select(literal_column("1")).select_from(each).where(each.c.value == role))


def capabilities(actor: User | None) -> dict[str, bool]:
    """Which of the pages a user's role opens (what the navigation shows)."""
    role = actor.role if actor is not None else None
    return {"drive": role == Role.DRIVER, "issue": role in ISSUER_ROLES, "receive": role in RECEIVING_ROLES,
            "regulate": role in AUTHORITY_ROLES, "print_labels": role in ISSUER_ROLES,
            "carry": role == Role.TRANSPORTER, "tasks": role in ENTERPRISE_ROLES,
            "enterprise_anomalies": role in ENTERPRISE_ROLES,
            "company": actor is not None and is_org_admin(actor), "account": actor is not None,
            "ledger": role in DECLARING_ROLES, "declare": role in DECLARING_ROLES, "catalog": role == Role.ADMIN,
            "approvals": role in AUTHORITY_ROLES or role in ISSUER_ROLES,
            "paper": role in (Role.REGULATOR, Role.DRIVER, *RECEIVING_ROLES)}
