"""Manifest drafts: a form saved, edited and issued later through the same issuing service, or thrown away.

A draft is not a manifest: it has no number, no state and reserves nothing; it holds what was typed (strings, as
the form sends them) for its organization. Issuing it validates and checks it like any new manifest.
"""
from datetime import datetime

from sqlalchemy import select

from wastechain.domain.errors import NotFound, ValidationFailed
from wastechain.domain.vocabulary import ISSUER_ROLES
from wastechain.models import Manifest, ManifestDraft, User
from wastechain.services import access
from wastechain.services.common import Page, paginate, transactional
from wastechain.services.manifests.issue import issue_manifest

MAX_FORM_CHARS = 20000


def _clean(form: dict) -> dict:
    if not isinstance(form, dict) or len(repr(form)) > MAX_FORM_CHARS:
        raise ValidationFailed("草稿内容无效或过长", details={"form": "invalid"})
    return form


@transactional
def save_draft(session, *, actor: User, form: dict, now: datetime, draft_id: int | None = None) -> ManifestDraft:
    """Saves the form as a new draft of the actor's organization, or over one of its drafts."""
    access.require_role(actor, *ISSUER_ROLES, doing="保存联单草稿")
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
        raise NotFound(f"草稿 {draft_id} 不存在", details={"draft_id": draft_id})
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
