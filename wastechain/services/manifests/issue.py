"""Issuing a transfer manifest once every rule of SPEC.md passes, reserving the quantities from the batches."""
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from wastechain.domain import rules
from wastechain.domain.errors import RuleViolation, ValidationFailed
from wastechain.domain.numbering import manifest_number
from wastechain.domain.quantities import ZERO, fmt_kg
from wastechain.domain.regions import city_of
from wastechain.domain.states import ManifestStatus, Step
from wastechain.domain.storage import batch_status
from wastechain.domain.streams import STREAM_NAMES, Stream, is_hazardous
from wastechain.domain.text import N_, clean_text
from wastechain.domain.timeutil import local_date
from wastechain.domain.vocabulary import ISSUER_ROLES, RECEIVING_ROLES, Role
from wastechain.models import (Approval, Batch, Manifest, ManifestLeg, ManifestLine, ManifestSerial, Organization, Permit, Site,
                               User, Vehicle)
from wastechain.services import access
from wastechain.services.catalog import region_names
from wastechain.services.catalog.editions import code_edition, exemptions
from wastechain.services.common import locked, transactional
from wastechain.services.manifests import capacity, onward
from wastechain.services.manifests.events import append_event
from wastechain.services.runtime import runtime_of

OPEN_STATUSES = capacity.LIVE_STATUSES


@dataclass(frozen=True)
class LineRequest:
    batch_id: int
    quantity_kg: Decimal


@dataclass(frozen=True)
class LegRequest:
    """A further carrier of a multi-carrier manifest (联运, leg 2, 3 …) and where it is planned to take the load."""

    transporter_id: int
    vehicle_id: int | None = None
    driver_id: int | None = None
    handover_site_id: int | None = None
    handover_point: str | None = None


@dataclass(frozen=True)
class Verdict:
    """One rule's answer on a manifest as asked: passed or not, in Chinese (a template + params pages translate)."""

    rule: str  # quantity | jurisdiction | receiver_permit | transport_permit | custody (refused waste moving on)
    ok: bool
    template: str
    params: dict
    code: str | None = None
    subject: str = ""  # the batch's unit code for a line's rule
    violation: RuleViolation | None = None

    @property
    def message(self) -> str:
        """In Chinese."""
        return verdict_text(self, lambda text: text)


def verdict_text(verdict: Verdict, translate) -> str:
    """A verdict in a language: `translate` is the page's gettext (identity for Chinese)."""
    params = {name: translate(value) if isinstance(value, str) else value for name, value in verdict.params.items()}
    text = translate(verdict.template).format(**params)
    approval_id, notes = getattr(verdict.violation, "approval_notes", (None, ()))
    if notes:
        reasons = translate("；").join(translate(template).format(**params) for template, params in notes)
        text += translate("（审批 {approval}：{reasons}）").format(approval=approval_id, reasons=reasons)
    return text


N_("（审批 {approval}：{reasons}）")
RULE_NAMES = {"quantity": N_("库存数量"), "jurisdiction": N_("转移范围（危险废物不出市、一般固体废物不出县）"),
              "receiver_permit": N_("接收单位许可证与经营规模"), "transport_permit": N_("运输许可"),
              "custody": N_("拒收废物的保管与承运")}


@dataclass
class Evaluation:
    """Every rule's verdict on a manifest as asked, and the facts the writing step needs."""

    verdicts: list[Verdict]
    batches: dict[int, Batch]
    origin: Site
    receiver_site: Site
    transporter: Organization | None
    approval: Approval | None
    needs_approval: Decimal

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts)

    def first_violation(self) -> RuleViolation | None:
        return next((v.violation for v in self.verdicts if not v.ok), None)


# ---------------------------------------------------------------- issue

