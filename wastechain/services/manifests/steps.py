"""Recording a manifest's steps: the only writer of a manifest's state after it is issued."""
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import bindparam, literal, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from wastechain.domain import rules
from wastechain.domain.errors import (Conflict, Forbidden, HandoverRefused, NotFound, RuleViolation,
                                      ValidationFailed)
from wastechain.domain.paper import check_paper_occurred_at
from wastechain.domain.fieldnames import field_name
from wastechain.domain.quantities import ZERO, parse_kg
from wastechain.domain.states import ManifestStatus, Step, transition_for
from wastechain.domain.streams import Stream
from wastechain.domain.text import N_, clean_text
from wastechain.domain.timeutil import check_occurred_at, local_date
from wastechain.models import Approval, Batch, Manifest, ManifestEvent, ManifestLine, Organization, Permit, User
from wastechain.services import access
from wastechain.services.common import locked
from wastechain.services.manifests import onward
from wastechain.services.manifests.events import LineReceipt, StepRequest, append_event, replayed
from wastechain.services.manifests.issue import permit_facts, take_from_batch
from wastechain.services.runtime import runtime_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepResult:
    event: ManifestEvent
    manifest: Manifest
    created: bool


class Handover(Protocol):
    """How a pickup confirmed by the producer's code joins the step (services.manifests.handover)."""

    def refuse(self, manifest: Manifest) -> Forbidden:
        """The refusal for an actor who is not the manifest's driver."""

    def claim(self, session, manifest: Manifest, occurred_at: datetime) -> dict:
        """Uses the code in this transaction and returns the event's evidence, or raises."""


def record_step(session, *, actor: User, manifest_id: int, request: StepRequest, now: datetime,
                handover: Handover | None = None, also=None) -> StepResult:
    """Applies one step to a manifest: checks the transition, the actor and the payload, then appends the event.

    A unit of work of its own, and a lean one: one SELECT … FOR UPDATE finds the manifest the actor may see, the
    event already recorded under the idempotency key (a replay) and the last event of the chain; then one UPDATE
    of the manifest and one INSERT of the event, plus what the in-step handlers write (lineage, containers, the
    outbox row of the run-time checks), and one commit. Nothing is read again for the answer. A retry with the
    same idempotency key returns the first event; concurrent steps produce exactly one transition (the row lock;
    a lost race is answered with the first event, or a conflict). `also(session, manifest, event)` writes what a
    caller adds to a new event in the same transaction (a paper entry's record, services.manifests.paper).
    """
    runtime = runtime_of(session)
    if request.reason is not None:  # the same text rule for the pages, the API and the box scan
        request = replace(request, reason=clean_text(request.reason, field="reason", max_length=500,
                                                     multiline=True) or None)
    if request.lines is not None:
        if request.type != Step.RECEIVE:
            raise ValidationFailed(N_("只有接收步骤可以逐行填写"), details={"lines": "receive only"})
        request = _line_totals(request)
    try:
        result = _apply(session, actor, manifest_id, request, now, runtime.in_step, handover)
        if also is not None and result.created:
            also(session, result.manifest, result.event)
        session.commit()  # the step, or for a replay (nothing written) the end of the row lock; what was read stays
    except IntegrityError:
        session.rollback()
        replay = replayed(session, manifest_id, request)
        if replay:
            return StepResult(replay, session.get(Manifest, manifest_id), created=False)
        raise Conflict(N_("联单刚被其他操作更新，请刷新后重试"), code="INVALID_TRANSITION") from None
    except BaseException:
        session.rollback()
        raise
    return result


# Built once (building them per call, aliases and all, cost more CPU than running them): the columns that the one
# locked SELECT of a step adds to the manifest the actor may see. The idempotency key is a bound parameter.
_E = aliased(ManifestEvent, name="e")
_CHAIN = select(_E.seq, _E.hash).where(_E.manifest_id == Manifest.id).order_by(_E.seq.desc()).limit(1)
_REPLAY = select(_E.id, _E.type).where(_E.manifest_id == Manifest.id, _E.idempotency_key == bindparam("step_key"))
_SNAPSHOT = Manifest.__table__.alias("snapshot")
_FRESH = {
    "postgresql": literal_column("manifest.xmin::text") == (
        select(literal_column("snapshot.xmin::text")).select_from(_SNAPSHOT)
        .where(_SNAPSHOT.c.id == Manifest.id).scalar_subquery()),
}
_STEP_COLUMNS = (_REPLAY.with_only_columns(_E.id).scalar_subquery(),
                 _REPLAY.with_only_columns(_E.type).scalar_subquery(),
                 _CHAIN.with_only_columns(_E.seq).scalar_subquery(),
                 _CHAIN.with_only_columns(_E.hash).scalar_subquery())


