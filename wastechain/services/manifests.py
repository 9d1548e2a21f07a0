"""Issuing manifests and recording their steps: the only writer of a manifest's state."""
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wastechain.domain import rules
from wastechain.domain.errors import Conflict, Forbidden, RuleViolation, ValidationFailed
from wastechain.domain.hashing import GENESIS_HASH, ChainCheck, event_hash, verify_chain
from wastechain.domain.numbering import manifest_number
from wastechain.domain.quantities import ZERO, parse_kg
from wastechain.domain.regions import city_of, jurisdiction_prefix
from wastechain.domain.states import ManifestStatus, Step, transition_for
from wastechain.domain.streams import HAZARDOUS_STREAMS, Stream, is_hazardous
from wastechain.domain.timeutil import CHINA, check_occurred_at, local_date
from wastechain.models import (Approval, Batch, Manifest, ManifestEvent, ManifestLine, ManifestSerial,
                               Organization, Permit, Site, User, Vehicle, WasteCode)
from wastechain.services import access, lineage
from wastechain.services.batches import batch_status

OPEN_STATUSES = ("issued", "in_transit", "delivered", "received", "closed")


@dataclass(frozen=True)
class LineRequest:
    batch_id: int
    quantity_kg: Decimal


# ---------------------------------------------------------------- issue

def issue_manifest(session, *, actor: User, lines: list[LineRequest], receiver_site_id: int, transporter_id: int,
                   planned_pickup_at: datetime, now: datetime, vehicle_id: int | None = None,
                   driver_id: int | None = None, approval_id: int | None = None, commit: bool = True) -> Manifest:
    """Issues a transfer manifest once every rule of SPEC.md passes, reserving the quantities from the batches.

    commit=False leaves the commit to a caller that writes more in the same transaction (loading containers).
    """
    access.require_role(actor, *access.ISSUER_ROLES, doing="开具转移联单")
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

    manifest = Manifest(
        number=_next_number(session, origin.region_code, now), status=ManifestStatus.ISSUED.value,
        issuer_id=actor.organization_id, origin_site_id=origin.id, origin_region_code=origin.region_code,
        receiver_id=receiver_site.organization_id, receiver_site_id=receiver_site.id,
        destination_region_code=receiver_site.region_code, transporter_id=transporter.id, vehicle_id=vehicle_id,
        driver_id=driver_id, approval_id=approval.id if approval and needs_approval else None,
        planned_pickup_at=planned_pickup_at, total_kg=sum((l.quantity_kg for l in lines), ZERO),
        disposed_kg=ZERO, issued_at=now, status_changed_at=now, issued_by_id=actor.id)
    session.add(manifest)
    for line in lines:
        batch = batches[line.batch_id]
        _take_from_batch(batch, line.quantity_kg)
        manifest.lines.append(ManifestLine(batch_id=batch.id, waste_code=batch.waste_code, quantity_kg=line.quantity_kg))
    if approval and needs_approval:
        approval.reserved_kg += needs_approval
    session.flush()
    lineage.record_shipment(session, manifest, now)
    _append_event(session, manifest, step=Step.ISSUE, actor=actor, now=now, occurred_at=now,
                  idempotency_key=f"issue-{manifest.id}", data={"number": manifest.number})
    if commit:
        session.commit()
    return manifest


def _raise(violation: RuleViolation | None) -> None:
    if violation is not None:
        raise violation


def _lock_own_batches(session, actor: User, batch_ids: list[int]) -> dict[int, Batch]:
    found = session.scalars(select(Batch).where(Batch.id.in_(batch_ids)).order_by(Batch.id)
                            .with_for_update().execution_options(populate_existing=True)).all()
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
    if not (site.organization.has_role("receiver") or site.organization.has_role("collector")):
        raise ValidationFailed(f"「{site.organization.name}」不是接收或收集单位", details={"receiver_site_id": "not a receiver"})
    return site