@transactional
def issue_manifest(session, *, actor: User, lines: list[LineRequest], receiver_site_id: int, transporter_id: int,
                   planned_pickup_at: datetime, now: datetime, vehicle_id: int | None = None,
                   driver_id: int | None = None, approval_id: int | None = None,
                   legs: list[LegRequest] = ()) -> Manifest:
    """Issues a transfer manifest once every rule of SPEC.md passes, reserving the quantities from the batches.
    `legs`: the further carriers of a multi-carrier manifest (联运), after the transporter above (leg 1)."""
    evaluation = evaluate_manifest(session, actor=actor, lines=lines, receiver_site_id=receiver_site_id,
                                   transporter_id=transporter_id, planned_pickup_at=planned_pickup_at,
                                   vehicle_id=vehicle_id, driver_id=driver_id, approval_id=approval_id, lock=True,
                                   legs=legs)
    _raise(evaluation.first_violation())
    return _write_manifest(session, evaluation, actor=actor, lines=lines, planned_pickup_at=planned_pickup_at,
                           vehicle_id=vehicle_id, driver_id=driver_id, now=now, legs=legs)


def check_manifest(session, *, actor: User, lines: list[LineRequest], receiver_site_id: int, transporter_id: int,
                   planned_pickup_at: datetime, now: datetime, vehicle_id: int | None = None,
                   driver_id: int | None = None, approval_id: int | None = None,
                   legs: list[LegRequest] = ()) -> Evaluation:
    """The dry run of issue_manifest: every rule's verdict on the same request, writing nothing."""
    try:
        return evaluate_manifest(session, actor=actor, lines=lines, receiver_site_id=receiver_site_id,
                                 transporter_id=transporter_id, planned_pickup_at=planned_pickup_at,
                                 vehicle_id=vehicle_id, driver_id=driver_id, approval_id=approval_id, lock=False,
                                 legs=legs)
    finally:
        session.rollback()  # nothing to keep; ends the read transaction


def evaluate_manifest(session, *, actor: User, lines: list[LineRequest], receiver_site_id: int,
                      transporter_id: int | None, planned_pickup_at: datetime, vehicle_id: int | None = None,
                      driver_id: int | None = None, approval_id: int | None = None, lock: bool = True,
                      legs: list[LegRequest] = ()) -> Evaluation:
    """Every rule of SPEC.md on a manifest as asked; input that cannot be a manifest at all raises instead.

    issue_manifest refuses with the first failing verdict and check_manifest shows them all, so the dry run and
    the real issue cannot disagree. `lock` takes the row locks the real issue needs (batches, approval, receiver).
    """
    access.require_role(actor, *ISSUER_ROLES, doing=N_("开具转移联单"))
    if not lines:
        raise ValidationFailed(N_("联单至少需要一行"), details={"lines": "empty"})
    if len({line.batch_id for line in lines}) != len(lines):
        raise ValidationFailed(N_("同一批次在联单中只能出现一次"), details={"lines": "duplicate batch"})
    batches = _own_batches(session, actor, [line.batch_id for line in lines], lock=lock)
    for code, day in sorted({(b.waste_code, local_date(b.generated_at)) for b in batches.values()}):
        code_edition(session, code, day)  # a code in force on the day its batch was produced
    origin = _single_origin_site(batches)
    trip = onward.trip_of(session, batches, receiver_site_id)  # refused waste moving on, or None
    receiver_site = _receiver_site(session, receiver_site_id, returning=trip is not None and trip.returning)
    transporter = (_transporter(session, transporter_id, vehicle_id, driver_id)
                   if transporter_id is not None else None)
    planned_on = local_date(planned_pickup_at)
    approval = _lock_approval(session, approval_id, actor, receiver_site, planned_on) if lock else \
        _approval(session, approval_id, actor)
    names = place_names(session, [origin.region_code, receiver_site.region_code])
    verdicts, needs_approval = [], Decimal(0)
    for line in lines:
        batch = batches[line.batch_id]
        verdicts.append(_quantity_verdict(batch, line.quantity_kg))
        verdict, crossed = _jurisdiction_verdict(batch, line.quantity_kg, origin, receiver_site, approval,
                                                 needs_approval, planned_on, names)
        verdicts.append(verdict)
        needs_approval += crossed
    if trip is not None and trip.returning:
        verdicts.append(_verdict("receiver_permit", None, N_("退回产生单位原场所「{site}」：不需要接收许可"),
                                 {"site": receiver_site.name}))
    else:
        verdicts += _permit_verdicts(session, batches, lines, receiver_site, planned_on, lock=lock)
    if trip is not None:
        verdicts.append(_verdict("custody", trip.custody_violation(transporter_id),
                                 N_("拒收的废物由运输单位「{carrier}」保管并承运"),
                                 {"carrier": transporter.name if transporter else ""}))
    if transporter is not None:
        verdicts.append(_transport_verdict(session, batches, transporter, planned_on))
    for seq, leg in enumerate(legs, start=2):  # 联运: every further carrier holds a valid transport permit too
        carrier = _transporter(session, leg.transporter_id, leg.vehicle_id, leg.driver_id)
        if leg.handover_site_id is not None and session.get(Site, leg.handover_site_id) is None:
            raise ValidationFailed(N_("交接场所 {id} 不存在"), params={"id": leg.handover_site_id},
                                   details={f"legs.{seq - 2}.handover_site_id": "unknown"})
        verdicts.append(replace(_transport_verdict(session, batches, carrier, planned_on), subject=f"leg:{seq}"))
    return Evaluation(verdicts=verdicts, batches=batches, origin=origin, receiver_site=receiver_site,
                      transporter=transporter, approval=approval, needs_approval=needs_approval)