_QUERIES: dict[tuple, object] = {}
_MAX_QUERIES = 2000


def _step_query(dialect: str, actor: User):
    """The locked SELECT for this dialect and this actor's visibility, built once per (role, organization, region):
    what access.visible_manifests depends on. A statement object reused keeps its cache key, so SQLAlchemy does
    not walk the subqueries again on every step."""
    shape = (dialect, actor.role, actor.organization_id, actor.region_code)
    query = _QUERIES.get(shape)
    if query is None:
        if len(_QUERIES) >= _MAX_QUERIES:
            _QUERIES.clear()
        query = _QUERIES[shape] = (
            access.visible_manifests(actor).where(Manifest.id == bindparam("step_manifest_id"))
            .add_columns(*_STEP_COLUMNS, _FRESH.get(dialect, literal(True)))
            .with_for_update(of=Manifest).execution_options(populate_existing=True))
    return query


def _locked_manifest(session, actor: User, manifest_id: int, key: str):
    """One statement: the manifest the actor may see, locked, with the event of this idempotency key (if any) and
    the last event of its chain. (manifest, replay id, replay type, last seq, last hash), or NotFound.

    PostgreSQL, READ COMMITTED: when another step held the lock and committed, the locked row is its new version
    but the subqueries still see the statement's snapshot (an older chain). `fresh` compares the row's version
    (xmin) with the snapshot's; when they differ the query runs once more, now under the lock, so the replay and
    the last event are never stale. SQLite serializes writers (BEGIN IMMEDIATE): always fresh.
    """
    query = _step_query(session.get_bind().dialect.name, actor)
    for _ in range(2):
        row = session.execute(query, {"step_key": key, "step_manifest_id": manifest_id}).first()
        if row is None:
            raise NotFound(N_("联单 {manifest_id} 不存在或无权查看"), params={"manifest_id": manifest_id})
        if row[5]:
            break
    return row[:5]


def _apply(session, actor: User, manifest_id: int, request: StepRequest, now: datetime, handlers,
           handover: Handover | None) -> StepResult:
    manifest, replay_id, replay_type, last_seq, last_hash = _locked_manifest(session, actor, manifest_id,
                                                                             request.idempotency_key)
    if replay_id is not None:
        if replay_type != request.type:
            raise Conflict(N_("幂等键 {key} 已用于「{type}」步骤"), params={"key": request.idempotency_key, "type": replay_type},
                           code="IDEMPOTENCY_KEY_REUSED",
                           details={"idempotency_key": request.idempotency_key, "first_type": replay_type})
        return StepResult(_with_manifest(session.get(ManifestEvent, replay_id), manifest), manifest, created=False)
    transition = transition_for(manifest.status, request.type)
    if not access.manifest_parties(actor, manifest) & transition.parties:
        if handover is not None:
            raise handover.refuse(manifest)
        raise Forbidden(N_("您不能对联单 {number} 执行此操作"), params={"number": manifest.number},
                        details={"step": request.type, "allowed": sorted(p.value for p in transition.parties)})
    paper = bool((request.data or {}).get("paper_scan"))  # entered from a paper manifest: up to 10 working days late
    occurred_at = (check_paper_occurred_at if paper else check_occurred_at)(request.occurred_at, now)
    if handover is not None:
        request = replace(request, data={**(request.data or {}), **handover.claim(session, manifest, occurred_at)})
    status = EFFECTS[Step(request.type)](session, manifest, request, occurred_at)
    if status not in transition.targets:
        raise AssertionError(f"{request.type} cannot lead to {status}")
    last = (last_seq, last_hash) if last_seq is not None else None
    event = append_event(session, manifest, step=Step(request.type), actor=actor, now=now, occurred_at=occurred_at,
                         idempotency_key=request.idempotency_key, status_after=status, request=request, last=last)
    for handler in handlers:  # however the step is recorded (page, API, box scan), in this transaction
        handler(session, manifest=manifest, event=event)
    if event.type == Step.RECEIVE:  # an onward trip's arrival may close the manifest that refused its load
        onward.settle_originals(session, manifest, actor=actor, now=now, occurred_at=occurred_at)
    return StepResult(_with_manifest(event, manifest), manifest, created=True)


