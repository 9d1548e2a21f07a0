"""The receiver's work list: manifests in one state addressed to the user's organization, searched by number or
issuer and paged (never cut off), oldest first, so the delivery closest to its weigh-in deadline comes first."""
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from wastechain.models import Manifest, Organization, User
from wastechain.services import access
from wastechain.services.common import Page, paginate


def receiver_worklist(session, *, actor: User, status: str, q: str | None = None, page: int = 1,
                      per_page: int = 20) -> Page[Manifest]:
    query = access.visible_manifests(actor).where(Manifest.status == status,
                                                  Manifest.receiver_id == (actor.organization_id or -1))
    if q:
        issuers = select(Organization.id).where(Organization.name.contains(q))
        query = query.where(or_(Manifest.number.contains(q), Manifest.issuer_id.in_(issuers)))
    query = query.order_by(Manifest.status_changed_at, Manifest.id).options(
        selectinload(Manifest.issuer), selectinload(Manifest.lines))
    return paginate(session, query, page=page, per_page=per_page)
