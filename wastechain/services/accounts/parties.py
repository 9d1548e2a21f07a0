"""Organizations, their sites, permits and vehicles, and users (approvals: services/accounts/approvals.py)."""
import re
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from wastechain.domain.credit_code import credit_code_problem
from wastechain.domain.errors import Conflict, Forbidden, ValidationFailed
from wastechain.domain.regions import level_of
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import Role
from wastechain.models import Organization, Permit, Region, Site, User, Vehicle, WasteCode
from wastechain.services import access
from wastechain.services.accounts.auth import add_user
from wastechain.services.common import transactional

ORG_ROLES = tuple(r.value for r in (Role.PRODUCER, Role.TRANSPORTER, Role.COLLECTOR, Role.RECEIVER, Role.REGULATOR))
SITE_KINDS = ("production", "storage", "facility")
PERMIT_KINDS = ("hw_operation", "hw_transport")
METHOD_PATTERN = re.compile(r"^[RDC]\d{1,2}$")  # 利用 R、处置 D、收集/贮存 C (危险废物经营许可证)
PLATE_PATTERN = re.compile(r"^[\u4e00-\u9fa5][A-Z][A-Z0-9]{5,6}$")


def _region(session, code: str, field: str = "region_code") -> Region:
    region = session.get(Region, code) if isinstance(code, str) else None
    if region is None:
        raise ValidationFailed(N_("行政区划代码不存在：{code}"), params={"code": code}, details={field: "unknown region"})
    return region


def _no_duplicate(session, column, value, label: str) -> None:
    if session.scalar(select(column).where(column == value)) is not None:
        raise Conflict(N_("{label} {value} 已存在"), params={"label": label, "value": value}, code="DUPLICATE",
                       details={"value": value})


@transactional
def create_organization(session, *, actor: User, name: str, credit_code: str, region_code: str,
                        roles: list[str]) -> Organization:
    """Registers an enterprise or agency after validating its 统一社会信用代码."""
    access.require_role(actor, Role.ADMIN, Role.REGULATOR, doing=N_("登记组织"))
    problem = credit_code_problem(credit_code)
    if problem:
        raise ValidationFailed(problem, details={"credit_code": problem})
    _region(session, region_code)
    if not access.in_jurisdiction(actor, region_code):
        raise Forbidden(N_("{region_code} 不在您的辖区内"), params={"region_code": region_code})
    unknown = [r for r in roles if r not in ORG_ROLES]
    if not roles or unknown:
        raise ValidationFailed(N_("组织角色无效：{roles}"), params={"roles": unknown or roles},
                               details={"roles": f"from {', '.join(ORG_ROLES)}"})
    _no_duplicate(session, Organization.credit_code, credit_code, N_("统一社会信用代码"))
    org = Organization(name=name, credit_code=credit_code, region_code=region_code, roles=sorted(set(roles)))
    session.add(org)
    session.flush()
    return org


@transactional
def add_site(session, *, actor: User, organization_id: int, name: str, kind: str, region_code: str,
             address: str = "", lat: float | None = None, lon: float | None = None,
             capacity_kg: Decimal | None = None) -> Site:
    """Adds a production site, storage site or facility to an organization."""
    org = access.organization_for_write(session, actor, organization_id, own_members=True)
    if kind not in SITE_KINDS:
        raise ValidationFailed(N_("场所类型无效：{kind}"), params={"kind": kind},
                               details={"kind": f"one of {', '.join(SITE_KINDS)}"})
    region = _region(session, region_code)
    if session.scalar(select(Region.code).where(Region.parent_code == region.code).limit(1)) is not None:
        raise ValidationFailed(N_("场所必须位于县级行政区，{name}（{code}）下还有区县"),
                               params={"name": region.name, "code": region.code},
                               details={"region_code": "not a county"})
    site = Site(organization_id=org.id, name=name, kind=kind, region_code=region_code, address=address,
                lat=lat, lon=lon, capacity_kg=capacity_kg)
    session.add(site)
    session.flush()
    return site


def known_codes_or_categories(session, items: list[str]) -> None:
    codes = set(session.scalars(select(WasteCode.code).where(WasteCode.code.in_(items))))
    categories = set(session.scalars(select(WasteCode.category).where(WasteCode.category.in_(items))))
    unknown = [i for i in items if i not in codes and i not in categories]
    if unknown:
        raise ValidationFailed(N_("未知的废物代码或类别：{codes}"), params={"codes": ", ".join(unknown)},
                               details={"waste_codes": unknown})


