"""Corrections (修订) of a signed manifest: filed by one party, approved by each other party it affects, applied as
a new hash-chained event with the values before and after. Nothing is overwritten but the manifest's current
value, which the event explains; the event chain still verifies (services.manifests.events)."""
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import String, cast, exists, or_, select
from sqlalchemy.orm import selectinload

from wastechain.domain import corrections as rules
from wastechain.domain.corrections import CorrectionParty, CorrectionStatus
from wastechain.domain.errors import Conflict, Forbidden, NotFound, RuleViolation, ValidationFailed
from wastechain.domain.quantities import parse_kg
from wastechain.domain.states import Step
from wastechain.domain.text import N_, clean_text
from wastechain.domain.vocabulary import ISSUER_ROLES, RECEIVING_ROLES, Role
from wastechain.models import Correction, CorrectionDecision, Manifest, User, Vehicle
from wastechain.services import access
from wastechain.services.common import locked, transactional
from wastechain.services.manifests.events import append_event

P = CorrectionParty


def parties_of(actor: User, manifest: Manifest) -> frozenset[CorrectionParty]:
    """The parties of a correction the actor acts for on this manifest."""
    org = actor.organization_id
    parties = set()
    if org is not None and actor.role in ISSUER_ROLES and org == manifest.issuer_id:
        parties.add(P.ISSUER)
    if org is not None and actor.role == Role.TRANSPORTER and org == manifest.transporter_id:
        parties.add(P.CARRIER)
    if org is not None and actor.role in RECEIVING_ROLES and org == manifest.receiver_id:
        parties.add(P.RECEIVER)
    if access.is_regulator(actor) and access.in_jurisdiction(actor, manifest.origin_region_code):
        parties.add(P.REGULATOR)
    return frozenset(parties)


def _locked_manifest(session, actor: User, manifest_id: int) -> Manifest:
    manifest = locked(session, access.visible_manifests(actor).where(Manifest.id == manifest_id)).first()
    if manifest is None:
        raise NotFound(N_("联单 {manifest_id} 不存在或无权查看"), params={"manifest_id": manifest_id})
    return manifest


@dataclass(frozen=True)
class Value:
    stored: str | int | None  # what the manifest's column holds, as JSON
    shown: str  # what a page shows


def current_value(session, manifest: Manifest, field: str) -> Value:
    if field == "pickup_kg":
        kg = manifest.pickup_kg
        return Value(None if kg is None else str(kg), "" if kg is None else f"{kg.normalize():f} kg")
    vehicle = session.get(Vehicle, manifest.vehicle_id) if manifest.vehicle_id else None
    return Value(manifest.vehicle_id, vehicle.plate if vehicle else "")


def _new_value(session, manifest: Manifest, field: str, value) -> Value:
    if field == "pickup_kg":
        kg = parse_kg(value, field="quantity_kg")
        return Value(str(kg), f"{kg.normalize():f} kg")
    try:
        vehicle_id = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(N_("请选择运输车辆"), details={"value": "vehicle id"}) from None
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None or vehicle.organization_id != manifest.transporter_id:
        raise RuleViolation(N_("车辆 {id} 不属于运输单位「{name}」"),
                            params={"id": vehicle_id, "name": manifest.transporter.name},
                            code="OWNERSHIP_VIOLATION", details={"vehicle_id": vehicle_id})
    return Value(vehicle.id, vehicle.plate)


def _set(manifest: Manifest, field: str, stored) -> None:
    if field == "pickup_kg":
        manifest.pickup_kg = Decimal(stored)
    else:
        manifest.vehicle_id = stored