def _write_manifest(session, evaluation: Evaluation, *, actor: User, lines: list[LineRequest],
                    planned_pickup_at: datetime, vehicle_id: int | None, driver_id: int | None,
                    now: datetime, legs: list[LegRequest] = ()) -> Manifest:
    batches, origin, receiver_site = evaluation.batches, evaluation.origin, evaluation.receiver_site
    approval, needs_approval = evaluation.approval, evaluation.needs_approval
    # The parties and sites already loaded go on the manifest, so the response names them without reading again.
    manifest = Manifest(
        number=_next_number(session, origin.region_code, now), status=ManifestStatus.ISSUED.value,
        issuer_id=actor.organization_id, origin_site_id=origin.id, origin_region_code=origin.region_code,
        receiver_id=receiver_site.organization_id, receiver_site_id=receiver_site.id,
        destination_region_code=receiver_site.region_code, transporter_id=evaluation.transporter.id,
        issuer=actor.organization, origin_site=origin, receiver=receiver_site.organization,
        receiver_site=receiver_site, transporter=evaluation.transporter,
        vehicle_id=vehicle_id, driver_id=driver_id, approval_id=approval.id if approval and needs_approval else None,
        planned_pickup_at=planned_pickup_at, total_kg=sum((l.quantity_kg for l in lines), ZERO),
        disposed_kg=ZERO, issued_at=now, status_changed_at=now, issued_by_id=actor.id)
    session.add(manifest)
    for line in lines:
        batch = batches[line.batch_id]
        take_from_batch(batch, line.quantity_kg)
        manifest.lines.append(ManifestLine(batch_id=batch.id, waste_code=batch.waste_code, quantity_kg=line.quantity_kg))
    if approval and needs_approval:
        approval.reserved_kg += needs_approval
    if legs:
        _write_legs(manifest, legs)
    session.flush()
    event = append_event(session, manifest, step=Step.ISSUE, actor=actor, now=now, occurred_at=now,
                         idempotency_key=f"issue-{manifest.id}", data={"number": manifest.number})
    for handler in runtime_of(session).in_step:  # lineage draws the lines from the batches
        handler(session, manifest=manifest, event=event)
    return manifest


def _write_legs(manifest: Manifest, legs: list[LegRequest]) -> None:
    """Leg 1 repeats the manifest's carrier; the load is with leg 1 until its first hand-over."""
    manifest.current_leg = 1
    manifest.legs.append(ManifestLeg(seq=1, transporter_id=manifest.transporter_id, vehicle_id=manifest.vehicle_id,
                                     driver_id=manifest.driver_id))
    for seq, leg in enumerate(legs, start=2):
        point = clean_text(leg.handover_point, field="handover_point", max_length=200) if leg.handover_point else None
        manifest.legs.append(ManifestLeg(seq=seq, transporter_id=leg.transporter_id, vehicle_id=leg.vehicle_id,
                                         driver_id=leg.driver_id, handover_site_id=leg.handover_site_id,
                                         handover_point=point or None))