def _with_manifest(event: ManifestEvent, manifest: Manifest) -> ManifestEvent:
    """The event knows its manifest without a query (the answer shows its status; no re-read after the commit)."""
    set_committed_value(event, "manifest", manifest)
    return event


def _set_status(manifest: Manifest, status: ManifestStatus, at: datetime) -> ManifestStatus:
    manifest.status = status.value
    manifest.status_changed_at = at
    return status


def _cancel(session, manifest: Manifest, request: StepRequest, occurred_at: datetime) -> ManifestStatus:
    if not (request.reason or "").strip():
        raise ValidationFailed(N_("作废联单必须说明原因"), details={"reason": "required"})
    batches = locked(session, select(Batch).where(Batch.id.in_([l.batch_id for l in manifest.lines]))
                     .order_by(Batch.id)).all()
    quantities = {l.batch_id: l.quantity_kg for l in manifest.lines}
    for batch in batches:
        take_from_batch(batch, -quantities[batch.id])
    if manifest.approval_id:
        _release_approval(session, manifest)
    return _set_status(manifest, ManifestStatus.CANCELLED, occurred_at)


def _release_approval(session, manifest: Manifest) -> None:
    approval = locked(session, select(Approval).where(Approval.id == manifest.approval_id)).one()
    crossing = sum((l.quantity_kg for l in manifest.lines
                    if rules.jurisdiction_violation(stream=Stream(l.waste.stream), waste_code=l.waste_code,
                                                    origin_region=manifest.origin_region_code,
                                                    destination_region=manifest.destination_region_code,
                                                    approved=False)), ZERO)
    approval.reserved_kg -= crossing


def _pickup(session, manifest: Manifest, request: StepRequest, occurred_at: datetime) -> ManifestStatus:
    weight = request.quantity_kg if request.quantity_kg is not None else manifest.total_kg
    manifest.pickup_kg = parse_kg(weight, field="quantity_kg")
    if manifest.current_leg is not None:  # 联运: leg 1 starts
        manifest.legs[0].started_at = occurred_at
    return _set_status(manifest, ManifestStatus.IN_TRANSIT, occurred_at)


def _transfer(session, manifest: Manifest, request: StepRequest, occurred_at: datetime) -> ManifestStatus:
    """联运: the leg holding the load ends and the next one starts; the manifest stays in transit."""
    if not (request.data or {}).get("handover_confirmed"):  # only through handover.confirm_transfer
        raise HandoverRefused(N_("联运交接须提供交出方驾驶员的一次性交接码 handover_code"), code="HANDOVER_CODE_REQUIRED",
                              details={"handover_code": "required"})
    legs = {leg.seq: leg for leg in manifest.legs}
    legs[manifest.current_leg].ended_at = occurred_at
    legs[manifest.current_leg + 1].started_at = occurred_at
    manifest.current_leg += 1
    return ManifestStatus(manifest.status)


def _deliver(session, manifest: Manifest, request: StepRequest, occurred_at: datetime) -> ManifestStatus:
    if manifest.current_leg is not None:  # 联运: only the last leg reaches the receiver
        if manifest.current_leg < len(manifest.legs):
            raise Forbidden(N_("联单 {number} 为联运，尚有后续运输区段：须交接给下一程，由最后一程的驾驶员送达"),
                            params={"number": manifest.number}, code="LEG_NOT_LAST",
                            details={"current_leg": manifest.current_leg, "legs": len(manifest.legs)})
        manifest.legs[-1].ended_at = occurred_at
    return _set_status(manifest, ManifestStatus.DELIVERED, occurred_at)


