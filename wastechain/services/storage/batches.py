"""Registering batches of waste put into storage (产生 + 贮存)."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.numbering import unit_code
from wastechain.domain.timeutil import MAX_FUTURE, local_date
from wastechain.domain.vocabulary import ISSUER_ROLES, BatchStatus
from wastechain.models import Batch, Site, User, WasteCode
from wastechain.services import access
from wastechain.services.common import Page, paginate, transactional

PREFIX_LEN = 34  # the unit code before its 3-digit sequence


@transactional
def register_batch(session, *, actor: User, site_id: int, waste_code: str, quantity_kg: Decimal,
                   generated_at: datetime, now: datetime, container_count: int | None = None) -> Batch:
    """Records waste produced at one of the actor's sites; gives it its HJ 1276 unit code."""
    access.require_role(actor, *ISSUER_ROLES, doing="登记废物批次")
    site = session.get(Site, site_id)
    if site is None or site.organization_id != actor.organization_id:
        raise ValidationFailed(f"场所 {site_id} 不存在或不属于本单位", details={"site_id": "not your site"})
    waste = session.get(WasteCode, waste_code)
    if waste is None:
        raise ValidationFailed(f"废物代码不在名录中：{waste_code}", details={"waste_code": "unknown"})
    if generated_at > now + MAX_FUTURE:
        raise ValidationFailed("产生时间不能晚于当前时间", details={"generated_at": "in the future"})
    if container_count is not None and container_count < 1:
        raise ValidationFailed("容器数量必须为正整数", details={"container_count": "must be positive"})
    batch = Batch(unit_code=next_unit_code(session, site.organization.credit_code, waste.code, generated_at),
                  organization_id=actor.organization_id, site_id=site.id,
                  waste_code=waste.code, quantity_kg=quantity_kg, remaining_kg=quantity_kg, status=BatchStatus.STORED,
                  generated_at=generated_at, container_count=container_count)
    session.add(batch)
    session.flush()
    return batch


def next_unit_code(session, credit_code: str, waste_code: str, generated_at: datetime) -> str:
    """The next free HJ 1276 unit code of an organization's batches of one code on one day."""
    prefix = unit_code(credit_code, waste_code, local_date(generated_at), 0)[:PREFIX_LEN]
    # The org's same-day batches of one code are numbered in order; IMMEDIATE (SQLite) or the unique
    # constraint (PostgreSQL, retried by the caller as a conflict) keeps the numbering unique.
    last = session.scalar(select(func.max(Batch.unit_code)).where(Batch.unit_code.like(prefix + "%")))
    sequence = int(last[PREFIX_LEN:]) + 1 if last else 1
    if sequence > 999:
        raise ValidationFailed("同一天同一废物代码的批次已达 999 个", details={"generated_at": "sequence exhausted"})
    return prefix + f"{sequence:03d}"


def get_batch(session, *, actor: User, batch_id: int) -> Batch:
    return access.get_batch(session, actor, batch_id)


def list_batches(session, *, actor: User, status: str | None = None, site_id: int | None = None, page: int = 1,
                 per_page: int = 50) -> Page[Batch]:
    """The visible batches, newest first."""
    query = access.visible_batches(actor)
    if status:
        query = query.where(Batch.status == status)
    if site_id:
        query = query.where(Batch.site_id == site_id)
    query = query.order_by(Batch.id.desc()).options(selectinload(Batch.waste))  # names per page, not per row
    return paginate(session, query, page=page, per_page=per_page)
