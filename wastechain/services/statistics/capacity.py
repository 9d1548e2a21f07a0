"""处置能力匹配: hazardous waste generated in the jurisdiction against the city's licensed treatment capacity.

Per HW category: generation of the last 12 months (the rollups up to yesterday) and this year's pace (this year so
far, scaled to a whole year); the licensed annual capacity of the city's valid 危险废物经营许可证 covering the
category; the capacity used this year (committed on live manifests, services/manifests/capacity.py, and accepted,
receiver_intake_total) of the receivers holding them. A permit covering several categories counts in each of
them (its capacity is shared, not split), so a category's capacity is what is at most available to it.
Warnings: generation past `warning_share` (default 80 %) of the capacity, and generation with no licensed
receiver in the city.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from wastechain.domain.assessment import rate
from wastechain.domain.regions import city_of, jurisdiction_prefix
from wastechain.domain.streams import HAZARDOUS_STREAMS, stream_of_category
from wastechain.models import (DailyFigures, Organization, Permit, ReceiverCapacity, ReceiverIntakeTotal, User,
                               WasteCode)
from wastechain.services import access, catalog
from wastechain.services.statistics.scope import region_clause, require_viewer

ZERO = Decimal(0)
HAZARDOUS = tuple(s.value for s in HAZARDOUS_STREAMS)


@dataclass
class CategoryMatch:
    category: str
    stream: str
    generated_12m_kg: Decimal = ZERO
    this_year_kg: Decimal = ZERO
    pace_kg: Decimal | None = None
    capacity_kg: Decimal = ZERO
    unlimited: bool = False  # a covering permit states no annual capacity
    receivers: set = field(default_factory=set)
    committed_kg: Decimal = ZERO
    accepted_kg: Decimal = ZERO
    share: Decimal | None = None  # generation of 12 months / capacity
    warnings: list[str] = field(default_factory=list)


def _generated(session, actor: User, first: date, last: date) -> dict[str, Decimal]:
    if first > last:
        return {}
    return dict(session.execute(
        select(DailyFigures.category, func.sum(DailyFigures.produced_kg))
        .where(region_clause(DailyFigures.region_code, actor), DailyFigures.stream.in_(HAZARDOUS),
               DailyFigures.day >= first, DailyFigures.day <= last)
        .group_by(DailyFigures.category)).all())


def _city(actor: User) -> str | None:
    """The city whose receivers count (a county regulator's city); None for an administrator: everywhere."""
    return city_of(actor.region_code) if access.is_regulator(actor) and actor.region_code else None


def _permits(session, city: str | None, today: date):
    query = (select(Permit, Organization.name, Organization.region_code)
             .join(Organization, Organization.id == Permit.organization_id)
             .where(Permit.kind == "hw_operation", Permit.valid_from <= today, Permit.valid_to >= today))
    if city:
        query = query.where(Organization.region_code.like(jurisdiction_prefix(city) + "%"))
    return session.execute(query.order_by(Permit.id)).all()


def capacity_matching(session, *, actor: User, today: date, warning_share: Decimal = Decimal("0.8")) -> dict:
    require_viewer(actor)
    yesterday = today - timedelta(days=1)
    year_start = today.replace(month=1, day=1)
    last_12 = _generated(session, actor, today - timedelta(days=365), yesterday)
    this_year = _generated(session, actor, year_start, yesterday)
    days_so_far = (today - year_start).days
    days_in_year = (year_start.replace(year=today.year + 1) - year_start).days
    categories = dict(session.execute(select(WasteCode.code, WasteCode.category)).all())
    year = today.year
    committed = dict(session.execute(select(ReceiverCapacity.receiver_id, ReceiverCapacity.committed_kg)
                                     .where(ReceiverCapacity.year == year)).all())
    accepted = dict(session.execute(select(ReceiverIntakeTotal.receiver_id, ReceiverIntakeTotal.accepted_kg)
                                    .where(ReceiverIntakeTotal.year == year)).all())
    matches: dict[str, CategoryMatch] = {}

    def match(category: str) -> CategoryMatch:
        if category not in matches:
            matches[category] = CategoryMatch(category, stream_of_category(category).value)
        return matches[category]

    receivers = []
    for permit, name, region in _permits(session, _city(actor), today):
        covered = sorted({categories.get(code, code) for code in permit.waste_codes if code.startswith("HW")
                          or categories.get(code, "").startswith("HW")})
        for category in covered:
            m = match(category)
            if permit.annual_capacity_kg is None:
                m.unlimited = True
            else:
                m.capacity_kg += permit.annual_capacity_kg
            if permit.organization_id not in m.receivers:
                m.receivers.add(permit.organization_id)
                m.committed_kg += committed.get(permit.organization_id, ZERO)
                m.accepted_kg += accepted.get(permit.organization_id, ZERO)
        used = committed.get(permit.organization_id, ZERO)
        receivers.append({"organization": name, "region_code": region, "permit": permit.number,
                          "categories": covered, "capacity_kg": permit.annual_capacity_kg, "committed_kg": used,
                          "accepted_kg": accepted.get(permit.organization_id, ZERO),
                          "used_share": rate(used, permit.annual_capacity_kg) if permit.annual_capacity_kg else None})
    for category, kg in last_12.items():
        match(category).generated_12m_kg = kg
    for category, kg in this_year.items():
        m = match(category)
        m.this_year_kg = kg
        m.pace_kg = (kg * days_in_year / days_so_far).quantize(Decimal("0.001")) if days_so_far else None
    for m in matches.values():
        _warn(m, warning_share)
    rows = sorted(matches.values(), key=lambda m: (not m.warnings, m.category))
    names = catalog.region_names(session, {r["region_code"] for r in receivers})
    return {"categories": rows, "receivers": receivers, "region_names": names, "year": year,
            "warning_share": warning_share, "city": _city(actor)}


def _warn(m: CategoryMatch, warning_share: Decimal) -> None:
    generated = max(m.generated_12m_kg, m.pace_kg or ZERO)
    if generated and not m.receivers:
        m.warnings.append("no_receiver")
        return
    if m.capacity_kg and not m.unlimited:
        m.share = rate(generated, m.capacity_kg)
        if generated > m.capacity_kg * warning_share:
            m.warnings.append("near_capacity")