def _line_totals(request: StepRequest) -> StepRequest:
    """A receipt line by line: each line's figures checked, the step's totals their sums, the lines kept in the
    event's hash-chained data. Totals sent as well must agree."""
    lines = []
    for i, line in enumerate(request.lines):
        accepted = parse_kg(line.accepted_kg, field="accepted_kg", allow_zero=True)
        rejected = parse_kg(line.rejected_kg or 0, field="rejected_kg", allow_zero=True)
        reason = clean_text(line.reason, field="reason", max_length=500, multiline=True) or None
        if rejected > 0 and not (reason or request.reason):
            raise ValidationFailed(N_("拒收部分必须说明原因"),
                                   details={f"lines.{i}.reason": "required when rejected_kg > 0"})
        method = (line.method or "").strip().upper() or None
        lines.append(LineReceipt(line.line_id, accepted, rejected, reason if rejected > 0 else None, method))
    if not lines or len({line.line_id for line in lines}) != len(lines):
        raise ValidationFailed(N_("逐行接收须为联单的每一行各填一次"), details={"lines": "one entry per line"})
    accepted, rejected = sum((l.accepted_kg for l in lines), ZERO), sum((l.rejected_kg for l in lines), ZERO)
    for field, total, given in (("accepted_kg", accepted, request.accepted_kg),
                                ("rejected_kg", rejected, request.rejected_kg)):
        if given is not None and parse_kg(given, field=field, allow_zero=True) != total:
            raise ValidationFailed(N_("{field}应等于各行之和 {total}"), params={"field": field_name(field), "total": total},
                                   details={field: f"sum of lines: {total}"})
    reason = request.reason or ("；".join(l.reason for l in lines if l.reason)[:500] or None)
    data = {**(request.data or {}), "lines": [
        {"line_id": l.line_id, "accepted_kg": str(l.accepted_kg), "rejected_kg": str(l.rejected_kg),
         "reason": l.reason, "method": l.method} for l in lines]}
    return replace(request, lines=tuple(lines), accepted_kg=accepted, rejected_kg=rejected, reason=reason, data=data)


def _receive_lines(session, manifest: Manifest, request: StepRequest, on) -> None:
    """Each line's figures onto the line (one UPDATE for all of them): every line of the manifest once; a chosen
    method must be one the receiver's permit allows."""
    by_id = {line.id: line for line in manifest.lines}
    if set(by_id) != {line.line_id for line in request.lines}:
        raise ValidationFailed(N_("逐行接收须为联单的每一行各填一次"),
                               details={"lines": f"line ids of this manifest: {sorted(by_id)}"})
    permits = [permit_facts(p) for p in manifest.receiver.permits]
    rows = []
    for receipt in request.lines:
        if receipt.method and receipt.accepted_kg > 0:
            _raise(rules.disposal_method_violation(method=receipt.method, permits=permits, on=on))
        rows.append({"id": receipt.line_id, "accepted_kg": receipt.accepted_kg, "rejected_kg": receipt.rejected_kg,
                     "refusal_reason": receipt.reason, "method": receipt.method})
    session.execute(update(ManifestLine), rows)
    for row in rows:  # the lines in memory say the same (the lineage reads them) without reading them again
        for name, value in row.items():
            set_committed_value(by_id[row["id"]], name, value)


def _receive(session, manifest: Manifest, request: StepRequest, occurred_at: datetime) -> ManifestStatus:
    """Weigh-in: accepted + refused = weighed; a refusal needs its reason (《危险废物转移管理办法》第十八条).
    Line by line when the request has lines (each line's accepted, refused, reason and method)."""
    if request.accepted_kg is None:
        raise ValidationFailed(N_("接收时必须填写接收量 accepted_kg"), details={"accepted_kg": "required"})
    accepted = parse_kg(request.accepted_kg, field="accepted_kg", allow_zero=True)
    rejected = parse_kg(request.rejected_kg or 0, field="rejected_kg", allow_zero=True)
    weighed = parse_kg(request.quantity_kg, field="quantity_kg") if request.quantity_kg is not None else accepted + rejected
    if accepted + rejected != weighed or weighed == 0:
        raise ValidationFailed(N_("接收量 {accepted} + 拒收量 {rejected} 应等于过磅量 {weighed}（且大于 0）"),
                               params={"accepted": accepted, "rejected": rejected, "weighed": weighed},
                               details={"accepted_kg": str(accepted), "rejected_kg": str(rejected), "quantity_kg": str(weighed)})
    if rejected > 0 and not (request.reason or "").strip():
        raise ValidationFailed(N_("拒收部分必须说明原因"), details={"reason": "required when rejected_kg > 0"})
    site = manifest.receiver_site  # read before the manifest changes: one UPDATE of it, at the event's flush
    _load_lines(session, manifest)
    _load_receiver(session, manifest)
    if request.lines is not None:
        _receive_lines(session, manifest, request, local_date(occurred_at))
    return_trip = manifest.receiver_id == manifest.issuer_id  # its own waste back: no receiving permit needed
    if accepted > 0 and not return_trip:
        taken = None if request.lines is None else {l.line_id for l in request.lines if l.accepted_kg > 0}
        _recheck_receiver_permit(manifest, local_date(occurred_at), taken)
    status = ManifestStatus.RECEIVED if accepted > 0 else ManifestStatus.REJECTED
    if status is ManifestStatus.RECEIVED and rules.receives_into_stock(site.organization.roles, site.kind,
                                                                       return_trip=return_trip) and not rejected:
        status = ManifestStatus.CLOSED  # a storage record ends this leg (lineage continues onward); with a
        # refused part it closes once that part has arrived onward (services/manifests/onward.py)
    manifest.received_kg, manifest.accepted_kg, manifest.rejected_kg = weighed, accepted, rejected
    return _set_status(manifest, status, occurred_at)