def _transporter(session, transporter_id: int, vehicle_id: int | None, driver_id: int | None) -> Organization:
    transporter = session.get(Organization, transporter_id)
    if transporter is None or not transporter.has_role("transporter"):
        raise ValidationFailed(f"运输单位 {transporter_id} 不存在或不是运输单位", details={"transporter_id": "not a transporter"})
    vehicle = session.get(Vehicle, vehicle_id) if vehicle_id is not None else None
    if vehicle_id is not None and (vehicle is None or vehicle.organization_id != transporter.id):
        raise RuleViolation(f"车辆 {vehicle_id} 不属于运输单位「{transporter.name}」", code="OWNERSHIP_VIOLATION",
                            details={"vehicle_id": vehicle_id})
    driver = session.get(User, driver_id) if driver_id is not None else None
    if driver_id is not None and (driver is None or driver.role != "driver" or driver.organization_id != transporter.id):
        raise RuleViolation(f"驾驶员 {driver_id} 不是运输单位「{transporter.name}」的驾驶员", code="OWNERSHIP_VIOLATION",
                            details={"driver_id": driver_id})
    return transporter


def _lock_approval(session, approval_id, actor: User, receiver_site: Site, on) -> Approval | None:
    if approval_id is None:
        return None
    approval = session.scalars(select(Approval).where(Approval.id == approval_id).with_for_update()
                               .execution_options(populate_existing=True)).first()
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


def _permit_facts(permit: Permit, used_kg: Decimal = ZERO) -> rules.PermitFacts:
    return rules.PermitFacts(number=permit.number, kind=permit.kind, valid_from=permit.valid_from,
                             valid_to=permit.valid_to, waste_codes=frozenset(permit.waste_codes),
                             methods=frozenset(permit.methods), annual_capacity_kg=permit.annual_capacity_kg,
                             used_kg=used_kg)


def _committed_to_receiver(session, receiver_id: int, year: int) -> Decimal:
    """Hazardous quantity on live manifests to a receiver planned in a year (what its permit's capacity covers)."""
    start = datetime(year, 1, 1, tzinfo=CHINA)
    # year 9999 has no next year in Python: its end is the end of time
    end = datetime(year + 1, 1, 1, tzinfo=CHINA) if year < 9999 else datetime.max.replace(tzinfo=timezone.utc)
    total = session.scalar(
        select(func.coalesce(func.sum(ManifestLine.quantity_kg), 0))
        .join(Manifest, Manifest.id == ManifestLine.manifest_id)
        .join(WasteCode, WasteCode.code == ManifestLine.waste_code)
        .where(Manifest.receiver_id == receiver_id, Manifest.status.in_(OPEN_STATUSES),
               WasteCode.stream.in_([s.value for s in HAZARDOUS_STREAMS]),
               Manifest.planned_pickup_at >= start, Manifest.planned_pickup_at < end))
    return Decimal(total or 0)


def _check_permits(session, batches, lines, receiver_site: Site, transporter: Organization, on) -> None:
    receiver = receiver_site.organization
    # The receiver's row lock makes concurrent manifests to it take turns, so capacity is never over-committed.
    session.execute(select(Organization.id).where(Organization.id == receiver.id).with_for_update())
    used = _committed_to_receiver(session, receiver.id, on.year)
    hazardous = False
    for line in lines:
        batch = batches[line.batch_id]
        stream = Stream(batch.waste.stream)
        # The earlier lines of this manifest count against the capacity too.
        permits = [_permit_facts(p, used) for p in receiver.permits]
        _raise(rules.receiver_permit_violation(stream=stream, waste_code=batch.waste_code,
                                               category=batch.waste.category, quantity_kg=line.quantity_kg, on=on,
                                               permits=permits, receiver_name=receiver.name))
        if is_hazardous(stream):
            hazardous, used = True, used + line.quantity_kg
    _raise(rules.transport_permit_violation(hazardous=hazardous, on=on, transporter_name=transporter.name,
                                            permits=[_permit_facts(p) for p in transporter.permits]))


def _next_number(session, origin_region: str, now: datetime) -> str:
    """The next serial of the origin's city this year; the row lock makes concurrent issues wait their turn."""
    city, year = city_of(origin_region), local_date(now).year
    if session.get_bind().dialect.name == "postgresql":
        session.execute(pg_insert(ManifestSerial).values(city_code=city, year=year, last_serial=0)
                        .on_conflict_do_nothing())
    elif session.get(ManifestSerial, (city, year)) is None:
        session.add(ManifestSerial(city_code=city, year=year, last_serial=0))
        session.flush()
    serial = session.scalars(select(ManifestSerial).where(ManifestSerial.city_code == city, ManifestSerial.year == year)
                             .with_for_update().execution_options(populate_existing=True)).one()
    serial.last_serial += 1
    return manifest_number(year, origin_region, serial.last_serial)


