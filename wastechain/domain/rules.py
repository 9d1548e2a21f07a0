"""The rules checked when a manifest is issued (SPEC.md "Rules"), each a small function over plain facts.

A rule returns a RuleViolation (with its stable error code) or None; the service raises it at run time and the
nightly reconciliation can use the same function to find the anomaly afterwards.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from wastechain.domain.errors import RuleViolation
from wastechain.domain.quantities import fmt_kg
from wastechain.domain.regions import city_of, county_of
from wastechain.domain.streams import STREAM_NAMES, Stream, is_hazardous
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import Role


@dataclass(frozen=True)
class PermitFacts:
    number: str
    kind: str
    valid_from: date
    valid_to: date
    waste_codes: frozenset[str]  # codes ("900-041-49") or categories ("HW08")
    methods: frozenset[str] = field(default_factory=frozenset)
    annual_capacity_kg: Decimal | None = None
    used_kg: Decimal = Decimal(0)  # quantity already committed to this permit in the year of `on`

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def covers(self, waste_code: str, category: str) -> bool:
        return waste_code in self.waste_codes or category in self.waste_codes


JURISDICTION_RULES = {True: N_("危险废物不出市"), False: N_("一般固体废物不出县")}  # by "is hazardous"


def jurisdiction_violation(
    *, stream: Stream, waste_code: str, origin_region: str, destination_region: str, approved: bool,
    origin_name: str | None = None, destination_name: str | None = None,
) -> RuleViolation | None:
    """危险废物不出市、一般固体废物不出县 (Quzhou policy, stricter than the national 就近原则), unless approved.

    The message names the regions (`origin_name`, `destination_name`) when the caller knows them, else their codes.
    """
    if is_hazardous(stream):
        scope, same = N_("跨市"), city_of(origin_region) == city_of(destination_region)
        rule = JURISDICTION_RULES[True]
    else:
        scope, same = N_("跨县"), county_of(origin_region) == county_of(destination_region)
        rule = JURISDICTION_RULES[False]
    if same or approved:
        return None
    return RuleViolation(
        N_("{stream} {waste_code} 不能从 {origin} 转移到 {destination}：{scope}转移违反「{rule}」，且没有覆盖该转移的有效审批"),
        params={"stream": STREAM_NAMES[stream], "waste_code": waste_code, "origin": origin_name or origin_region,
                "destination": destination_name or destination_region, "scope": scope, "rule": rule},
        code="JURISDICTION_VIOLATION",
        details={
            "rule": rule,
            "stream": stream.value,
            "waste_code": waste_code,
            "origin_region": origin_region,
            "destination_region": destination_region,
        },
    )


def receiver_permit_violation(
    *, stream: Stream, waste_code: str, category: str, quantity_kg: Decimal, on: date, permits: list[PermitFacts],
    receiver_name: str,
) -> RuleViolation | None:
    """A hazardous receiver needs a 危险废物经营许可证 valid on the day, covering the code, with capacity left."""
    if not is_hazardous(stream):
        return None
    valid = [p for p in permits if p.kind == "hw_operation" and p.valid_on(on)]
    covering = [p for p in valid if p.covers(waste_code, category)]
    details = {"receiver": receiver_name, "waste_code": waste_code, "date": on.isoformat()}
    if not covering:
        params = {"receiver": receiver_name, "waste_code": waste_code, "category": category, "on": on.isoformat(),
                  "permits": ", ".join(p.number for p in valid)}
        template = (N_("接收单位「{receiver}」在该日期没有有效的危险废物经营许可证：{waste_code}（{category}），日期 {on}")
                    if not valid else
                    N_("接收单位「{receiver}」的许可证（{permits}）不覆盖该废物代码：{waste_code}（{category}），日期 {on}"))
        return RuleViolation(template, params=params, code="PERMIT_INVALID",
                             details={**details, "permits": [p.number for p in valid]})
    for permit in covering:
        if permit.annual_capacity_kg is None or permit.used_kg + quantity_kg <= permit.annual_capacity_kg:
            return None
    permit = covering[0]
    return RuleViolation(
        N_("接收单位「{receiver}」许可证 {permit} 年度经营规模不足：已用 {used}，本次 {requested}，上限 {capacity}"),
        params={"receiver": receiver_name, "permit": permit.number, "used": fmt_kg(permit.used_kg),
                "requested": fmt_kg(quantity_kg), "capacity": fmt_kg(permit.annual_capacity_kg)},
        code="PERMIT_INVALID",
        details={**details, "permit": permit.number, "used_kg": permit.used_kg,
                 "requested_kg": quantity_kg, "annual_capacity_kg": permit.annual_capacity_kg},
    )


def transport_permit_violation(
    *, hazardous: bool, on: date, permits: list[PermitFacts], transporter_name: str
) -> RuleViolation | None:
    """A transporter of hazardous waste needs a 危险货物道路运输许可 valid on the day."""
    if not hazardous or any(p.kind == "hw_transport" and p.valid_on(on) for p in permits):
        return None
    return RuleViolation(
        N_("运输单位「{transporter}」在 {on} 没有有效的危险货物道路运输许可"),
        params={"transporter": transporter_name, "on": on.isoformat()},
        code="PERMIT_INVALID",
        details={"transporter": transporter_name, "date": on.isoformat()},
    )


def quantity_violation(*, unit_code: str, remaining_kg: Decimal, requested_kg: Decimal) -> RuleViolation | None:
    """A manifest cannot take more from a batch than the batch still holds in storage."""
    if requested_kg <= remaining_kg:
        return None
    return RuleViolation(
        N_("批次 {unit_code} 库存不足：剩余 {remaining}，申请转移 {requested}"),
        params={"unit_code": unit_code, "remaining": fmt_kg(remaining_kg), "requested": fmt_kg(requested_kg)},
        code="INSUFFICIENT_QUANTITY",
        details={"unit_code": unit_code, "remaining_kg": remaining_kg, "requested_kg": requested_kg},
    )


def disposal_method_violation(*, method: str, permits: list[PermitFacts], on: date) -> RuleViolation | None:
    """The utilization (R) or disposal (D) method must be one a valid permit allows, when permits list methods."""
    listed = [p for p in permits if p.kind == "hw_operation" and p.valid_on(on) and p.methods]
    if not listed or any(method in p.methods for p in listed):
        return None
    allowed = sorted(set().union(*(p.methods for p in listed)))
    return RuleViolation(
        N_("利用/处置方式 {method} 不在许可证允许的方式中（{allowed}）"),
        params={"method": method, "allowed": ", ".join(allowed)},
        code="PERMIT_INVALID", details={"method": method, "allowed_methods": allowed},
    )


def receives_into_stock(receiver_roles, site_kind: str, *, return_trip: bool = False) -> bool:
    """A collector's storage site (小微收集中心) takes inbound waste into its own stock instead of treating it; so
    does an issuer taking its refused waste back on a return trip."""
    return return_trip or (Role.COLLECTOR in receiver_roles and site_kind != "facility")
