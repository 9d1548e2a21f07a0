"""Whose figures: the regulator's jurisdiction (county or city), everything for an administrator."""
from sqlalchemy import or_, true

from wastechain.domain.regions import within
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import AUTHORITY_ROLES
from wastechain.models import User
from wastechain.services import access
from wastechain.services.access import jurisdiction_clause


def require_viewer(actor: User) -> None:
    access.require_role(actor, *AUTHORITY_ROLES, doing=N_("查看监管统计"))


def region_clause(column, actor: User):
    return true() if access.is_admin(actor) else jurisdiction_clause(column, actor)


def either_clause(first, second, actor: User):
    return true() if access.is_admin(actor) else or_(jurisdiction_clause(first, actor),
                                                     jurisdiction_clause(second, actor))


def sees(actor: User, region_code: str) -> bool:
    return access.is_admin(actor) or bool(actor.region_code and within(region_code, actor.region_code))