@transactional
def request_correction(session, *, actor: User, manifest_id: int, field: str, value, reason: str, now: datetime,
                       ask_id: int | None = None) -> Correction:
    """A party of the manifest files a correction; it applies when every other party it affects has approved."""
    manifest = _locked_manifest(session, actor, manifest_id)
    parties = parties_of(actor, manifest) & rules.FILING_PARTIES
    if not parties:
        raise Forbidden(N_("只有联单的产生、运输或接收单位可以提出修订"), code="NOT_A_PARTY")
    if field not in rules.FIELDS:
        raise ValidationFailed(N_("不能修订该项：可修订提货重量和运输车辆"), details={"field": field,
                                                                            "allowed": sorted(rules.FIELDS)})
    if manifest.status not in rules.CORRECTABLE_STATUSES:
        raise Conflict(N_("联单提货后才能修订；提货前请作废后重新开具"), code="NOT_CORRECTABLE",
                       details={"status": str(manifest.status)})
    reason = clean_text(reason, field="reason", max_length=500, required=True, multiline=True)
    before, after = current_value(session, manifest, field), _new_value(session, manifest, field, value)
    if before.stored == after.stored:
        raise ValidationFailed(N_("修订后的值与当前值相同"), details={"value": "unchanged"})
    if session.scalar(select(Correction.id).where(Correction.manifest_id == manifest.id, Correction.field == field,
                                                  Correction.status == CorrectionStatus.PENDING)):
        raise Conflict(N_("该项已有一项待确认的修订，请先等待各方确认"), code="CORRECTION_PENDING_EXISTS",
                       details={"field": field})
    ask = _answered_ask(session, manifest, ask_id, parties, now) if ask_id else None
    required = set().union(*(rules.required_approvals(field, party) for party in parties)) - parties
    correction = Correction(manifest_id=manifest.id, status=CorrectionStatus.PENDING, field=field,
                            before=vars(before), after=vars(after), reason=reason, party=sorted(parties)[0],
                            required=sorted(required), requested_by_id=actor.id, requested_at=now,
                            ask_id=ask.id if ask else None)
    session.add(correction)
    session.flush()
    for party in sorted(parties):
        session.add(CorrectionDecision(correction_id=correction.id, party=party, approved=True, reason="",
                                       user_id=actor.id, decided_at=now))
    session.flush()
    _settle(session, correction, manifest, actor, now)
    return correction


def _answered_ask(session, manifest: Manifest, ask_id: int, parties, now: datetime) -> Correction:
    ask = session.get(Correction, ask_id)
    if ask is None or ask.manifest_id != manifest.id or ask.status != CorrectionStatus.ASKED:
        raise ValidationFailed(N_("监管部门的修订要求 {id} 不存在或已答复"), params={"id": ask_id},
                               details={"ask_id": ask_id})
    if ask.party not in parties:
        raise Forbidden(N_("该修订要求不是向本单位提出的"), code="NOT_A_PARTY")
    ask.status, ask.closed_at = CorrectionStatus.ANSWERED, now
    return ask


@transactional
def decide_correction(session, *, actor: User, correction_id: int, approve: bool, reason: str = "",
                      now: datetime) -> Correction:
    """A party the correction affects approves or refuses it; a refusal says why."""
    correction = session.get(Correction, correction_id)
    if correction is None or correction.field is None:
        raise NotFound(N_("修订 {id} 不存在或无权查看"), params={"id": correction_id})
    manifest = _locked_manifest(session, actor, correction.manifest_id)
    session.refresh(correction, with_for_update=True)
    if correction.status != CorrectionStatus.PENDING:
        raise Conflict(N_("该修订已处理（{status}）"), params={"status": rules.STATUS_NAMES[correction.status]},
                       code="CORRECTION_CLOSED", details={"status": correction.status})
    decided = {d.party for d in correction.decisions}
    mine = (parties_of(actor, manifest) & set(correction.required)) - decided
    if not mine:
        raise Forbidden(N_("本单位无需确认该修订，或已确认"), code="NOT_A_REQUIRED_PARTY",
                        details={"required": correction.required, "decided": sorted(decided)})
    reason = clean_text(reason, field="reason", max_length=500, required=not approve, multiline=True)
    for party in sorted(mine):
        session.add(CorrectionDecision(correction_id=correction.id, party=party, approved=approve, reason=reason,
                                       user_id=actor.id, decided_at=now))
    session.flush()
    session.refresh(correction, ["decisions"])
    _settle(session, correction, manifest, actor, now)
    return correction


def _settle(session, correction: Correction, manifest: Manifest, actor: User, now: datetime) -> None:
    """Refused at the first refusal; applied, as an event, when every required approval is in."""
    decisions = {P(d.party): d.approved for d in correction.decisions}
    status = rules.outcome(frozenset(P(p) for p in correction.required), decisions)
    if status == CorrectionStatus.PENDING:
        return
    correction.status, correction.closed_at = status, now
    if status == CorrectionStatus.APPLIED:
        _set(manifest, correction.field, correction.after["stored"])
        event = append_event(session, manifest, step=Step.CORRECT, actor=actor, now=now, occurred_at=now,
                             idempotency_key=f"correction-{correction.id}", data={
                                 "correction_id": correction.id, "field": correction.field,
                                 "before": correction.before, "after": correction.after,
                                 "requested_by": correction.requested_by_id, "reason": correction.reason,
                                 "approvals": [{"party": d.party, "user_id": d.user_id,
                                                "at": d.decided_at.isoformat()} for d in correction.decisions]})
        correction.event_id = event.id
    session.flush()


