"""Registering batches of waste put into storage (产生 + 贮存), one by one or a whole import at once, and listing
them with their time in storage against the legal limit."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from wastechain.domain.anomalies import Thresholds
from wastechain.domain.batchinfo import BATCH_FIELD_NAMES, LABEL_TEXT_FIELDS, StorageTime, WasteForm, storage_time
from wastechain.domain.errors import DomainError, ValidationFailed
from wastechain.domain.numbering import unit_code
from wastechain.domain.storage import storage_limit
from wastechain.domain.text import N_, clean_text
from wastechain.domain.timeutil import CHINA, MAX_FUTURE, local_date
from wastechain.domain.vocabulary import ISSUER_ROLES, BatchStatus
from wastechain.models import Batch, Manifest, ManifestLine, Site, User, WasteCode
from wastechain.services import access
from wastechain.services.catalog.editions import code_edition
from wastechain.services.common import Page, paginate, transactional

PREFIX_LEN = 34  # the unit code before its 3-digit sequence
MAX_IMPORT_ROWS = 2000


@transactional
def register_batch(session, *, actor: User, site_id: int, waste_code: str, quantity_kg: Decimal,
                   generated_at: datetime, now: datetime, container_count: int | None = None,
                   waste_form: str | None = None, **label_fields) -> Batch:
    """Records waste produced at one of the actor's sites; gives it its HJ 1276 unit code and label fields."""
    access.require_role(actor, *ISSUER_ROLES, doing=N_("登记废物批次"))
    site = session.get(Site, site_id)
    if site is None or site.organization_id != actor.organization_id:
        raise ValidationFailed(N_("场所 {site} 不存在或不属于本单位"), params={"site": site_id},
                               details={"site_id": "not your site"})
    waste = session.get(WasteCode, waste_code)
    if waste is None:
        raise ValidationFailed(N_("废物代码不在名录中：{code}"), params={"code": waste_code},
                               details={"waste_code": "unknown"})
    if generated_at > now + MAX_FUTURE:
        raise ValidationFailed(N_("产生时间不能晚于当前时间"), details={"generated_at": "in the future"})
    edition = code_edition(session, waste.code, local_date(generated_at))  # in force on the day it was produced
    if container_count is not None and container_count < 1:
        raise ValidationFailed(N_("容器数量必须为正整数"), details={"container_count": "must be positive"})
    if waste_form and waste_form not in set(WasteForm):
        raise ValidationFailed(N_("废物形态无效：{form}"), params={"form": waste_form}, details={"waste_form": "unknown"})
    unknown = set(label_fields) - {n for n, _ in LABEL_TEXT_FIELDS}
    if unknown:
        raise TypeError(f"unknown batch fields {sorted(unknown)}")
    texts = {}
    for name, max_length in LABEL_TEXT_FIELDS:
        texts[name] = clean_text(label_fields.get(name), field=BATCH_FIELD_NAMES[name], max_length=max_length)
    batch = Batch(unit_code=next_unit_code(session, site.organization.credit_code, waste.code, generated_at),
                  organization_id=actor.organization_id, site_id=site.id, code_edition_id=edition.id,
                  waste_code=waste.code, quantity_kg=quantity_kg, remaining_kg=quantity_kg, status=BatchStatus.STORED,
                  generated_at=generated_at, container_count=container_count, waste_form=waste_form or "", **texts)
    session.add(batch)
    session.flush()
    return batch


@dataclass(frozen=True)
class RowProblem:
    """One refused cell of an import: the spreadsheet row, the field, and the error (its message translatable)."""

    row: int
    field: str
    error: DomainError


class ImportRefused(ValidationFailed):
    """An import with at least one bad row: nothing was registered (422, VALIDATION_ERROR)."""

    def __init__(self, problems: list[RowProblem]):
        rows = sorted({p.row for p in problems})
        super().__init__(N_("导入未完成：{count} 行有错误，没有登记任何批次"), params={"count": len(rows)},
                         details={"rows": [{"row": p.row, "column": p.field, "message": p.error.message}
                                           for p in problems]})
        self.problems = problems


