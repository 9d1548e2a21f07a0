"""Declarations prefilled from the ledger: the annual 管理计划 / annual report and the monthly report of bulk
industrial solid waste, with the enterprise's HJ 1259-2022 management tier and the due dates.

Tiers (《危险废物管理计划和管理台账制定技术导则》HJ 1259-2022) by the hazardous waste generated in the last full
year: ≥ 100 t 重点监管 (reports monthly and yearly), ≥ 10 t 简化管理 (quarterly and yearly), < 10 t 登记管理
(yearly). The figures come from the same movements as the ledger (batches produced at the organization's sites,
batches made by a receipt excluded; stock by the ledger's own sum), so a declaration never disagrees with it.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import BigInteger, and_, case, exists, func, literal, or_, select, type_coerce

from wastechain.domain.anomalies import Thresholds, annual_due_date
from wastechain.domain.quantities import GRAMS_PER_KG, ZERO, kg_from_grams
from wastechain.domain.streams import HAZARDOUS_STREAMS
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA, local_date
from wastechain.domain.vocabulary import DECLARING_ROLES, PeriodKind
from wastechain.models import Batch, Declaration, LineageFlow, Site, User, WasteCode
from wastechain.services import access
from wastechain.services.catalog.editions import reporting_groups
from wastechain.services.storage.ledger import DERIVED_KINDS, stock_at

TONNE = Decimal(1000)


@dataclass(frozen=True)
class Tier:
    key: str
    name: str
    rule: str
    reporting: str


TIERS = (
    (Decimal(100), Tier("key", N_("危险废物环境重点监管单位"), N_("年产生量 ≥ 100 吨"), N_("按月度和年度申报"))),
    (Decimal(10), Tier("simplified", N_("简化管理单位"), N_("年产生量 ≥ 10 吨"), N_("按季度和年度申报"))),
    (Decimal(0), Tier("registered", N_("登记管理单位"), N_("年产生量 < 10 吨"), N_("按年度申报"))),
)


def tier_of(generated_kg: Decimal) -> Tier:
    """The HJ 1259-2022 tier of an enterprise that generated this much hazardous waste in a year."""
    tonnes = Decimal(generated_kg) / TONNE
    return next(tier for floor, tier in TIERS if tonnes >= floor)


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA)


def _produced(org_id: int, start: date, end: date, *, hazardous: bool = False, categories: tuple[str, ...] = ()):
    """The organization's batches produced in [start, end) (receipt-made batches excluded), for the ledger's sums."""
    derived = exists().where(LineageFlow.batch_id == Batch.id, LineageFlow.kind.in_(DERIVED_KINDS))
    query = (select(Batch.waste_code, func.sum(type_coerce(Batch.quantity_kg, BigInteger)))
             .join(WasteCode, WasteCode.code == Batch.waste_code)
             .where(Batch.organization_id == org_id, Batch.generated_at >= _start(start),
                    Batch.generated_at < _start(end), ~derived))
    if hazardous:
        query = query.where(WasteCode.stream.in_([str(s) for s in HAZARDOUS_STREAMS]))
    if categories:
        query = query.where(WasteCode.category.in_(categories))
    return query


def _generated(session, org_id: int, start: date, end: date, *, hazardous: bool = False,
               categories: tuple[str, ...] = ()) -> dict[str, Decimal]:
    """Kilograms produced by the organization in [start, end) by waste code (receipt-made batches excluded)."""
    query = _produced(org_id, start, end, hazardous=hazardous, categories=categories).group_by(Batch.waste_code)
    return {code: kg_from_grams(int(g)) for code, g in session.execute(query).all() if g}


def _grams(org_id: int, start: date, end: date, **kinds):
    """The same sum over all codes, in grams, as a scalar expression (for one-statement checks)."""
    query = _produced(org_id, start, end, **kinds)
    return (query.with_only_columns(func.coalesce(func.sum(type_coerce(Batch.quantity_kg, BigInteger)), 0))
            .scalar_subquery())


def _stock(session, org_id: int, moment: datetime) -> dict[str, Decimal]:
    """Stock by waste code over the organization's sites at a moment, by the ledger's own sum."""
    total: dict[str, Decimal] = {}
    for site_id in session.scalars(select(Site.id).where(Site.organization_id == org_id)):
        for code, kg in stock_at(session, site_id, moment).items():
            if kg:
                total[code] = total.get(code, ZERO) + kg
    return total


def _names(session, codes) -> dict[str, str]:
    return dict(session.execute(select(WasteCode.code, WasteCode.name).where(WasteCode.code.in_(list(codes)))).all())


def _lines(session, generated: dict, stock: dict) -> list[dict]:
    """One line per code — codes a newer catalog edition merged or split are added up under the code(s) in force."""
    groups = reporting_groups(session, set(generated) | set(stock))
    folded: dict[str, dict] = {}
    for code in sorted(groups):
        line = folded.setdefault(groups[code], {"generated_kg": ZERO, "stock_kg": ZERO})
        line["generated_kg"] += generated.get(code, ZERO)
        line["stock_kg"] += stock.get(code, ZERO)
    names = _names(session, {c for label in folded for c in label.split(" / ")})
    return [{"waste_code": label, "name": "；".join(names.get(c, "") for c in label.split(" / ")), **folded[label]}
            for label in sorted(folded)]


def _note(lines: list[dict], heading: str) -> str:
    return heading + "\n" + "\n".join(f"{line['waste_code']} {line['name'][:40]}：产生 {line['generated_kg']} kg，"
                                      f"期末贮存 {line['stock_kg']} kg" for line in lines)


def _month_bounds(period: str) -> tuple[date, date]:
    first = date(int(period[:4]), int(period[5:7]), 1)
    return first, (first + timedelta(days=32)).replace(day=1)


def declaration_forms(session, *, actor: User, now: datetime, thresholds: Thresholds, year: int | None = None,
                      month: str | None = None) -> dict:
    """Both forms prefilled from the ledger, the tier and the due dates, and what was already submitted."""
    access.require_role(actor, *DECLARING_ROLES, doing=N_("提交申报"))
    org_id = actor.organization_id
    today = local_date(now)
    year = year or today.year - 1
    if month is None:
        previous = today.replace(day=1) - timedelta(days=1)
        month = f"{previous.year:04d}-{previous.month:02d}"
    # the tier: hazardous waste generated in the last full year (this year so far when there is none)
    basis_year = today.year - 1
    basis_kg = sum(_generated(session, org_id, date(basis_year, 1, 1), date(basis_year + 1, 1, 1),
                              hazardous=True).values(), ZERO)
    if not basis_kg:  # a new enterprise: this year so far
        basis_year = today.year
        basis_kg = sum(_generated(session, org_id, date(today.year, 1, 1), today + timedelta(days=1),
                                  hazardous=True).values(), ZERO)
    tier = tier_of(basis_kg)

    generated = _generated(session, org_id, date(year, 1, 1), date(year + 1, 1, 1), hazardous=True)
    stock = period_stock(session, org_id, PeriodKind.ANNUAL, str(year), thresholds)
    annual_lines = _lines(session, generated, stock)
    annual = {"period_kind": PeriodKind.ANNUAL, "period": str(year),
              "due": annual_due_date(year, thresholds.declaration_annual_due),
              "generated_kg": sum(generated.values(), ZERO), "stored_kg": sum(stock.values(), ZERO),
              "lines": annual_lines, "note": _note(annual_lines, f"{year} 年危险废物产生与贮存（据管理台账），"
                                                                 f"{year + 1} 年计划参照上年："),
              "required": sum(generated.values(), ZERO) >= thresholds.declaration_annual_threshold_kg}

    start, end = _month_bounds(month)
    cats = tuple(thresholds.bulk_industrial_categories)
    bulk = _generated(session, org_id, start, end, categories=cats)
    bulk_stock = period_stock(session, org_id, PeriodKind.MONTHLY, month, thresholds)
    monthly_lines = _lines(session, bulk, bulk_stock)
    due_month = end
    monthly = {"period_kind": PeriodKind.MONTHLY, "period": month,
               "due": date(due_month.year, due_month.month, thresholds.declaration_monthly_due_day),
               "generated_kg": sum(bulk.values(), ZERO), "stored_kg": sum(bulk_stock.values(), ZERO),
               "lines": monthly_lines, "categories": list(cats),
               "note": _note(monthly_lines, f"{month} 大宗工业固体废物（{'、'.join(cats)}，据管理台账）："),
               "required": bool(bulk)}
    submitted = {(d.period_kind, d.period): d for d in session.scalars(
        select(Declaration).where(Declaration.organization_id == org_id))}
    for form in (annual, monthly):
        form["submitted"] = submitted.get((form["period_kind"], form["period"]))
    return {"tier": tier, "tier_basis_year": basis_year, "tier_basis_kg": basis_kg, "annual": annual,
            "monthly": monthly, "today": today}


def period_stock(session, org_id: int, kind: PeriodKind | str, period: str,
                 thresholds: Thresholds) -> dict[str, Decimal]:
    """What a declaration of the period reports as stored, by the ledger: the hazardous stock at the year's end
    (annual), the bulk industrial stock at the month's end (monthly). MASS_BALANCE compares it with what was filed."""
    if kind == PeriodKind.ANNUAL:
        stock = _stock(session, org_id, _start(date(int(period) + 1, 1, 1)))
        codes = _hazardous_codes(session, stock)
    else:
        stock = _stock(session, org_id, _start(_month_bounds(period)[1]))
        codes = _codes_in_categories(session, stock, tuple(thresholds.bulk_industrial_categories))
    return {c: kg for c, kg in stock.items() if c in codes}