@transactional
def add_permit(session, *, actor: User, organization_id: int, number: str, kind: str, valid_from: date,
               valid_to: date, waste_codes: list[str], methods: list[str],
               annual_capacity_kg: Decimal | None) -> Permit:
    """Records a licence an organization holds."""
    access.require_role(actor, Role.ADMIN, Role.REGULATOR, doing=N_("登记许可证"))
    org = access.organization_for_write(session, actor, organization_id, own_members=False)
    if kind not in PERMIT_KINDS:
        raise ValidationFailed(N_("许可证类型无效：{kind}"), params={"kind": kind},
                               details={"kind": f"one of {', '.join(PERMIT_KINDS)}"})
    if valid_to < valid_from:
        raise ValidationFailed(N_("有效期结束日期早于开始日期"), details={"valid_to": "before valid_from"})
    if kind == "hw_operation" and not waste_codes:
        raise ValidationFailed(N_("经营许可证必须列明核准的废物代码或类别"), details={"waste_codes": "required"})
    known_codes_or_categories(session, waste_codes)
    bad = [m for m in methods if not METHOD_PATTERN.match(m)]
    if bad:
        raise ValidationFailed(N_("利用/处置方式代码无效：{methods}（应如 R4、D10、C1）"), params={"methods": ", ".join(bad)},
                               details={"methods": bad})
    _no_duplicate(session, Permit.number, number, N_("许可证编号"))
    permit = Permit(organization_id=org.id, number=number, kind=kind, valid_from=valid_from, valid_to=valid_to,
                    waste_codes=waste_codes, methods=methods, annual_capacity_kg=annual_capacity_kg)
    session.add(permit)
    session.flush()
    return permit


@transactional
def add_vehicle(session, *, actor: User, organization_id: int, plate: str,
                max_load_kg: Decimal | None = None) -> Vehicle:
    """Registers a transporter's vehicle by its plate."""
    org = access.organization_for_write(session, actor, organization_id, own_members=True)
    if actor.organization_id == org.id and actor.role != Role.TRANSPORTER:
        raise Forbidden(N_("只有运输单位账号可以登记车辆"))
    if not org.has_role(Role.TRANSPORTER):
        raise ValidationFailed(N_("「{name}」不是运输单位"), params={"name": org.name},
                               details={"organization_id": "not a transporter"})
    plate = plate.strip().upper()
    if not PLATE_PATTERN.match(plate):
        raise ValidationFailed(N_("车牌号格式不正确：{plate}（如 浙H12345）"), params={"plate": plate},
                               details={"plate": "bad format"})
    _no_duplicate(session, Vehicle.plate, plate, N_("车牌号"))
    vehicle = Vehicle(organization_id=org.id, plate=plate, max_load_kg=max_load_kg)
    session.add(vehicle)
    session.flush()
    return vehicle


# Which organization role a user role needs.
USER_ORG_ROLE = {Role.PRODUCER: Role.PRODUCER, Role.COLLECTOR: Role.COLLECTOR, Role.TRANSPORTER: Role.TRANSPORTER,
                 Role.DRIVER: Role.TRANSPORTER, Role.RECEIVER: Role.RECEIVER}


@transactional
def create_user(session, *, actor: User, username: str, password: str, role: str, hash_method: str,
                organization_id: int | None = None, region_code: str | None = None, org_admin: bool = False,
                display_name: str | None = None) -> User:
    """Creates an account (with the person's name, shown beside their work): enterprise users belong to an organization of the matching role; regulators have a
    jurisdiction (a county or a city).

    An enterprise account a regulator creates is flagged: it cannot log in or act until the enterprise's own admin
    (or a system administrator) confirms it (issue 11 item 10), so a regulator cannot quietly act as a company.
    `org_admin` makes the account the enterprise's administrator (company users, sites, vehicles, API keys).
    """
    access.require_role(actor, Role.ADMIN, Role.REGULATOR, doing=N_("创建用户"))
    if role == Role.ADMIN and not access.is_admin(actor):
        raise Forbidden(N_("只有管理员可以创建管理员"))
    if role == Role.REGULATOR:
        if not region_code:
            raise ValidationFailed(N_("监管用户必须指定辖区 region_code"), details={"region_code": "required"})
        region = _region(session, region_code)
        if level_of(region.code) == "province" and not access.is_admin(actor):
            raise Forbidden(N_("只有管理员可以创建省级监管用户"))
        if not access.in_jurisdiction(actor, region.code):
            raise Forbidden(N_("{region_code} 不在您的辖区内"), params={"region_code": region_code})
    elif role in USER_ORG_ROLE:
        if organization_id is None:
            raise ValidationFailed(N_("企业用户必须指定 organization_id"), details={"organization_id": "required"})
        org = access.organization_for_write(session, actor, organization_id, own_members=False)
        if not org.has_role(USER_ORG_ROLE[role]):
            raise ValidationFailed(N_("「{name}」没有 {org_role} 角色，不能创建 {role} 用户"),
                                   params={"name": org.name, "org_role": USER_ORG_ROLE[role], "role": role},
                                   details={"role": "organization lacks this role"})
        region_code = None
    user = add_user(session, username=username, password=password, role=role, hash_method=hash_method,
                    organization_id=organization_id if role in USER_ORG_ROLE else None, region_code=region_code,
                    display_name=display_name)
    enterprise = role in USER_ORG_ROLE
    user.org_admin = bool(org_admin) and enterprise and role != Role.DRIVER
    user.pending_confirmation = enterprise and access.is_regulator(actor)
    user.created_by_id = actor.id
    session.flush()
    return user