@transactional
def ask_for_correction(session, *, actor: User, manifest_id: int, party: str, reason: str,
                       now: datetime) -> Correction:
    """A regulator of either end asks a party to file a correction; it waits in that party's My tasks."""
    manifest = access.get_manifest(session, actor, manifest_id)
    if not access.is_regulator(actor):
        raise Forbidden(N_("只有生态环境部门可以要求修订"), code="FORBIDDEN")
    if party not in rules.FILING_PARTIES:
        raise ValidationFailed(N_("请选择要求修订的单位"), details={"party": party,
                                                              "allowed": sorted(rules.FILING_PARTIES)})
    reason = clean_text(reason, field="reason", max_length=500, required=True, multiline=True)
    ask = Correction(manifest_id=manifest.id, status=CorrectionStatus.ASKED, field=None, before={}, after={},
                     reason=reason, party=party, required=[], requested_by_id=actor.id, requested_at=now)
    session.add(ask)
    session.flush()
    return ask


def corrections_of(session, *, actor: User, manifest_id: int) -> list[Correction]:
    """The manifest's corrections and asks, oldest first, with who decided what."""
    manifest = access.get_manifest(session, actor, manifest_id)
    return list(session.scalars(
        select(Correction).where(Correction.manifest_id == manifest.id).order_by(Correction.id)
        .options(selectinload(Correction.decisions).selectinload(CorrectionDecision.user),
                 selectinload(Correction.requested_by))))


def get_correction(session, *, actor: User, correction_id: int) -> Correction:
    correction = session.get(Correction, correction_id)
    if correction is None:
        raise NotFound(N_("修订 {id} 不存在或无权查看"), params={"id": correction_id})
    access.get_manifest(session, actor, correction.manifest_id)
    return correction


def may_decide(actor: User, correction: Correction) -> bool:
    decided = {d.party for d in correction.decisions}
    return (correction.status == CorrectionStatus.PENDING
            and bool((parties_of(actor, correction.manifest) & set(correction.required)) - decided))


def _party_clauses(actor: User) -> list:
    """(party, manifest clause) for each party the actor's role may act as."""
    org = actor.organization_id if actor.organization_id is not None else -1
    clauses = []
    if actor.role in ISSUER_ROLES:
        clauses.append((P.ISSUER, Manifest.issuer_id == org))
    if actor.role == Role.TRANSPORTER:
        clauses.append((P.CARRIER, Manifest.transporter_id == org))
    if actor.role in RECEIVING_ROLES:
        clauses.append((P.RECEIVER, Manifest.receiver_id == org))
    return clauses


def waiting_on(actor: User):
    """A SELECT of the corrections waiting on the actor's organization: to approve or refuse, or asked of it."""
    options = []
    for party, of_manifest in _party_clauses(actor):
        undecided = ~exists(select(CorrectionDecision.id).where(CorrectionDecision.correction_id == Correction.id,
                                                                CorrectionDecision.party == party))
        options.append(of_manifest & or_(
            (Correction.status == CorrectionStatus.PENDING) & cast(Correction.required, String).like(f'%"{party}"%')
            & undecided,
            (Correction.status == CorrectionStatus.ASKED) & (Correction.party == party)))
    if access.is_regulator(actor):
        undecided = ~exists(select(CorrectionDecision.id).where(CorrectionDecision.correction_id == Correction.id,
                                                                CorrectionDecision.party == P.REGULATOR))
        options.append(access.jurisdiction_clause(Manifest.origin_region_code, actor)
                       & (Correction.status == CorrectionStatus.PENDING)
                       & cast(Correction.required, String).like(f'%"{P.REGULATOR}"%') & undecided)
    query = select(Correction).join(Manifest, Manifest.id == Correction.manifest_id)
    return query.where(or_(*options)) if options else query.where(Correction.id.is_(None))


def vehicle_choices(session, manifest: Manifest) -> list[Vehicle]:
    """The vehicles a correction may name: the carrier's own."""
    return list(session.scalars(select(Vehicle).where(Vehicle.organization_id == manifest.transporter_id)
                                .order_by(Vehicle.plate)))


def may_file(actor: User, manifest: Manifest) -> bool:
    return (manifest.status in rules.CORRECTABLE_STATUSES
            and bool(parties_of(actor, manifest) & rules.FILING_PARTIES))


def open_asks(session, *, actor: User, manifest: Manifest) -> list[Correction]:
    """The regulators' asks on this manifest that the actor's organization may answer."""
    parties = parties_of(actor, manifest) & rules.FILING_PARTIES
    if not parties:
        return []
    return list(session.scalars(select(Correction).where(Correction.manifest_id == manifest.id,
                                                         Correction.status == CorrectionStatus.ASKED,
                                                         Correction.party.in_(sorted(parties)))
                                .order_by(Correction.id)))