def _hazardous_codes(session, stock: dict) -> set[str]:
    if not stock:
        return set()
    return set(session.scalars(select(WasteCode.code).where(
        WasteCode.code.in_(list(stock)), WasteCode.stream.in_([str(s) for s in HAZARDOUS_STREAMS]))))


def _codes_in_categories(session, stock: dict, categories: tuple[str, ...]) -> set[str]:
    if not stock:
        return set()
    return set(session.scalars(select(WasteCode.code).where(WasteCode.code.in_(list(stock)),
                                                             WasteCode.category.in_(categories))))


# ---------------------------------------------------------------- what is due now (my tasks, issue 13 item 10)


def _submitted(org_id: int, kind: PeriodKind, period: str):
    return exists(select(Declaration.id).where(Declaration.organization_id == org_id,
                                               Declaration.period_kind == kind, Declaration.period == period))


def due_checks(org_id: int, today: date, thresholds: Thresholds) -> list[tuple[dict, object]]:
    """The declarations that may be due today, each with the SQL condition under which it is due and not filed:
    last year's annual 管理计划/申报 (every tier declares yearly) and last month's monthly report, due for a 重点监管
    enterprise (the tier rule of `declaration_forms`: last full year's hazardous waste, this year so far for a new
    one) or when bulk industrial solid waste was generated that month. Conditions are scalar SQL, so the header's
    badge adds them to its one count statement."""
    year = today.year - 1
    previous = today.replace(day=1) - timedelta(days=1)
    month = f"{previous.year:04d}-{previous.month:02d}"
    start, end = _month_bounds(month)
    annual = {"period_kind": PeriodKind.ANNUAL, "period": str(year),
              "due": annual_due_date(year, thresholds.declaration_annual_due)}
    monthly = {"period_kind": PeriodKind.MONTHLY, "period": month,
               "due": date(end.year, end.month, thresholds.declaration_monthly_due_day)}
    key_floor_g = int(TIERS[0][0] * TONNE * GRAMS_PER_KG)
    bulk_g = _grams(org_id, start, end, categories=tuple(thresholds.bulk_industrial_categories))
    monthly_due = and_(or_(tier_basis_grams(org_id, today) >= key_floor_g, bulk_g > 0),
                       ~_submitted(org_id, PeriodKind.MONTHLY, month))
    return [(annual, ~_submitted(org_id, PeriodKind.ANNUAL, str(year))), (monthly, monthly_due)]


