"""The manifest's append-only, hash-chained events: appending one, finding a replay, verifying the chain."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from wastechain.domain.errors import Conflict
from wastechain.domain.hashing import GENESIS_HASH, ChainCheck, event_hash, verify_chain
from wastechain.domain.quantities import parse_kg
from wastechain.domain.states import ManifestStatus, Step
from wastechain.models import Manifest, ManifestEvent, User


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


def append_event(session, manifest: Manifest, *, step: Step, actor: User, now: datetime, occurred_at: datetime,
                 idempotency_key: str, status_after: ManifestStatus | None = None,
                 request: StepRequest | None = None, data: dict | None = None) -> ManifestEvent:
    """Appends the next event of the manifest, chained to the previous one by its hash."""
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


def replayed(session, manifest_id: int, request: StepRequest) -> ManifestEvent | None:
    """The event already recorded under this idempotency key, if any (a key reused for another step is refused)."""
    event = session.scalar(select(ManifestEvent).where(ManifestEvent.manifest_id == manifest_id,
                                                      ManifestEvent.idempotency_key == request.idempotency_key))
    if event is not None and event.type != request.type:
        raise Conflict(f"幂等键 {request.idempotency_key} 已用于「{event.type}」步骤", code="IDEMPOTENCY_KEY_REUSED",
                       details={"idempotency_key": request.idempotency_key, "first_type": event.type})
    return event


def timeline(session, manifest_id: int) -> list[ManifestEvent]:
    """The manifest's events in order."""
    return list(session.scalars(select(ManifestEvent).where(ManifestEvent.manifest_id == manifest_id)
                                .order_by(ManifestEvent.seq)))


def verify_events(session, manifest_id: int) -> ChainCheck:
    """Recomputes the manifest's event hash chain from the stored events."""
    return verify_chain([(e.seq, e.prev_hash, e.hash, e.hashed_content()) for e in timeline(session, manifest_id)])
