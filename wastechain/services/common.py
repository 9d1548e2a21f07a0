"""What every service shares: one page of a list, the unit of work, row locks."""
import functools
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select

T = TypeVar("T")
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list, as services return it: the items and where they sit in the whole."""

    items: list[T]
    total: int
    page: int = 1
    per_page: int = 50

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(session, query: Select, *, page: int = 1, per_page: int = 50, scalars: bool = True) -> Page:
    """Runs one page of a SELECT and counts the whole of it."""
    page, per_page = max(1, page), max(1, min(per_page, MAX_PER_PAGE))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    window = query.limit(per_page).offset((page - 1) * per_page)
    items = session.scalars(window).all() if scalars else session.execute(window).all()
    return Page(items=list(items), total=total or 0, page=page, per_page=per_page)


def whole(items: list) -> Page:
    """A short list returned whole, in the shape of a page."""
    return Page(items=list(items), total=len(items), page=1, per_page=max(1, len(items)))


def transactional(service):
    """The unit of work: the outermost service call commits once on success and rolls back once on any error.

    A service called by another service joins its caller's transaction, so a request writes all or nothing, and
    views never commit or roll back.
    """

    @functools.wraps(service)
    def wrapper(session, *args, **kwargs):
        depth = session.info.get("wastechain.depth", 0)
        session.info["wastechain.depth"] = depth + 1
        try:
            result = service(session, *args, **kwargs)
            if depth == 0:
                session.commit()
            return result
        except BaseException:
            if depth == 0:
                session.rollback()
            raise
        finally:
            session.info["wastechain.depth"] = depth

    return wrapper


def locked(session, query: Select):
    """The rows of a SELECT locked for this transaction (PostgreSQL; SQLite writers are serialized), fresh."""
    return session.scalars(query.with_for_update().execution_options(populate_existing=True))