# ---------------------------------------------------------------- the receivers that can take a load

@dataclass(frozen=True)
class ReceiverChoice:
    """A receiving site for the load as picked: whether it can take it, and every rule's verdict why (not)."""

    site: Site
    region_name: str
    ok: bool
    verdicts: list[Verdict]
    approval_id: int | None  # the approval that allows a crossing, when one does


def receiver_choices(session, *, actor: User, lines: list[LineRequest], planned_pickup_at: datetime,
                     approval_id: int | None = None) -> list[ReceiverChoice]:
    """Every receiving site with what the rules say of this load going there; those that can take it first.

    The same verdicts as the dry run, for the rules that depend on the receiver (range or approval, permit,
    capacity); an approval is looked up among the actor's own when none is given.
    """
    access.require_role(actor, *ISSUER_ROLES, doing=N_("开具转移联单"))
    if not lines:
        return []
    batches = _own_batches(session, actor, [line.batch_id for line in lines], lock=False)
    origin = _single_origin_site(batches)
    planned_on = local_date(planned_pickup_at)
    # Only receiving organizations' sites, not every producer's.
    receiving = or_(*(access.organization_has_role(session, role) for role in RECEIVING_ROLES))
    sites = [site for site in session.scalars(select(Site).join(Organization).where(receiving).order_by(Site.id))
             if site.organization_id != actor.organization_id]
    names = place_names(session, [origin.region_code] + [site.region_code for site in sites])
    approvals = list(session.scalars(select(Approval).where(Approval.producer_id == actor.organization_id)))
    choices = []
    for site in sites:
        candidates = [a for a in approvals if a.id == approval_id] if approval_id else \
            [a for a in approvals if a.destination_site_id == site.id and a.valid_from <= planned_on <= a.valid_to
             and a.revoked_at is None]
        best = None
        for approval in candidates + [None]:
            verdicts, crossed_kg = [], Decimal(0)
            for line in lines:
                verdict, crossed = _jurisdiction_verdict(batches[line.batch_id], line.quantity_kg, origin, site,
                                                         approval, crossed_kg, planned_on, names)
                verdicts.append(verdict)
                crossed_kg += crossed
            verdicts += _permit_verdicts(session, batches, lines, site, planned_on, lock=False)
            choice = ReceiverChoice(site=site, region_name=names.get(site.region_code, site.region_code),
                                    ok=all(v.ok for v in verdicts), verdicts=verdicts,
                                    approval_id=approval.id if approval is not None and crossed_kg else None)
            if best is None or (choice.ok and not best.ok):
                best = choice
            if choice.ok:
                break
        choices.append(best)
    return sorted(choices, key=lambda c: (not c.ok, c.site.id))


# ---------------------------------------------------------------- the rules, as verdicts

def place_names(session, codes) -> dict[str, str]:
    """Region codes → names people read: a county with its city (衢州市柯城区), and each city by itself."""
    codes = set(codes)
    found = region_names(session, codes | {city_of(code) for code in codes})
    names = dict(found)
    for code in codes:
        city = city_of(code)
        if code != city and city in found and code in found:
            names[code] = found[city] + found[code]
    return names


def _verdict(rule: str, violation: RuleViolation | None, template: str, params: dict, subject: str = "") -> Verdict:
    if violation is not None:
        return Verdict(rule=rule, ok=False, template=violation.template if violation.params else violation.message,
                       params=violation.params, code=violation.code, subject=subject, violation=violation)
    return Verdict(rule=rule, ok=True, template=template, params=params, subject=subject)


