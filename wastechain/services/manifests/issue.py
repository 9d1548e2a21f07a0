"""Issuing a transfer manifest once every rule of SPEC.md passes, reserving the quantities from the batches."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from wastechain.domain import rules
from wastechain.domain.errors import RuleViolation, ValidationFailed
from wastechain.domain.numbering import manifest_number
from wastechain.domain.quantities import ZERO
from wastechain.domain.regions import city_of
from wastechain.domain.states import ManifestStatus, Step
from wastechain.domain.storage import batch_status
from wastechain.domain.streams import Stream, is_hazardous
from wastechain.domain.timeutil import local_date
from wastechain.domain.vocabulary import ISSUER_ROLES, RECEIVING_ROLES, Role
from wastechain.models import (Approval, Batch, Manifest, ManifestLine, ManifestSerial, Organization, Permit, Site,
                               User, Vehicle)
from wastechain.services import access
from wastechain.services.common import locked, transactional
from wastechain.services.manifests import capacity
from wastechain.services.manifests.events import append_event
from wastechain.services.runtime import runtime_of

OPEN_STATUSES = capacity.LIVE_STATUSES


@dataclass(frozen=True)
class LineRequest:
    batch_id: int
    quantity_kg: Decimal


# ---------------------------------------------------------------- issue

@transactional
def issue_manifest(session, *, actor: User, lines: list[LineRequest], receiver_site_id: int, transporter_id: int,
                   planned_pickup_at: datetime, now: datetime, vehicle_id: int | None = None,
                   driver_id: int | None = None, approval_id: int | None = None) -> Manifest:
    """Issues a transfer manifest once every rule of SPEC.md passes, reserving the quantities from the batches."""
    access.require_role(actor, *ISSUER_ROLES, doing="开具转移联单")
    if not lines:
        raise ValidationFailed("联单至少需要一行", details={"lines": "empty"})
    if len({line.batch_id for line in lines}) != len(lines):
        raise ValidationFailed("同一批次在联单中只能出现一次", details={"lines": "duplicate batch"})
    batches = _lock_own_batches(session, actor, [line.batch_id for line in lines])
    origin = _single_origin_site(batches)
    receiver_site = _receiver_site(session, receiver_site_id)
    transporter = _transporter(session, transporter_id, vehicle_id, driver_id)
    planned_on = local_date(planned_pickup_at)
    approval = _lock_approval(session, approval_id, actor, receiver_site, planned_on)

    needs_approval = Decimal(0)
    for line in lines:
        batch = batches[line.batch_id]
        _raise(rules.quantity_violation(unit_code=batch.unit_code, remaining_kg=batch.remaining_kg,
                                        requested_kg=line.quantity_kg))
        stream = Stream(batch.waste.stream)
        crosses = rules.jurisdiction_violation(stream=stream, waste_code=batch.waste_code,
                                               origin_region=origin.region_code,
                                               destination_region=receiver_site.region_code, approved=False)
        if crosses:
            _raise(_approval_problem(approval, batch, line.quantity_kg + needs_approval, crosses,
                                     receiver_site_id=receiver_site.id, on=planned_on))
            needs_approval += line.quantity_kg
    _check_permits(session, batches, lines, receiver_site, transporter, planned_on)

    # The parties and sites already loaded go on the manifest, so the response names them without reading again.
    manifest = Manifest(
        number=_next_number(session, origin.region_code, now), status=ManifestStatus.ISSUED.value,
        issuer_id=actor.organization_id, origin_site_id=origin.id, origin_region_code=origin.region_code,
        receiver_id=receiver_site.organization_id, receiver_site_id=receiver_site.id,
        destination_region_code=receiver_site.region_code, transporter_id=transporter.id, vehicle_id=vehicle_id,
        issuer=actor.organization, origin_site=origin, receiver=receiver_site.organization,
        receiver_site=receiver_site, transporter=transporter,
        driver_id=driver_id, approval_id=approval.id if approval and needs_approval else None,
        planned_pickup_at=planned_pickup_at, total_kg=sum((l.quantity_kg for l in lines), ZERO),
        disposed_kg=ZERO, issued_at=now, status_changed_at=now, issued_by_id=actor.id)
    session.add(manifest)
    for line in lines:
        batch = batches[line.batch_id]
        take_from_batch(batch, line.quantity_kg)
        manifest.lines.append(ManifestLine(batch_id=batch.id, waste_code=batch.waste_code, quantity_kg=line.quantity_kg))
    if approval and needs_approval:
        approval.reserved_kg += needs_approval
    session.flush()
    event = append_event(session, manifest, step=Step.ISSUE, actor=actor, now=now, occurred_at=now,
                         idempotency_key=f"issue-{manifest.id}", data={"number": manifest.number})
    for handler in runtime_of(session).in_step:  # lineage draws the lines from the batches
        handler(session, manifest=manifest, event=event)
    return manifest


def _raise(violation: RuleViolation | None) -> None:
    if violation is not None:
        raise violation


def _lock_own_batches(session, actor: User, batch_ids: list[int]) -> dict[int, Batch]:
    found = locked(session, select(Batch).where(Batch.id.in_(batch_ids)).order_by(Batch.id)).all()
    by_id = {b.id: b for b in found}
    foreign = [i for i in batch_ids if i not in by_id or by_id[i].organization_id != actor.organization_id]
    if foreign:
        raise RuleViolation(f"批次 {', '.join(map(str, foreign))} 不存在或不属于本单位", code="OWNERSHIP_VIOLATION",
                            details={"batch_ids": foreign})
    return by_id


def _single_origin_site(batches: dict[int, Batch]) -> Site:
    sites = {b.site_id: b.site for b in batches.values()}
    if len(sites) != 1:
        raise ValidationFailed("一张联单的批次必须来自同一场所（一车一单）", details={"lines": "several origin sites"})
    return next(iter(sites.values()))


def _receiver_site(session, site_id: int) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise ValidationFailed(f"接收场所 {site_id} 不存在", details={"receiver_site_id": "unknown"})
    if not any(site.organization.has_role(role) for role in RECEIVING_ROLES):
        raise ValidationFailed(f"「{site.organization.name}」不是接收或收集单位", details={"receiver_site_id": "not a receiver"})
    return site


def _transporter(session, transporter_id: int, vehicle_id: int | None, driver_id: int | None) -> Organization:
    transporter = session.get(Organization, transporter_id)
    if transporter is None or not transporter.has_role(Role.TRANSPORTER):
        raise ValidationFailed(f"运输单位 {transporter_id} 不存在或不是运输单位", details={"transporter_id": "not a transporter"})
    vehicle = session.get(Vehicle, vehicle_id) if vehicle_id is not None else None
    if vehicle_id is not None and (vehicle is None or vehicle.organization_id != transporter.id):
        raise RuleViolation(f"车辆 {vehicle_id} 不属于运输单位「{transporter.name}」", code="OWNERSHIP_VIOLATION",
                            details={"vehicle_id": vehicle_id})
    driver = session.get(User, driver_id) if driver_id is not None else None
    if driver_id is not None and (driver is None or driver.role != Role.DRIVER or driver.organization_id != transporter.id):
        raise RuleViolation(f"驾驶员 {driver_id} 不是运输单位「{transporter.name}」的驾驶员", code="OWNERSHIP_VIOLATION",
                            details={"driver_id": driver_id})
    return transporter


def _lock_approval(session, approval_id, actor: User, receiver_site: Site, on) -> Approval | None:
    if approval_id is None:
        return None
    approval = locked(session, select(Approval).where(Approval.id == approval_id)).first()
    if approval is None or approval.producer_id != actor.organization_id:
        raise ValidationFailed(f"审批 {approval_id} 不存在或不是发给本单位的", details={"approval_id": "unknown"})
    return approval


def _approval_problem(approval: Approval | None, batch: Batch, quantity_kg: Decimal, crossing: RuleViolation, *,
                      receiver_site_id: int, on) -> RuleViolation | None:
    """None when the approval covers this crossing; otherwise the jurisdiction violation, saying why not."""
    if approval is None:
        return crossing
    reasons = []
    if approval.destination_site_id != receiver_site_id:
        reasons.append("目的地不符")
    if not approval.valid_from <= on <= approval.valid_to:
        reasons.append(f"计划日期 {on} 不在有效期 {approval.valid_from} 至 {approval.valid_to} 内")
    if batch.waste_code not in approval.waste_codes and batch.waste.category not in approval.waste_codes:
        reasons.append(f"审批不含废物代码 {batch.waste_code}")
    if quantity_kg > approval.remaining_kg:
        reasons.append(f"审批剩余量 {approval.remaining_kg} kg 不足 {quantity_kg} kg")
    if not reasons:
        return None
    crossing.message += f"（审批 {approval.id}：{'；'.join(reasons)}）"
    crossing.details["approval_id"] = approval.id
    crossing.details["approval_problems"] = reasons
    return crossing


def permit_facts(permit: Permit, used_kg: Decimal = ZERO) -> rules.PermitFacts:
    return rules.PermitFacts(number=permit.number, kind=permit.kind, valid_from=permit.valid_from,
                             valid_to=permit.valid_to, waste_codes=frozenset(permit.waste_codes),
                             methods=frozenset(permit.methods), annual_capacity_kg=permit.annual_capacity_kg,
                             used_kg=used_kg)


def _check_permits(session, batches, lines, receiver_site: Site, transporter: Organization, on) -> None:
    receiver = receiver_site.organization
    hazardous_kg = sum((line.quantity_kg for line in lines if is_hazardous(Stream(batches[line.batch_id].waste.stream))),
                       ZERO)
    _raise(rules.transport_permit_violation(hazardous=hazardous_kg > 0, on=on, transporter_name=transporter.name,
                                            permits=[permit_facts(p) for p in transporter.permits]))
    used = ZERO
    if hazardous_kg > 0:
        # Taken last of the checks: the counter row's lock makes concurrent manifests to this receiver take
        # turns, so capacity is never over-committed; a refusal below rolls the addition back.
        used = capacity.reserve(session, receiver_id=receiver.id, year=on.year, quantity_kg=hazardous_kg)
    for line in lines:
        batch = batches[line.batch_id]
        stream = Stream(batch.waste.stream)
        # The earlier lines of this manifest count against the capacity too.
        permits = [permit_facts(p, used) for p in receiver.permits]
        _raise(rules.receiver_permit_violation(stream=stream, waste_code=batch.waste_code,
                                               category=batch.waste.category, quantity_kg=line.quantity_kg, on=on,
                                               permits=permits, receiver_name=receiver.name))
        if is_hazardous(stream):
            used += line.quantity_kg


def _next_number(session, origin_region: str, now: datetime) -> str:
    """The next serial of the origin's city this year: one upsert that locks the serial row to the transaction's end,
    so concurrent issues in a city wait their turn there."""
    city, year = city_of(origin_region), local_date(now).year
    S = ManifestSerial.__table__
    upsert = (pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(S)
    upsert = upsert.values(city_code=city, year=year, last_serial=1).on_conflict_do_update(
        index_elements=[S.c.city_code, S.c.year], set_={"last_serial": S.c.last_serial + 1})
    serial = session.execute(upsert.returning(S.c.last_serial)).scalar_one()
    return manifest_number(year, origin_region, serial)


def take_from_batch(batch: Batch, quantity_kg: Decimal) -> None:
    """Reserves (or, negative, gives back) a quantity of a batch."""
    batch.remaining_kg -= quantity_kg
    batch.status = batch_status(batch.quantity_kg, batch.remaining_kg)


