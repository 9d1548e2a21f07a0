"""The manifest's append-only, hash-chained events: appending one, finding a replay, verifying the chain."""
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Callable

from sqlalchemy import select

from wastechain.domain.anomalies import MerkleBuilder, day_window, merkle_leaf
from wastechain.domain.errors import Conflict
from wastechain.domain.hashing import (GENESIS_HASH, MAC_INVALID, MAC_MISSING, check_macs, event_hash, event_mac,
                                      verify_chain)
from wastechain.domain.keys import Keyring
from wastechain.domain.sealing import seal_signed
from wastechain.domain.quantities import parse_kg
from wastechain.domain.states import ManifestStatus, Step
from wastechain.domain.text import N_
from wastechain.domain.timeutil import local_date
from wastechain.models import DaySeal, Manifest, ManifestEvent, User
from wastechain.services.runtime import runtime_of


@dataclass(frozen=True)
class LineReceipt:
    """The receiver's figures for one manifest line (a receipt line by line, issue 10)."""

    line_id: int
    accepted_kg: Decimal
    rejected_kg: Decimal = Decimal(0)
    reason: str | None = None  # why this line's refused part was refused (else the step's reason)
    method: str | None = None  # the utilization/disposal method chosen at receipt (domain/methods.py)


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
    lines: tuple[LineReceipt, ...] | None = None  # receive: line by line (the totals are their sums)
    data: dict | None = None  # evidence set by a service (e.g. the handover confirmation), never by the client


def append_event(session, manifest: Manifest, *, step: Step, actor: User, now: datetime, occurred_at: datetime,
                 idempotency_key: str, status_after: ManifestStatus | None = None,
                 request: StepRequest | None = None, data: dict | None = None,
                 last: tuple[int, str] | None = None) -> ManifestEvent:
    """Appends the next event of the manifest, chained to the previous one by its hash.

    `last` is the (seq, hash) of the manifest's last event when the caller read it under the manifest's row lock
    (record_step's one SELECT); without it the last event is read here.
    """
    if last is None:
        last = session.execute(select(ManifestEvent.seq, ManifestEvent.hash)
                               .where(ManifestEvent.manifest_id == manifest.id)
                               .order_by(ManifestEvent.seq.desc()).limit(1)).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
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
    # The key comes with the session (its runtime's settings, put there by the app's or a tool's session factory),
    # like the step handlers: no caller passes it, and the MAC is written in the event's own INSERT.
    event.mac = event_mac(runtime_of(session).settings.keys, event.hash)
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


def replayed(session, manifest_id: int, request: StepRequest) -> ManifestEvent | None:
    """The event already recorded under this idempotency key, if any (a key reused for another step is refused)."""
    event = session.scalar(select(ManifestEvent).where(ManifestEvent.manifest_id == manifest_id,
                                                      ManifestEvent.idempotency_key == request.idempotency_key))
    if event is not None and event.type != request.type:
        raise Conflict(N_("幂等键 {key} 已用于「{type}」步骤"), params={"key": request.idempotency_key, "type": event.type},
                       code="IDEMPOTENCY_KEY_REUSED",
                       details={"idempotency_key": request.idempotency_key, "first_type": event.type})
    return event


def timeline(session, manifest_id: int) -> list[ManifestEvent]:
    """The manifest's events in order."""
    return list(session.scalars(select(ManifestEvent).where(ManifestEvent.manifest_id == manifest_id)
                                .order_by(ManifestEvent.seq)))



def day_root(session, day: date) -> tuple[int, str]:
    """The number of events recorded on the business day and the Merkle root over their (id, hash), in id order."""
    window = day_window(day)
    events = ManifestEvent.__table__
    builder = MerkleBuilder()
    query = (select(events.c.id, events.c.hash)
             .where(events.c.recorded_at >= window.start, events.c.recorded_at < window.end).order_by(events.c.id))
    for event_id, leaf_hash in session.execute(query.execution_options(yield_per=5000)):
        builder.add(merkle_leaf(event_id, leaf_hash))
    return builder.count, builder.root()


@dataclass(frozen=True)
class ManifestCheck:
    """What `/verify` answers: the hash chain and its MACs, the manifest's status against its last event, and the
    day seals."""

    ok: bool
    events: int
    broken_at: int | None = None
    status_ok: bool = True
    seals_ok: bool = True
    sealed_days: list[date] = field(default_factory=list)  # days of its events that are sealed and were recomputed
    unsealed_days: list[date] = field(default_factory=list)  # not sealed yet (today, or before sealing began)
    reasons: list[str] = field(default_factory=list)
    macs_ok: bool = True