def _quantity_verdict(batch: Batch, quantity_kg: Decimal) -> Verdict:
    violation = rules.quantity_violation(unit_code=batch.unit_code, remaining_kg=batch.remaining_kg,
                                         requested_kg=quantity_kg)
    return _verdict("quantity", violation, N_("批次 {unit_code} 剩余 {remaining}，本次转移 {requested}：库存足够"),
                    {"unit_code": batch.unit_code, "remaining": fmt_kg(batch.remaining_kg),
                     "requested": fmt_kg(quantity_kg)}, subject=batch.unit_code)


def _jurisdiction_verdict(batch: Batch, quantity_kg: Decimal, origin: Site, receiver_site: Site,
                          approval: Approval | None, approved_before: Decimal, on, names: dict) -> tuple[Verdict, Decimal]:
    """The range rule for one line, and the quantity an approval must cover for it (0 when it stays inside)."""
    stream = Stream(batch.waste.stream)
    origin_name = names.get(origin.region_code, origin.region_code)
    destination_name = names.get(receiver_site.region_code, receiver_site.region_code)
    crosses = rules.jurisdiction_violation(stream=stream, waste_code=batch.waste_code,
                                           origin_region=origin.region_code,
                                           destination_region=receiver_site.region_code, approved=False,
                                           origin_name=origin_name, destination_name=destination_name)
    params = {"stream": STREAM_NAMES[stream], "waste_code": batch.waste_code, "origin": origin_name,
              "destination": destination_name}
    if crosses is None:
        hazardous = is_hazardous(stream)
        region = city_of(origin.region_code) if hazardous else origin.region_code
        return _verdict("jurisdiction", None, N_("{stream} {waste_code} 从 {origin} 到 {destination}：同在{place}，符合「{rule}」"),
                        {**params, "place": names.get(region, region),
                         "rule": N_("危险废物不出市") if hazardous else N_("一般固体废物不出县")},
                        subject=batch.unit_code), Decimal(0)
    problem = _approval_problem(approval, batch, quantity_kg + approved_before, crosses,
                                receiver_site_id=receiver_site.id, on=on)
    return _verdict("jurisdiction", problem, N_("{stream} {waste_code} 从 {origin} 到 {destination}：跨区域转移，由审批 {approval} 允许"),
                    {**params, "approval": str(approval.id) if approval else ""},
                    subject=batch.unit_code), quantity_kg


def _permit_verdicts(session, batches, lines, receiver_site: Site, on, *, lock: bool) -> list[Verdict]:
    receiver = receiver_site.organization
    hazardous_kg = sum((line.quantity_kg for line in lines if is_hazardous(Stream(batches[line.batch_id].waste.stream))),
                       ZERO)
    if lock and hazardous_kg > 0:
        # The counter row's lock (to the transaction's end) makes concurrent manifests to this receiver take turns,
        # so capacity is never over-committed; a refusal rolls the addition back with everything else.
        used = capacity.reserve(session, receiver_id=receiver.id, year=on.year, quantity_kg=hazardous_kg)
    else:
        used = capacity.committed(session, receiver_id=receiver.id, year=on.year)
    verdicts = []
    for line in lines:
        batch = batches[line.batch_id]
        stream = Stream(batch.waste.stream)
        # The earlier lines of this manifest count against the capacity too.
        permits = [permit_facts(p, used) for p in receiver.permits]
        violation = rules.receiver_permit_violation(stream=stream, waste_code=batch.waste_code,
                                                    category=batch.waste.category, quantity_kg=line.quantity_kg,
                                                    on=on, permits=permits, receiver_name=receiver.name)
        if not is_hazardous(stream):
            verdicts.append(_verdict("receiver_permit", violation,
                                     N_("{stream} {waste_code} 不需要危险废物经营许可证"),
                                     {"stream": STREAM_NAMES[stream], "waste_code": batch.waste_code},
                                     subject=batch.unit_code))
            continue
        covering = next((p for p in permits if p.kind == "hw_operation" and p.valid_on(on)
                         and p.covers(batch.waste_code, batch.waste.category)
                         and (p.annual_capacity_kg is None or p.used_kg + line.quantity_kg <= p.annual_capacity_kg)),
                        None)
        left = (fmt_kg(covering.annual_capacity_kg - covering.used_kg - line.quantity_kg)
                if covering is not None and covering.annual_capacity_kg is not None else N_("不限"))
        verdicts.append(_verdict("receiver_permit", violation,
                                 N_("接收单位「{receiver}」许可证 {permit} 覆盖 {waste_code}，本次之后年度经营规模剩余 {left}"),
                                 {"receiver": receiver.name, "permit": covering.number if covering else "",
                                  "waste_code": batch.waste_code, "left": left}, subject=batch.unit_code))
        used += line.quantity_kg
    return verdicts


