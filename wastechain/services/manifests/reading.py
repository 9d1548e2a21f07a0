"""Reading manifests: one, a page of them, the queues of drivers and receivers, a chain's verification."""
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import selectinload

from wastechain.domain.keys import Keyring
from wastechain.domain.regions import jurisdiction_prefix
from wastechain.domain.states import ManifestStatus
from wastechain.models import Manifest, ManifestLeg, ManifestLine, Organization, User
from wastechain.services import access
from wastechain.services.common import Page, paginate
from wastechain.services.manifests.events import ManifestCheck, verify_manifest_events

# A listed manifest shows its parties and lines: load them per page, not per row.
LIST_LOADING = (
    selectinload(Manifest.issuer), selectinload(Manifest.receiver), selectinload(Manifest.transporter),
    selectinload(Manifest.lines).selectinload(ManifestLine.batch),
    selectinload(Manifest.lines).selectinload(ManifestLine.waste),
)


def get_manifest(session, *, actor: User, manifest_id: int) -> Manifest:
    """One manifest the actor may see (404 otherwise)."""
    return access.get_manifest(session, actor, manifest_id)


def _visible(actor: User, *, status: str | None = None, region: str | None = None,
             date_from: datetime | None = None, date_to: datetime | None = None, q: str | None = None,
             waste_code: str | None = None, party: str | None = None):
    query = access.visible_manifests(actor)
    if waste_code:
        query = query.where(select(ManifestLine.id).where(ManifestLine.manifest_id == Manifest.id,
                                                          ManifestLine.waste_code.like(f"%{waste_code}%")).exists())
    if party:
        named = select(Organization.id).where(Organization.name.like(f"%{party}%"))
        query = query.where(or_(Manifest.issuer_id.in_(named), Manifest.receiver_id.in_(named),
                                Manifest.transporter_id.in_(named)))
    if status:
        query = query.where(Manifest.status == status)
    if region:
        prefix = jurisdiction_prefix(region) + "%"
        query = query.where(Manifest.origin_region_code.like(prefix) | Manifest.destination_region_code.like(prefix))
    if date_from:
        query = query.where(Manifest.issued_at >= date_from)
    if date_to:
        query = query.where(Manifest.issued_at < date_to)
    if q:
        query = query.where(Manifest.number.like(f"%{q}%"))
    return query.order_by(Manifest.id.desc()).options(*LIST_LOADING)


def list_manifests(session, *, actor: User, status: str | None = None, region: str | None = None,
                   date_from: datetime | None = None, date_to: datetime | None = None, q: str | None = None,
                   waste_code: str | None = None, party: str | None = None,
                   page: int = 1, per_page: int = 50) -> Page[Manifest]:
    """The visible manifests, newest first, filtered by status, region (origin or destination), issue time, number,
    waste code and a party's name."""
    query = _visible(actor, status=status, region=region, date_from=date_from, date_to=date_to, q=q,
                     waste_code=waste_code, party=party)
    return paginate(session, query, page=page, per_page=per_page)


def issued_by_own_organization(session, *, actor: User, status: str | None = None, date_from: datetime | None = None,
                               date_to: datetime | None = None, q: str | None = None, waste_code: str | None = None,
                               party: str | None = None, page: int = 1, per_page: int = 50) -> Page[Manifest]:
    """The manifests the actor's organization issued, newest first, searched and paged (the producer's list)."""
    query = _visible(actor, status=status, date_from=date_from, date_to=date_to, q=q, waste_code=waste_code,
                     party=party).where(Manifest.issuer_id == (actor.organization_id or -1))
    return paginate(session, query, page=page, per_page=per_page)


def driver_queue(session, *, actor: User, limit: int = 100) -> list[Manifest]:
    """The driver's transporter's manifests to pick up or deliver, his own or with no driver named; on a
    multi-carrier manifest (联运), while a leg of his transporter is still to come."""
    mine = or_(ManifestLeg.driver_id.is_(None), ManifestLeg.driver_id == actor.id)
    own_leg = exists(select(ManifestLeg.id).where(ManifestLeg.manifest_id == Manifest.id, mine,
                                                  ManifestLeg.transporter_id == actor.organization_id,
                                                  ManifestLeg.seq >= Manifest.current_leg))
    query = _visible(actor).where(Manifest.status.in_((ManifestStatus.ISSUED, ManifestStatus.IN_TRANSIT)),
                                  or_(and_(Manifest.current_leg.is_(None),
                                           or_(Manifest.driver_id.is_(None), Manifest.driver_id == actor.id)),
                                      own_leg))
    return list(session.scalars(query.limit(limit)))


def verify_manifest(session, *, actor: User, manifest_id: int, keys: Keyring | str | None = None) -> ManifestCheck:
    """Recomputes the manifest's event hash chain and checks its MACs, its status against its last event and its
    day seals: their roots against the events and their signatures, so a seal rewritten to match edited events does
    not pass. `keys` defaults to the session's keyring."""
    return verify_manifest_events(session, access.get_manifest(session, actor, manifest_id), keys)


def treatment_options(manifest: Manifest) -> dict:
    """What a receiver may still record on a received manifest: the open quantity and its permits' R/D methods."""
    return {"open_kg": (manifest.accepted_kg or 0) - manifest.disposed_kg,
            "methods": sorted({m for p in manifest.receiver.permits for m in p.methods})}