def first_keyed_event_id(session) -> int | None:
    """The id of the first event written with a MAC (a partial index finds it). Events without a MAC below it were
    written before MACs existed (migration 0024); above it, an event without one had its MAC stripped."""
    return session.scalar(select(ManifestEvent.id).where(ManifestEvent.mac.is_not(None))
                          .order_by(ManifestEvent.id).limit(1))


def legacy_rule(session, covered: Callable[[date], bool], tonight: date | None = None) -> Callable[[int, date], bool]:
    """Whether an event without a MAC passes: written before MACs existed, and its day `covered` by a signed seal
    that still matches — or its day is `tonight`, the day the nightly run seals after its checks (the day of the
    upgrade: its events from before it are sealed that night, as all events were before MACs)."""
    boundary: list[int | None] = []

    def legacy_ok(event_id: int, day: date) -> bool:
        if not boundary:  # read once, and only when an event without a MAC turns up
            boundary.append(first_keyed_event_id(session))
        if boundary[0] is not None and event_id > boundary[0]:
            return False
        return day == tonight or covered(day)

    return legacy_ok


MAC_REASONS = {
    MAC_MISSING: "第 {seq} 个事件没有密钥校验码，且不是有效日封签所覆盖的早期事件（校验码可能被删除）",
    MAC_INVALID: "第 {seq} 个事件的密钥校验码不符（事件可能被改写并重算了哈希）",
}
UNKNOWN_KEY_REASON = "第 {seq} 个事件的密钥校验码使用了未知的密钥编号 {key_id}"


def verify_manifest_events(session, manifest: Manifest, keys: Keyring | str | None = None) -> ManifestCheck:
    """The chain recomputed and its MACs checked; the status must be its last event's; each sealed day of its events
    must still match its seal, and the seal's signature verify.

    A chain recomputed with the public hash function fails the MACs, which only the keyring makes. Events written
    before MACs existed have none: they pass only on a day whose signed seal still matches (the seal holds the root
    over every event of the day, so an edited, added or deleted event changes it). `keys` defaults to the session's.
    """
    keys = runtime_of(session).settings.keys if keys is None else Keyring.of(keys)
    events = timeline(session, manifest.id)
    chain = verify_chain([(e.seq, e.prev_hash, e.hash, e.hashed_content()) for e in events])
    reasons = [] if chain.ok else [f"哈希链在第 {chain.broken_at} 个事件处断裂"]
    last_status = events[-1].status_after if events else None
    status_ok = last_status == manifest.status
    if not status_ok:
        reasons.append(f"联单状态「{manifest.status}」与最后一个事件的状态「{last_status}」不符（事件可能被删除）")
    sealed, unsealed, matching = [], [], set()
    for day in sorted({local_date(e.recorded_at) for e in events}):
        seal = session.get(DaySeal, day, populate_existing=True)
        if seal is None or seal.merkle_root is None:
            unsealed.append(day)
            continue
        sealed.append(day)
        if day_root(session, day) != (seal.event_count, seal.merkle_root):
            reasons.append(f"{day.isoformat()} 的事件与当日封存的默克尔根不符")
        elif not seal_signed(keys, day, seal.event_count, seal.merkle_root, seal.signature, key_id=seal.key_id,
                             prev_day=seal.prev_day, prev_root=seal.prev_root):
            reasons.append(f"{day.isoformat()} 的封签签名无效（封签可能被改写）")
        else:
            matching.add(day)
    seals_ok = len(matching) == len(sealed)
    macs = check_macs(keys, [(e.seq, e.id, e.hash, e.mac, local_date(e.recorded_at)) for e in events],
                      legacy_rule(session, matching.__contains__))
    if not macs.ok:
        reasons.append(MAC_REASONS[macs.problem].format(seq=macs.broken_at) if macs.problem in MAC_REASONS
                       else UNKNOWN_KEY_REASON.format(seq=macs.broken_at, key_id=macs.key_id))
    return ManifestCheck(ok=chain.ok and status_ok and seals_ok and macs.ok, events=chain.events,
                         broken_at=chain.broken_at if not chain.ok else macs.broken_at, status_ok=status_ok,
                         seals_ok=seals_ok, sealed_days=sealed, unsealed_days=unsealed, reasons=reasons,
                         macs_ok=macs.ok)