def _transport_verdict(session, batches: dict[int, Batch], transporter: Organization, on) -> Verdict:
    dangerous = [b for b in batches.values() if is_hazardous(Stream(b.waste.stream))]
    exempt = exemptions(session, wastes=[(b.waste_code, b.waste.category) for b in dangerous], link="transport", on=on)
    hazardous = any(b.waste_code not in exempt for b in dangerous)
    violation = rules.transport_permit_violation(hazardous=hazardous, on=on, transporter_name=transporter.name,
                                                 permits=[permit_facts(p) for p in transporter.permits])
    if not hazardous and exempt:
        row = next(iter(exempt.values()))
        return _verdict("transport_permit", violation,
                        N_("运输环节豁免：{codes} 符合《{edition}》的豁免条件（{condition}），运输过程不按危险废物管理"),
                        {"codes": "、".join(sorted(exempt)), "edition": row.edition.title, "condition": row.condition})
    if not hazardous:
        return _verdict("transport_permit", violation, N_("运输单位「{transporter}」运输的不是危险废物，不需要危险货物道路运输许可"),
                        {"transporter": transporter.name})
    return _verdict("transport_permit", violation, N_("运输单位「{transporter}」在 {on} 持有有效的危险货物道路运输许可"),
                    {"transporter": transporter.name, "on": on.isoformat()})


def _raise(violation: RuleViolation | None) -> None:
    if violation is not None:
        raise violation


def _own_batches(session, actor: User, batch_ids: list[int], *, lock: bool) -> dict[int, Batch]:
    query = select(Batch).where(Batch.id.in_(batch_ids)).order_by(Batch.id)
    found = (locked(session, query) if lock else session.scalars(query)).all()
    by_id = {b.id: b for b in found}
    foreign = [i for i in batch_ids if i not in by_id or by_id[i].organization_id != actor.organization_id]
    if foreign:
        raise RuleViolation(N_("批次 {ids} 不存在或不属于本单位"), params={"ids": ", ".join(map(str, foreign))},
                            code="OWNERSHIP_VIOLATION",
                            details={"batch_ids": foreign})
    return by_id


def _single_origin_site(batches: dict[int, Batch]) -> Site:
    sites = {b.site_id: b.site for b in batches.values()}
    if len(sites) != 1:
        raise ValidationFailed(N_("一张联单的批次必须来自同一场所（一车一单）"), details={"lines": "several origin sites"})
    return next(iter(sites.values()))


def _receiver_site(session, site_id: int, *, returning: bool = False) -> Site:
    """The receiving site; on a return trip the issuer's own original site, which needs no receiving role."""
    site = session.get(Site, site_id)
    if site is None:
        raise ValidationFailed(N_("接收场所 {site} 不存在"), params={"site": site_id}, details={"receiver_site_id": "unknown"})
    if not returning and not any(site.organization.has_role(role) for role in RECEIVING_ROLES):
        raise ValidationFailed(N_("「{name}」不是接收或收集单位"), params={"name": site.organization.name}, details={"receiver_site_id": "not a receiver"})
    return site