def _take_from_batch(batch: Batch, quantity_kg: Decimal) -> None:
    batch.remaining_kg -= quantity_kg
    batch.status = batch_status(batch.quantity_kg, batch.remaining_kg)


# ---------------------------------------------------------------- steps

@dataclass(frozen=True)
class StepRequest:
    type: str
    idempotency_key: str
    occurred_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    quantity_kg: Decimal | None = None
    accepted_kg: Decimal | None = None
    rejected_kg: Decimal | None = None
    reason: str | None = None
    method: str | None = None
    data: dict | None = None  # evidence set by a service (e.g. the handover confirmation), never by the client


@dataclass(frozen=True)
class StepResult:
    event: ManifestEvent
    manifest: Manifest
    created: bool


def record_step(session, *, actor: User, manifest_id: int, request: StepRequest, now: datetime) -> StepResult:
    """Applies one step to a manifest: checks the transition, the actor and the payload, then appends the event.

    A retry with the same idempotency key returns the first event; concurrent steps produce exactly one transition.
    """
    manifest = get_manifest(session, actor=actor, manifest_id=manifest_id)
    replay = _replayed(session, manifest.id, request)
    if replay:
        return StepResult(replay, manifest, created=False)
    manifest = session.scalars(select(Manifest).where(Manifest.id == manifest.id).with_for_update()
                               .execution_options(populate_existing=True)).one()
    replay = _replayed(session, manifest.id, request)
    if replay:
        return StepResult(replay, manifest, created=False)
    transition = transition_for(manifest.status, request.type)
    if not access.manifest_party(actor, manifest) & {p.value for p in transition.parties}:
        raise Forbidden(f"您不能对联单 {manifest.number} 执行此操作",
                        details={"step": request.type, "allowed": sorted(p.value for p in transition.parties)})
    occurred_at = check_occurred_at(request.occurred_at, now)
    effects = {Step.CANCEL: _cancel, Step.PICKUP: _pickup, Step.DELIVER: _deliver,
               Step.RECEIVE: _receive, Step.DISPOSE: _dispose}
    status = effects[Step(request.type)](session, manifest, request, occurred_at)
    if status not in transition.targets:
        raise AssertionError(f"{request.type} cannot lead to {status}")
    event = _append_event(session, manifest, step=Step(request.type), actor=actor, now=now, occurred_at=occurred_at,
                          idempotency_key=request.idempotency_key, status_after=status, request=request)
    lineage.record_step_effects(session, manifest=manifest, event=event)
    if event.type == Step.RECEIVE and status in (ManifestStatus.RECEIVED, ManifestStatus.CLOSED):
        from wastechain.services.containers import move_received

        move_received(session, manifest)  # however the receipt is recorded (page, API, box scan), in this transaction
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        replay = _replayed(session, manifest_id, request)
        if replay:
            return StepResult(replay, session.get(Manifest, manifest_id), created=False)
        raise Conflict("联单刚被其他操作更新，请刷新后重试", code="INVALID_TRANSITION") from None
    from wastechain.services.reconciliation import after_step  # run-time anomalies; never fails the step

    after_step(session, event_id=event.id, now=now)
    return StepResult(event, manifest, created=True)


def _replayed(session, manifest_id: int, request: StepRequest) -> ManifestEvent | None:
    event = session.scalar(select(ManifestEvent).where(ManifestEvent.manifest_id == manifest_id,
                                                      ManifestEvent.idempotency_key == request.idempotency_key))
    if event is not None and event.type != request.type:
        raise Conflict(f"幂等键 {request.idempotency_key} 已用于「{event.type}」步骤", code="IDEMPOTENCY_KEY_REUSED",
                       details={"idempotency_key": request.idempotency_key, "first_type": event.type})
    return event


def _set_status(manifest: Manifest, status: ManifestStatus, at: datetime) -> ManifestStatus:
    manifest.status = status.value
    manifest.status_changed_at = at
    return status


def _cancel(session, manifest: Manifest, request: StepRequest, occurred_at: datetime) -> ManifestStatus:
    if not (request.reason or "").strip():
        raise ValidationFailed("作废联单必须说明原因", details={"reason": "required"})
    batches = session.scalars(select(Batch).where(Batch.id.in_([l.batch_id for l in manifest.lines]))
                              .order_by(Batch.id).with_for_update().execution_options(populate_existing=True)).all()
    quantities = {l.batch_id: l.quantity_kg for l in manifest.lines}
    for batch in batches:
        _take_from_batch(batch, -quantities[batch.id])
    if manifest.approval_id:
        _release_approval(session, manifest)
    return _set_status(manifest, ManifestStatus.CANCELLED, occurred_at)


