"""Manifest drafts: a form saved, edited and issued later through the same issuing service, or thrown away.

A draft is not a manifest: it has no number, no state and reserves nothing; it holds what was typed (strings, as
the form sends them) for its organization. Issuing it validates and checks it like any new manifest.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wastechain.domain.errors import NotFound, ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import ISSUER_ROLES, Role
from wastechain.models import Batch, Manifest, ManifestDraft, Organization, User, Vehicle
from wastechain.services import access
from wastechain.services.common import Page, paginate, transactional
from wastechain.services.manifests.issue import issue_manifest

MAX_FORM_CHARS = 20000


def _clean(form: dict) -> dict:
    if not isinstance(form, dict) or len(repr(form)) > MAX_FORM_CHARS:
        raise ValidationFailed(N_("草稿内容无效或过长"), details={"form": "invalid"})
    return form


@transactional
def save_draft(session, *, actor: User, form: dict, now: datetime, draft_id: int | None = None) -> ManifestDraft:
    """Saves the form as a new draft of the actor's organization, or over one of its drafts."""
    access.require_role(actor, *ISSUER_ROLES, doing=N_("保存联单草稿"))
    form = _clean(form)
    if draft_id is None:
        draft = ManifestDraft(organization_id=actor.organization_id, created_by_id=actor.id, form=form,
                              created_at=now, updated_at=now)
        session.add(draft)
    else:
        draft = get_draft(session, actor=actor, draft_id=draft_id)
        draft.form, draft.updated_at = form, now
    session.flush()
    return draft


def get_draft(session, *, actor: User, draft_id: int) -> ManifestDraft:
    """One draft of the actor's organization (404 otherwise)."""
    draft = session.get(ManifestDraft, draft_id)
    if draft is None or actor.organization_id is None or draft.organization_id != actor.organization_id:
        raise NotFound(N_("草稿 {draft_id} 不存在"), params={"draft_id": draft_id}, details={"draft_id": draft_id})
    return draft


def list_drafts(session, *, actor: User, page: int = 1, per_page: int = 50) -> Page[ManifestDraft]:
    """The drafts of the actor's organization, last edited first."""
    query = (select(ManifestDraft).where(ManifestDraft.organization_id == (actor.organization_id or -1))
             .order_by(ManifestDraft.updated_at.desc(), ManifestDraft.id.desc()))
    return paginate(session, query, page=page, per_page=per_page)


@transactional
def delete_draft(session, *, actor: User, draft_id: int) -> None:
    """Throws a draft away."""
    session.delete(get_draft(session, actor=actor, draft_id=draft_id))


@transactional
def issue_draft(session, *, actor: User, draft_id: int, now: datetime, **request) -> Manifest:
    """Issues a draft (its form as loaded by the caller: lines, receiver, transporter …) and removes it, at once."""
    draft = get_draft(session, actor=actor, draft_id=draft_id)
    manifest = issue_manifest(session, actor=actor, now=now, **request)
    session.delete(draft)
    return manifest


@dataclass(frozen=True)
class FormChoices:
    """What the manifest form offers: the actor's batches in storage, carriers with their vehicles and drivers."""

    batches: list[Batch]
    transporters: list[Organization]
    vehicles: dict[int, list[Vehicle]]  # by transporter
    drivers: dict[int, list[User]]  # by transporter


def form_choices(session, *, actor: User) -> FormChoices:
    """Every batch of the actor's organization with waste left in storage (none left out), and every carrier."""
    access.require_role(actor, *ISSUER_ROLES, doing=N_("开具转移联单"))
    batches = list(session.scalars(
        access.visible_batches(actor).where(Batch.organization_id == (actor.organization_id or -1),
                                            Batch.remaining_kg > 0)
        .order_by(Batch.id.desc()).options(selectinload(Batch.waste), selectinload(Batch.site))))
    transporters = [org for org in session.scalars(select(Organization).order_by(Organization.name, Organization.id))
                    if org.has_role(Role.TRANSPORTER)]
    ids = [org.id for org in transporters]
    vehicles, drivers = {i: [] for i in ids}, {i: [] for i in ids}
    for vehicle in session.scalars(select(Vehicle).where(Vehicle.organization_id.in_(ids)).order_by(Vehicle.plate)):
        vehicles[vehicle.organization_id].append(vehicle)
    for driver in session.scalars(select(User).where(User.organization_id.in_(ids), User.role == Role.DRIVER,
                                                     User.active.is_(True)).order_by(User.username)):
        drivers[driver.organization_id].append(driver)
    return FormChoices(batches=batches, transporters=transporters, vehicles=vehicles, drivers=drivers)
