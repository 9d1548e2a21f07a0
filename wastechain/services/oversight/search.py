"""The regulators' one search box: manifests by number, batches by unit code, containers by code, enterprises by
name or credit code — only what lies in the regulator's jurisdiction, grouped by kind, each kind paged.

A whole number or code is matched exactly (the unique index, on both databases); a part of one by its start (LIKE
'prefix%', served on PostgreSQL by the pattern indexes of migration 0020), never by a substring, so a search stays
fast at a million manifests; a kind's count stops at COUNT_CAP.
"""
import re

from sqlalchemy import Select, or_, select

from wastechain.domain.text import N_
from wastechain.domain.vocabulary import AUTHORITY_ROLES
from wastechain.models import Batch, Container, Manifest, Organization, Site, User
from wastechain.services import access
from wastechain.services.common import Page

KINDS = ("manifest", "batch", "container", "enterprise")
COUNT_CAP = 1000
MIN_PREFIX = 4  # shorter codes are matched whole only
CODE_CHARACTERS = re.compile(r"[^0-9A-Za-z-]")
NUMBER_LENGTH, UNIT_CODE_LENGTH, CREDIT_CODE_LENGTH = 14, 37, 18  # domain/numbering.py, domain/credit_code.py


def _code(q: str) -> str:
    return CODE_CHARACTERS.sub("", q).upper()


def _code_clause(column, code: str, whole: int | None = None):
    """A code typed whole (or too short to be a useful start) is matched exactly; otherwise by its start."""
    if len(code) < MIN_PREFIX or len(code) == whole:
        return column == code
    return column.like(code + "%")


def _manifests(actor: User, q: str) -> Select:
    found = _code_clause(Manifest.number, _code(q), NUMBER_LENGTH)
    return access.visible_manifests(actor).where(found)


def _batches(actor: User, q: str) -> Select:
    found = _code_clause(Batch.unit_code, _code(q), UNIT_CODE_LENGTH)
    return access.visible_batches(actor).where(found)


def _containers(actor: User, q: str) -> Select:
    query = select(Container).where(_code_clause(Container.code, _code(q)))
    if access.is_admin(actor):
        return query
    return query.join(Site, Site.id == Container.site_id).where(access.jurisdiction_clause(Site.region_code, actor))


def enterprises_of(actor: User) -> Select:
    """The enterprises whose seat lies in the actor's jurisdiction (every one for an administrator)."""
    query = select(Organization)
    return query if access.is_admin(actor) else query.where(
        access.jurisdiction_clause(Organization.region_code, actor))


def _enterprises(actor: User, q: str) -> Select:
    code = _code(q)
    matches = [Organization.name.contains(q.strip(), autoescape=True)]
    if code:
        matches.append(_code_clause(Organization.credit_code, code, CREDIT_CODE_LENGTH))
    return enterprises_of(actor).where(or_(*matches))


QUERIES = {"manifest": _manifests, "batch": _batches, "container": _containers, "enterprise": _enterprises}
SORTED_BY = {"manifest": (Manifest, "number"), "batch": (Batch, "unit_code"), "container": (Container, "code"),
             "enterprise": (Organization, "name")}


def _capped_page(session, kind: str, query: Select, *, page: int, per_page: int) -> Page:
    """One page of a kind's matches, sorted by number, code or name.

    The matches (at most COUNT_CAP + 1) are read without an ORDER BY and sorted here: asked for the first ten in
    number order, PostgreSQL walks the whole unique number index filtering a million rows (0.6 s measured), since it
    cannot see that a prefix is one stretch of that index; unordered, it reads the prefix index (1 ms).
    """
    model, key = SORTED_BY[kind]
    found = query.subquery()
    rows = sorted(session.execute(select(found.c.id, found.c[key]).limit(COUNT_CAP + 1)).all(),
                  key=lambda row: (row[1], row[0]))
    window = [row[0] for row in rows[(page - 1) * per_page:page * per_page]]
    items = session.scalars(select(model).where(model.id.in_(window))).all() if window else []
    return Page(items=sorted(items, key=lambda item: window.index(item.id)), total=len(rows), page=page,
                per_page=per_page)


def search(session, *, actor: User, q: str, kind: str | None = None, page: int = 1,
           per_page: int = 10) -> dict[str, Page]:
    """What the box finds in the actor's jurisdiction, by kind (only `kind` when given; its page is `page`)."""
    access.require_role(actor, *AUTHORITY_ROLES, doing=N_("查询"))
    q = (q or "").strip()[:100]
    if not q:
        return {}
    kinds = [kind] if kind in KINDS else list(KINDS)
    page = max(1, page)
    return {k: _capped_page(session, k, QUERIES[k](actor, q), page=page if kind else 1, per_page=per_page)
            for k in kinds}