def _release_approval(session, manifest: Manifest) -> None:
    approval = session.scalars(select(Approval).where(Approval.id == manifest.approval_id).with_for_update()
                               .execution_options(populate_existing=True)).one()
    crossing = sum((l.quantity_kg for l in manifest.lines
                    if rules.jurisdiction_violation(stream=Stream(l.waste.stream), waste_code=l.waste_code,
                                                    origin_region=manifest.origin_region_code,
                                                    destination_region=manifest.destination_region_code,
                                                    approved=False)), ZERO)
    approval.reserved_kg -= crossing


def _pickup(session, manifest: Manifest, request: StepRequest, occurred_at: datetime) -> ManifestStatus:
    weight = request.quantity_kg if request.quantity_kg is not None else manifest.total_kg
    manifest.pickup_kg = parse_kg(weight, field="quantity_kg")
    return _set_status(manifest, ManifestStatus.IN_TRANSIT, occurred_at)


def _deliver(session, manifest: Manifest, request: StepRequest, occurred_at: datetime) -> ManifestStatus:
    return _set_status(manifest, ManifestStatus.DELIVERED, occurred_at)


def _receive(session, manifest: Manifest, request: StepRequest, occurred_at: datetime) -> ManifestStatus:
    """Weigh-in: accepted + refused = weighed; a refusal needs its reason (《危险废物转移管理办法》第十九条)."""
    if request.accepted_kg is None:
        raise ValidationFailed("接收时必须填写接收量 accepted_kg", details={"accepted_kg": "required"})
    accepted = parse_kg(request.accepted_kg, field="accepted_kg", allow_zero=True)
    rejected = parse_kg(request.rejected_kg or 0, field="rejected_kg", allow_zero=True)
    weighed = parse_kg(request.quantity_kg, field="quantity_kg") if request.quantity_kg is not None else accepted + rejected
    if accepted + rejected != weighed or weighed == 0:
        raise ValidationFailed(f"接收量 {accepted} + 拒收量 {rejected} 应等于过磅量 {weighed}（且大于 0）",
                               details={"accepted_kg": str(accepted), "rejected_kg": str(rejected), "quantity_kg": str(weighed)})
    if rejected > 0 and not (request.reason or "").strip():
        raise ValidationFailed("拒收部分必须说明原因", details={"reason": "required when rejected_kg > 0"})
    if accepted > 0:
        _recheck_receiver_permit(manifest, local_date(occurred_at))
    manifest.received_kg, manifest.accepted_kg, manifest.rejected_kg = weighed, accepted, rejected
    status = ManifestStatus.RECEIVED if accepted > 0 else ManifestStatus.REJECTED
    if status is ManifestStatus.RECEIVED and lineage.receives_into_stock(manifest):
        status = ManifestStatus.CLOSED  # a collector's storage record ends this leg; lineage continues onward
    return _set_status(manifest, status, occurred_at)


def _recheck_receiver_permit(manifest: Manifest, on) -> None:
    permits = [_permit_facts(p) for p in manifest.receiver.permits]
    for line in manifest.lines:
        _raise(rules.receiver_permit_violation(stream=Stream(line.waste.stream), waste_code=line.waste_code,
                                               category=line.waste.category, quantity_kg=ZERO, on=on,
                                               permits=permits, receiver_name=manifest.receiver.name))


def _dispose(session, manifest: Manifest, request: StepRequest, occurred_at: datetime) -> ManifestStatus:
    """A utilization (R) or disposal (D) record; the loop closes when all accepted quantity is treated."""
    method = (request.method or "").strip().upper()
    if not method:
        raise ValidationFailed("必须填写利用/处置方式代码 method（如 R4、D10）", details={"method": "required"})
    if request.quantity_kg is None:
        raise ValidationFailed("必须填写利用/处置量 quantity_kg", details={"quantity_kg": "required"})
    quantity = parse_kg(request.quantity_kg)
    open_kg = manifest.accepted_kg - manifest.disposed_kg
    if quantity > open_kg:
        raise RuleViolation(f"利用/处置量 {quantity} kg 超过待处置量 {open_kg} kg", code="INSUFFICIENT_QUANTITY",
                            details={"quantity_kg": quantity, "open_kg": open_kg})
    permits = [_permit_facts(p) for p in manifest.receiver.permits]
    _raise(rules.disposal_method_violation(method=method, permits=permits, on=local_date(occurred_at)))
    manifest.disposed_kg += quantity
    if manifest.disposed_kg == manifest.accepted_kg:
        return _set_status(manifest, ManifestStatus.CLOSED, occurred_at)
    return ManifestStatus.RECEIVED