@transactional
def import_batches(session, *, actor: User, rows: list[tuple[int, dict]], now: datetime,
                   problems: list[RowProblem] | None = None) -> list[Batch]:
    """Registers every row of an import in one transaction, or none: `problems` found while reading the file
    (bad cells) and every row the registration refuses are reported together, and then nothing is written."""
    access.require_role(actor, *ISSUER_ROLES, doing=N_("导入废物批次"))
    problems = list(problems or [])
    if not rows and not problems:
        raise ValidationFailed(N_("文件中没有数据行"), details={"file": "no rows"})
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(N_("一次最多导入 {max} 行"), params={"max": MAX_IMPORT_ROWS}, details={"file": "too many rows"})
    registered = []
    for number, fields in rows:
        try:  # register_batch checks everything before it adds a row: a refused row leaves nothing behind
            registered.append(register_batch(session, actor=actor, now=now, **fields))
        except DomainError as error:
            problems.append(RowProblem(row=number, field=next(iter(error.details), ""), error=error))
    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: p.row))
    return registered


def next_unit_code(session, credit_code: str, waste_code: str, generated_at: datetime) -> str:
    """The next free HJ 1276 unit code of an organization's batches of one code on one day."""
    prefix = unit_code(credit_code, waste_code, local_date(generated_at), 0)[:PREFIX_LEN]
    # The org's same-day batches of one code are numbered in order; IMMEDIATE (SQLite) or the unique
    # constraint (PostgreSQL, retried by the caller as a conflict) keeps the numbering unique.
    last = session.scalar(select(func.max(Batch.unit_code)).where(Batch.unit_code.like(prefix + "%")))
    sequence = int(last[PREFIX_LEN:]) + 1 if last else 1
    if sequence > 999:
        raise ValidationFailed(N_("同一天同一废物代码的批次已达 999 个"), details={"generated_at": "sequence exhausted"})
    return prefix + f"{sequence:03d}"


def get_batch(session, *, actor: User, batch_id: int) -> Batch:
    return access.get_batch(session, actor, batch_id)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA)


def list_batches(session, *, actor: User, status: str | None = None, site_id: int | None = None,
                 q: str | None = None, waste_code: str | None = None, date_from: date | None = None,
                 date_to: date | None = None, page: int = 1, per_page: int = 50) -> Page[Batch]:
    """The visible batches, newest first: searched by unit code, waste code or name, filtered by code, site,
    status and the China day they were produced."""
    query = access.visible_batches(actor)
    if status:
        query = query.where(Batch.status == status)
    if site_id:
        query = query.where(Batch.site_id == site_id)
    if waste_code:
        query = query.where(Batch.waste_code == waste_code)
    if q:
        like = f"%{q}%"
        names = select(WasteCode.code).where(or_(WasteCode.name.like(like), WasteCode.category_name.like(like),
                                                 WasteCode.category.like(like)))
        query = query.where(or_(Batch.unit_code.like(like), Batch.waste_code.like(like),
                                Batch.waste_code.in_(names), Batch.main_components.like(like)))
    if date_from:
        query = query.where(Batch.generated_at >= _day_start(date_from))
    if date_to:
        query = query.where(Batch.generated_at < _day_start(date_to + timedelta(days=1)))
    query = query.order_by(Batch.generated_at.desc(), Batch.id.desc()).options(
        selectinload(Batch.waste), selectinload(Batch.site),  # names per page, not per row
        joinedload(Batch.code_edition))  # the edition in the same query
    return paginate(session, query, page=page, per_page=per_page)


def time_in_storage(batch: Batch, *, now: datetime, thresholds: Thresholds) -> StorageTime:
    """A batch's time in storage against its stream's legal limit (hazardous 365 days, medical 48 hours)."""
    limit = storage_limit(batch.waste.stream, hazardous_days=thresholds.storage_limit_days_hazardous,
                          medical_hours=thresholds.storage_limit_hours_medical)
    return storage_time(batch.generated_at, now, limit, empty=batch.remaining_kg == 0)


def own_sites(session, *, actor: User) -> list[Site]:
    """The sites of the actor's organization, where its batches are stored."""
    if actor.organization_id is None:
        return []
    return list(session.scalars(select(Site).where(Site.organization_id == actor.organization_id).order_by(Site.id)))


def manifests_carrying(session, *, actor: User, batch_id: int) -> list[Manifest]:
    """The manifests with a line from this batch that the actor may see, newest first."""
    visible = access.visible_manifests(actor).with_only_columns(Manifest.id)
    return list(session.scalars(
        select(Manifest).where(Manifest.id.in_(select(ManifestLine.manifest_id).where(ManifestLine.batch_id == batch_id)),
                               Manifest.id.in_(visible)).order_by(Manifest.id.desc())))