def _transporter(session, transporter_id: int, vehicle_id: int | None, driver_id: int | None) -> Organization:
    transporter = session.get(Organization, transporter_id)
    if transporter is None or not transporter.has_role(Role.TRANSPORTER):
        raise ValidationFailed(N_("运输单位 {id} 不存在或不是运输单位"), params={"id": transporter_id}, details={"transporter_id": "not a transporter"})
    vehicle = session.get(Vehicle, vehicle_id) if vehicle_id is not None else None
    if vehicle_id is not None and (vehicle is None or vehicle.organization_id != transporter.id):
        raise RuleViolation(N_("车辆 {id} 不属于运输单位「{name}」"), params={"id": vehicle_id, "name": transporter.name},
                            code="OWNERSHIP_VIOLATION",
                            details={"vehicle_id": vehicle_id})
    driver = session.get(User, driver_id) if driver_id is not None else None
    if driver_id is not None and (driver is None or driver.role != Role.DRIVER or driver.organization_id != transporter.id):
        raise RuleViolation(N_("驾驶员 {id} 不是运输单位「{name}」的驾驶员"), params={"id": driver_id, "name": transporter.name},
                            code="OWNERSHIP_VIOLATION",
                            details={"driver_id": driver_id})
    return transporter


def _lock_approval(session, approval_id, actor: User, receiver_site: Site, on) -> Approval | None:
    if approval_id is None:
        return None
    approval = locked(session, select(Approval).where(Approval.id == approval_id)).first()
    if approval is None or approval.producer_id != actor.organization_id:
        raise ValidationFailed(N_("审批 {id} 不存在或不是发给本单位的"), params={"id": approval_id},
                               details={"approval_id": "unknown"})
    return approval


def _approval(session, approval_id, actor: User) -> Approval | None:
    """The approval as the dry run reads it (no lock), refused alike when it is not the actor's."""
    if approval_id is None:
        return None
    approval = session.get(Approval, approval_id)
    if approval is None or approval.producer_id != actor.organization_id:
        raise ValidationFailed(N_("审批 {id} 不存在或不是发给本单位的"), params={"id": approval_id},
                               details={"approval_id": "unknown"})
    return approval


def _approval_problem(approval: Approval | None, batch: Batch, quantity_kg: Decimal, crossing: RuleViolation, *,
                      receiver_site_id: int, on) -> RuleViolation | None:
    """None when the approval covers this crossing; otherwise the jurisdiction violation, saying why not."""
    if approval is None:
        return crossing
    notes = []
    if approval.revoked_at is not None:
        notes.append((N_("审批已于 {revoked_on} 撤销"), {"revoked_on": local_date(approval.revoked_at).isoformat()}))
    if approval.destination_site_id != receiver_site_id:
        notes.append((N_("目的地不符"), {}))
    if not approval.valid_from <= on <= approval.valid_to:
        notes.append((N_("计划日期 {on} 不在有效期 {valid_from} 至 {valid_to} 内"),
                      {"on": on.isoformat(), "valid_from": approval.valid_from.isoformat(),
                       "valid_to": approval.valid_to.isoformat()}))
    if batch.waste_code not in approval.waste_codes and batch.waste.category not in approval.waste_codes:
        notes.append((N_("审批不含废物代码 {waste_code}"), {"waste_code": batch.waste_code}))
    if quantity_kg > approval.remaining_kg:
        notes.append((N_("审批剩余量 {remaining} 不足 {requested}"),
                      {"remaining": fmt_kg(approval.remaining_kg), "requested": fmt_kg(quantity_kg)}))
    if not notes:
        return None
    reasons = [template.format(**params) for template, params in notes]
    refused = RuleViolation(crossing.template, params=crossing.params, code=crossing.code,
                            details={**crossing.details, "approval_id": approval.id, "approval_problems": reasons})
    refused.message += f"（审批 {approval.id}：{'；'.join(reasons)}）"
    refused.approval_notes = (approval.id, notes)  # the reasons again, for pages to translate one by one
    return refused


def permit_facts(permit: Permit, used_kg: Decimal = ZERO) -> rules.PermitFacts:
    return rules.PermitFacts(number=permit.number, kind=permit.kind, valid_from=permit.valid_from,
                             valid_to=permit.valid_to, waste_codes=frozenset(permit.waste_codes),
                             methods=frozenset(permit.methods), annual_capacity_kg=permit.annual_capacity_kg,
                             used_kg=used_kg)


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