# ---------------------------------------------------------------- events

def _append_event(session, manifest: Manifest, *, step: Step, actor: User, now: datetime, occurred_at: datetime,
                  idempotency_key: str, status_after: ManifestStatus | None = None,
                  request: StepRequest | None = None, data: dict | None = None) -> ManifestEvent:
    last = session.execute(select(ManifestEvent.seq, ManifestEvent.hash).where(ManifestEvent.manifest_id == manifest.id)
                           .order_by(ManifestEvent.seq.desc()).limit(1)).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS_HASH)
    event = ManifestEvent(
        manifest_id=manifest.id, seq=seq, type=step.value, status_after=(status_after or manifest.status),
        actor_id=actor.id, actor_role=actor.role, idempotency_key=idempotency_key, occurred_at=occurred_at,
        recorded_at=now, lat=request.lat if request else None, lon=request.lon if request else None,
        quantity_kg=_kg_or_none(request.quantity_kg) if request else None,
        accepted_kg=_kg_or_none(request.accepted_kg) if request else None,
        rejected_kg=_kg_or_none(request.rejected_kg) if request else None,
        reason=request.reason if request else None, method=(request.method or None) if request else None,
        data=data or _step_data(step, request), prev_hash=prev_hash, hash="")
    if step == Step.PICKUP and event.quantity_kg is None:
        event.quantity_kg = manifest.pickup_kg
    if event.method:
        event.method = event.method.strip().upper()
    event.hash = event_hash(prev_hash, event.hashed_content())
    session.add(event)
    session.flush()
    return event


def _step_data(step: Step, request: StepRequest | None) -> dict:
    """Evidence beyond the columns: a pickup says whether the producer's gate confirmed the handover (交接)."""
    extra = dict(request.data or {}) if request else {}
    if step == Step.PICKUP:
        extra.setdefault("handover_confirmed", False)
    return extra


def _kg_or_none(value) -> Decimal | None:
    return None if value is None else parse_kg(value, allow_zero=True)


# ---------------------------------------------------------------- reading

def get_manifest(session, *, actor: User, manifest_id: int) -> Manifest:
    return access.get_visible(session, access.visible_manifests(actor), Manifest, manifest_id, "联单")


def list_manifests(session, *, actor: User, status: str | None = None, region: str | None = None,
                   date_from: datetime | None = None, date_to: datetime | None = None, q: str | None = None):
    """The visible manifests, newest first, filtered by status, region (origin or destination) and issue time."""
    query = access.visible_manifests(actor)
    if status:
        query = query.where(Manifest.status == status)
    if region:
        prefix = jurisdiction_prefix(region) + "%"
        query = query.where(Manifest.origin_region_code.like(prefix) | Manifest.destination_region_code.like(prefix))
    if date_from:
        query = query.where(Manifest.issued_at >= date_from)
    if date_to:
        query = query.where(Manifest.issued_at < date_to)
    if q:
        query = query.where(Manifest.number.like(f"%{q}%"))
    return query.order_by(Manifest.id.desc()).options(*LIST_LOADING)


# A listed manifest shows its parties and lines: load them per page, not per row.
LIST_LOADING = (
    selectinload(Manifest.issuer), selectinload(Manifest.receiver), selectinload(Manifest.transporter),
    selectinload(Manifest.lines).selectinload(ManifestLine.batch),
    selectinload(Manifest.lines).selectinload(ManifestLine.waste),
)


def verify_manifest(session, *, actor: User, manifest_id: int) -> ChainCheck:
    """Recomputes the manifest's event hash chain from the stored events."""
    manifest = get_manifest(session, actor=actor, manifest_id=manifest_id)
    events = session.scalars(select(ManifestEvent).where(ManifestEvent.manifest_id == manifest.id)
                             .order_by(ManifestEvent.seq)).all()
    return verify_chain([(e.seq, e.prev_hash, e.hash, e.hashed_content()) for e in events])
