"""跨区域转移审批: granted, read, listed and revoked by regulators; read by the enterprise they were granted to.

The quantity used is what live manifests under the approval reserved (manifests/issue.py adds it at issue, a
cancellation gives it back); a revoked, expired or used-up approval lets no further manifest cross the boundary.
"""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import or_, select

from wastechain.domain.approvals import ApprovalState, check_validity
from wastechain.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wastechain.domain.text import N_, clean_text
from wastechain.domain.vocabulary import ISSUER_ROLES, RECEIVING_ROLES, Role
from wastechain.models import Approval, Manifest, Organization, Site, User
from wastechain.services import access
from wastechain.services.accounts.parties import known_codes_or_categories
from wastechain.services.common import Page, locked, paginate, transactional
from wastechain.services.runtime import runtime_of


@transactional
def grant_approval(session, *, actor: User, producer_id: int, waste_codes: list[str], destination_site_id: int,
                   max_quantity_kg: Decimal, valid_from: date, valid_to: date) -> Approval:
    """A regulator of the producer's region lets named waste go to a named site beyond the limit, for at most the
    configured period (APPROVAL_MAX_VALIDITY_DAYS)."""
    access.require_role(actor, Role.REGULATOR, doing=N_("审批跨区域转移"))
    producer = session.get(Organization, producer_id)
    if producer is None or not access.in_jurisdiction(actor, producer.region_code):
        raise NotFound(N_("组织 {producer_id} 不存在或不在您的辖区内"), params={"producer_id": producer_id})
    if not any(producer.has_role(role) for role in ISSUER_ROLES):
        raise ValidationFailed(N_("「{name}」不是产废或收集单位"), params={"name": producer.name},
                               details={"producer_id": "not a producer"})
    if session.get(Site, destination_site_id) is None:
        raise ValidationFailed(N_("目的地场所 {destination_site_id} 不存在"),
                               params={"destination_site_id": destination_site_id},
                               details={"destination_site_id": "unknown"})
    if not waste_codes:
        raise ValidationFailed(N_("必须列明审批的废物代码"), details={"waste_codes": "required"})
    known_codes_or_categories(session, waste_codes)
    check_validity(valid_from, valid_to, max_days=runtime_of(session).settings.approval_max_validity_days)
    approval = Approval(producer_id=producer.id, waste_codes=waste_codes, destination_site_id=destination_site_id,
                        max_quantity_kg=max_quantity_kg, reserved_kg=Decimal(0), valid_from=valid_from,
                        valid_to=valid_to, granted_by_id=actor.id, granting_region_code=actor.region_code)
    session.add(approval)
    session.flush()
    return approval


def get_approval(session, *, actor: User, approval_id: int) -> Approval:
    """One approval its producer or a regulator of the producer's region may see; 404 for anyone else."""
    return access.get_visible(session, access.visible_approvals(actor), Approval, approval_id, N_("审批"))


def list_approvals(session, *, actor: User, state: str | None = None, q: str | None = None,
                   today: date | None = None, page: int = 1, per_page: int = 50) -> Page[Approval]:
    """Approvals granted to the user's organization, or in a regulator's jurisdiction, newest first; `state` (one of
    ApprovalState, judged on `today`) and `q` (the producer's name or credit code) narrow them."""
    query = access.visible_approvals(actor)
    if q:
        query = query.where(or_(Organization.name.like(f"%{q}%"), Organization.credit_code == q))
    if state:
        query = query.where(_in_state(ApprovalState(state), today))
    return paginate(session, query.order_by(Approval.id.desc()), page=page, per_page=per_page)


def _in_state(state: ApprovalState, today: date):
    """The WHERE clause of domain.approvals.approval_state, in the same order of precedence."""
    live = Approval.revoked_at.is_(None)
    remaining = Approval.max_quantity_kg - Approval.reserved_kg
    return {
        ApprovalState.REVOKED: ~live,
        ApprovalState.EXPIRED: live & (Approval.valid_to < today),
        ApprovalState.EXHAUSTED: live & (Approval.valid_to >= today) & (remaining <= 0),
        ApprovalState.NOT_YET: live & (Approval.valid_from > today) & (remaining > 0),
        ApprovalState.ACTIVE: live & (Approval.valid_from <= today) & (Approval.valid_to >= today) & (remaining > 0),
    }[state]


@dataclass(frozen=True)
class ApprovalWithManifests:
    """An approval (its attributes read through) and the manifests issued under it that the actor may see."""

    approval: Approval
    manifests: list[Manifest]

    def __getattr__(self, name):
        return getattr(self.approval, name)


def with_manifests(session, *, actor: User, approval: Approval) -> ApprovalWithManifests:
    """The approval with the visible manifests issued under it, newest first."""
    manifests = session.scalars(access.visible_manifests(actor).where(Manifest.approval_id == approval.id)
                                .order_by(Manifest.id.desc())).all()
    return ApprovalWithManifests(approval=approval, manifests=list(manifests))


def may_revoke(actor: User, approval: Approval) -> bool:
    """Only a regulator of the jurisdiction that granted it (or of the city above that county)."""
    granting = approval.granting_region_code or approval.granted_by.region_code
    return access.is_regulator(actor) and bool(granting) and access.in_jurisdiction(actor, granting)


@transactional
def revoke_approval(session, *, actor: User, approval_id: int, reason: str, now: datetime) -> Approval:
    """Revokes an approval with a stated reason: it allows no further manifest; those issued stay as they are."""
    access.require_role(actor, Role.REGULATOR, doing=N_("撤销跨区域转移审批"))
    get_approval(session, actor=actor, approval_id=approval_id)
    approval = locked(session, select(Approval).where(Approval.id == approval_id)).one()  # waits for an issue
    if not may_revoke(actor, approval):
        raise Forbidden(N_("只有批准该审批的辖区监管部门可以撤销"), details={"granting_region_code":
                                                               approval.granting_region_code})
    reason = clean_text(reason, field="reason", max_length=500, required=True, multiline=True)
    if approval.revoked_at is not None:
        raise Conflict(N_("审批 {id} 已于此前撤销"), params={"id": approval.id}, code="ALREADY_REVOKED")
    approval.revoked_at, approval.revoked_by_id, approval.revoke_reason = now, actor.id, reason
    session.flush()
    return approval


# ---------------------------------------------------------------- what the grant form offers

@dataclass(frozen=True)
class GrantChoices:
    producers: list[Organization]  # issuers in the regulator's jurisdiction
    sites: list[Site]  # every receiving site (the destination lies beyond the boundary, anywhere)


def grant_choices(session, *, actor: User) -> GrantChoices:
    access.require_role(actor, Role.REGULATOR, doing=N_("审批跨区域转移"))
    issuers = or_(*(access.organization_has_role(session, role) for role in ISSUER_ROLES))
    receivers = or_(*(access.organization_has_role(session, role) for role in RECEIVING_ROLES))
    producers = session.scalars(select(Organization).where(issuers, access.jurisdiction_clause(
        Organization.region_code, actor)).order_by(Organization.name)).all()
    sites = session.scalars(select(Site).join(Organization).where(receivers)
                            .order_by(Site.region_code, Site.name)).all()
    return GrantChoices(producers=list(producers), sites=list(sites))