def tier_basis_grams(org_id: int, today: date):
    """The hazardous waste (grams) that decides the tier: last full year's, or this year's so far when none."""
    last = _grams(org_id, date(today.year - 1, 1, 1), date(today.year, 1, 1), hazardous=True)
    this = _grams(org_id, date(today.year, 1, 1), today + timedelta(days=1), hazardous=True)
    return case((last > 0, last), else_=this)


def due_count(org_id: int, today: date, thresholds: Thresholds):
    """How many declarations are due and not filed, as a scalar SQL expression."""
    total = literal(0)
    for _form, condition in due_checks(org_id, today, thresholds):
        total = total + case((condition, 1), else_=0)
    return total


def due_declarations(session, *, actor: User, now: datetime, thresholds: Thresholds) -> list[dict]:
    """The declarations due or overdue for the actor's organization, not yet filed, with their due dates and the
    tier (one statement)."""
    if actor.organization_id is None or actor.role not in DECLARING_ROLES:
        return []
    today = local_date(now)
    checks = due_checks(actor.organization_id, today, thresholds)
    row = session.execute(select(tier_basis_grams(actor.organization_id, today),
                                 *[condition for _form, condition in checks])).one()
    tier = tier_of(kg_from_grams(int(row[0] or 0)))
    return [dict(form, overdue=form["due"] < today, tier=tier)
            for (form, _condition), due in zip(checks, row[1:]) if due]
