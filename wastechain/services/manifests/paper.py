"""Paper manifests entered afterwards (补录): a step of a paper manifest entered up to 10 working days late, with
the scan of the signed paper form; the event says so in its hashed data ("paper_scan": the scan's SHA-256) and a
regulator of either end confirms each entry.

The scan is stored outside the database, under PAPER_SCAN_DIR, named by its SHA-256: the same scan is stored
once, and a scan whose step is then refused stays as an unreferenced file (harmless, content-addressed)."""
import hashlib
import os
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from wastechain.domain import paper as rules
from wastechain.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA
from wastechain.models import Manifest, PaperEntry, User
from wastechain.services import access
from wastechain.services.common import Page, paginate, transactional
from wastechain.services.manifests.events import StepRequest
from wastechain.services.manifests.steps import StepResult, record_step


def store_scan(directory: Path, data: bytes) -> tuple[str, str]:
    """Writes the scan as <sha256><suffix> (once; atomically) and returns (sha256, content type)."""
    content_type, suffix = rules.scan_type(data)
    digest = hashlib.sha256(data).hexdigest()
    target = directory / digest[:2] / (digest + suffix)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".scan-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    return digest, content_type


def scan_path(directory: Path, entry: PaperEntry) -> Path:
    suffix = next(s for t, s in rules.SCAN_TYPES.values() if t == entry.scan_type)
    return directory / entry.scan_sha256[:2] / (entry.scan_sha256 + suffix)


def enter_paper_step(session, *, actor: User, manifest_id: int, request: StepRequest, scan: bytes,
                     scan_dir: Path, now: datetime) -> StepResult:
    """Records a step of a paper manifest through the one step service, marked as paper-entered, with its scan."""
    if request.type not in rules.PAPER_STEPS:
        raise ValidationFailed(N_("补录的环节须为提货、送达、接收或利用/处置"), details={"type": request.type})
    digest, content_type = store_scan(scan_dir, scan)
    marked = replace(request, data={**(request.data or {}), "paper_scan": digest})

    def entry(session, manifest: Manifest, event) -> None:
        session.add(PaperEntry(manifest_id=manifest.id, event_id=event.id, scan_sha256=digest,
                               scan_type=content_type, scan_size=len(scan), entered_by_id=actor.id, entered_at=now))
        session.flush()

    return record_step(session, actor=actor, manifest_id=manifest_id, request=marked, now=now, also=entry)


def _visible(actor: User):
    """Paper entries of the manifests the actor may see (regulators: either end in their jurisdiction)."""
    visible = access.visible_manifests(actor).with_only_columns(Manifest.id)
    return (select(PaperEntry).where(PaperEntry.manifest_id.in_(visible))
            .options(joinedload(PaperEntry.manifest), joinedload(PaperEntry.event), joinedload(PaperEntry.entered_by),
                     joinedload(PaperEntry.confirmed_by)))


def list_paper_entries(session, *, actor: User, unconfirmed: bool = False, page: int = 1,
                       per_page: int = 50) -> Page[PaperEntry]:
    """The paper entries the actor may see, unconfirmed first, then newest first."""
    query = _visible(actor)
    if unconfirmed:
        query = query.where(PaperEntry.confirmed_at.is_(None))
    query = query.order_by(PaperEntry.confirmed_at.is_not(None), PaperEntry.id.desc())
    return paginate(session, query, page=page, per_page=per_page)


def get_paper_entry(session, *, actor: User, entry_id: int) -> PaperEntry:
    entry = session.scalars(_visible(actor).where(PaperEntry.id == entry_id)).first()
    if entry is None:
        raise NotFound(N_("补录记录 {id} 不存在或无权查看"), params={"id": entry_id})
    return entry


@transactional
def confirm_paper_entry(session, *, actor: User, entry_id: int, now: datetime) -> PaperEntry:
    """A regulator of the manifest's origin or destination confirms the entry matches its paper form; once."""
    entry = get_paper_entry(session, actor=actor, entry_id=entry_id)
    manifest = entry.manifest
    if not (access.in_jurisdiction(actor, manifest.origin_region_code)
            or access.in_jurisdiction(actor, manifest.destination_region_code)):
        raise Forbidden(N_("只有联单起运地或目的地的生态环境部门可以确认补录"), code="FORBIDDEN")
    if entry.confirmed_at is not None:
        raise Conflict(N_("该补录已于 {time} 确认"), code="ALREADY_CONFIRMED",
                       params={"time": entry.confirmed_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")},
                       details={"entry_id": entry.id})
    entry.confirmed_at, entry.confirmed_by_id = now, actor.id
    session.flush()
    return entry


def paper_event_ids(session, manifest_id: int) -> dict[int, PaperEntry]:
    """The manifest's paper entries by event id (the manifest page marks those steps)."""
    return {e.event_id: e for e in session.scalars(select(PaperEntry).where(PaperEntry.manifest_id == manifest_id))}





def entry_of(session, event_id: int) -> int:
    """The paper entry of an event (the id), for the answer of an entry."""
    return session.scalar(select(PaperEntry.id).where(PaperEntry.event_id == event_id))


def manifest_by_number(session, *, actor: User, number: str) -> Manifest:
    """The visible manifest of this number (the paper form carries it), or 404."""
    manifest = session.scalars(access.visible_manifests(actor).where(Manifest.number == number.strip())).first()
    if manifest is None:
        raise NotFound(N_("联单 {manifest_id} 不存在或无权查看"), params={"manifest_id": number.strip()})
    return manifest


EXPORT_HEADERS = [N_("联单编号"), N_("环节"), N_("纸质联单上的发生时间"), N_("补录时间"), N_("补录人"), N_("重量（kg）"),
                  N_("纸质联单补录"), N_("扫描件 SHA-256"), N_("监管确认时间")]


def export_rows(entries, step_name, yes: str) -> list[list]:
    """The rows of the paper entries' export, each marked paper-entered (a page passes the translated step names
    and its word for yes)."""
    return [[e.manifest.number, step_name(e.event.type), _china(e.event.occurred_at), _china(e.entered_at),
             e.entered_by.username, e.event.quantity_kg if e.event.quantity_kg is not None else e.event.accepted_kg,
             yes, e.scan_sha256, _china(e.confirmed_at)] for e in entries]


def _china(moment: datetime | None) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""