def _load_lines(session, manifest: Manifest) -> None:
    """The manifest's lines with their waste codes in one query (the permit check and the lineage read them)."""
    lines = session.scalars(select(ManifestLine).options(joinedload(ManifestLine.waste), joinedload(ManifestLine.batch))
                            .where(ManifestLine.manifest_id == manifest.id).order_by(ManifestLine.id)).all()
    set_committed_value(manifest, "lines", list(lines))


def _load_receiver(session, manifest: Manifest) -> None:
    """The receiver with its permits in one query (the permit check, the site's owner and the lineage read them)."""
    rows = session.execute(select(Organization, Permit).outerjoin(Permit, Permit.organization_id == Organization.id)
                           .where(Organization.id == manifest.receiver_id).order_by(Permit.id)).all()
    receiver = rows[0].Organization
    set_committed_value(receiver, "permits", [row.Permit for row in rows if row.Permit is not None])
    set_committed_value(manifest, "receiver", receiver)


def _recheck_receiver_permit(manifest: Manifest, on, line_ids: set[int] | None = None) -> None:
    """The receiver's permit must cover what it accepts: every line, or those of `line_ids` (a line-by-line
    receipt, where a line refused whole is not taken)."""
    permits = [permit_facts(p) for p in manifest.receiver.permits]
    for line in manifest.lines:
        if line_ids is not None and line.id not in line_ids:
            continue
        _raise(rules.receiver_permit_violation(stream=Stream(line.waste.stream), waste_code=line.waste_code,
                                               category=line.waste.category, quantity_kg=ZERO, on=on,
                                               permits=permits, receiver_name=manifest.receiver.name))


def _dispose(session, manifest: Manifest, request: StepRequest, occurred_at: datetime) -> ManifestStatus:
    """A utilization (R) or disposal (D) record; the loop closes when all accepted quantity is treated."""
    method = (request.method or "").strip().upper()
    if not method:
        raise ValidationFailed(N_("必须填写利用/处置方式代码 method（如 R4、D10）"), details={"method": "required"})
    if request.quantity_kg is None:
        raise ValidationFailed(N_("必须填写利用/处置量 quantity_kg"), details={"quantity_kg": "required"})
    quantity = parse_kg(request.quantity_kg)
    open_kg = manifest.accepted_kg - manifest.disposed_kg
    if quantity > open_kg:
        raise RuleViolation(N_("利用/处置量 {quantity} kg 超过待处置量 {open_kg} kg"), params={"quantity": quantity, "open_kg": open_kg},
                            code="INSUFFICIENT_QUANTITY",
                            details={"quantity_kg": quantity, "open_kg": open_kg})
    permits = [permit_facts(p) for p in manifest.receiver.permits]
    _raise(rules.disposal_method_violation(method=method, permits=permits, on=local_date(occurred_at)))
    manifest.disposed_kg += quantity
    if manifest.disposed_kg == manifest.accepted_kg and (
            not manifest.rejected_kg or onward.refused_part_arrived(session, manifest.id)):
        return _set_status(manifest, ManifestStatus.CLOSED, occurred_at)
    return ManifestStatus.RECEIVED


def _raise(violation: RuleViolation | None) -> None:
    if violation is not None:
        raise violation


EFFECTS = {Step.CANCEL: _cancel, Step.PICKUP: _pickup, Step.TRANSFER: _transfer, Step.DELIVER: _deliver,
           Step.RECEIVE: _receive, Step.DISPOSE: _dispose}
