"""Reading the reference catalogs: administrative divisions and the waste code list (editions: editions.py;
importing a new edition: imports.py)."""
from datetime import date

from sqlalchemy import case, or_, select

from wastechain.domain import catalog as rules
from wastechain.domain.regions import level_of
from wastechain.models import CatalogEntry, Region, User
from wastechain.services import access
from wastechain.services.catalog.editions import all_editions
from wastechain.services.common import Page, paginate, whole


def list_regions(session, *, parent: str | None = None) -> Page[Region]:
    """Regions directly under a parent (provinces when no parent is given)."""
    query = select(Region).where(Region.parent_code == parent if parent else Region.parent_code.is_(None))
    return whole(session.scalars(query.order_by(Region.code)).all())


def search_waste_codes(session, *, q: str | None = None, stream: str | None = None, category: str | None = None,
                       on: date | None = None, page: int = 1, per_page: int = 50) -> Page[CatalogEntry]:
    """The codes in force on a day (by default: of the newest loaded edition of each catalog), searched by code,
    name, category (HW08) or category name, filtered by stream and category; codes that start with what was typed
    come first (typing "900-0" should not list names first)."""
    editions = all_editions(session)
    used = [rules.in_force(editions, kind, on or date.max) for kind in rules.KIND_NAMES]
    W = CatalogEntry
    query = select(W).where(W.edition_id.in_([e.id for e in used if e is not None]))
    order = []
    if q:
        q = q.strip()
        like = f"%{q}%"
        query = query.where(or_(W.code.like(like), W.name.like(like), W.category_name.like(like),
                                W.category.like(like)))
        order.append(case((W.code.like(f"{q}%"), 0), (W.category.like(f"{q}%"), 1), else_=2))
    if stream:
        query = query.where(W.stream == stream)
    if category:
        query = query.where(W.category == category)
    return paginate(session, query.order_by(*order, W.category, W.code), page=page, per_page=per_page)


def region_names(session, codes) -> dict[str, str]:
    """Region codes → their names, for showing regions by name."""
    codes = {c for c in codes if c}
    if not codes:
        return {}
    return dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())


def counties_of(session, actor: User) -> list[Region]:
    """The counties a regulator can filter by: its own county, or the counties of its city."""
    if not access.is_regulator(actor) or not actor.region_code:
        return []
    if level_of(actor.region_code) == "county":
        return list(session.scalars(select(Region).where(Region.code == actor.region_code)))
    return list(session.scalars(select(Region).where(Region.parent_code == actor.region_code).order_by(Region.code)))
