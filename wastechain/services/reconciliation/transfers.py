"""Checks on transfers: time in transit, receipt, weight, storage time, loop closing, jurisdiction,
location and permits."""
from datetime import timedelta
from decimal import Decimal
from typing import Iterator

from sqlalchemy import and_, exists, func, or_, select, union

from wastechain.domain import anomalies as catalog
from wastechain.domain import rules
from wastechain.domain.rules import JURISDICTION_RULES
from wastechain.domain.anomalies import day_window, kg
from wastechain.domain.states import ManifestStatus as MS
from wastechain.domain.streams import Stream
from wastechain.domain.regions import city_of, within
from wastechain.domain.timeutil import deadline_passed, local_date, receipt_deadline
from wastechain.domain.track import Point, points_outside
from wastechain.domain.vocabulary import BatchStatus
from wastechain.models import Approval, Site
from wastechain.services.catalog.editions import exemptions
from wastechain.services.reconciliation import routes
from wastechain.services.reconciliation.context import Candidate, Context
from wastechain.services.reconciliation.sql import (HAZARDOUS_STREAMS, B, E, L, M, ML, W, aware, epoch, g, haversine_m,
                                                    permits_of, same_permit_spans)

# ---------------------------------------------------------------- checks

def check_transit_overdue(ctx: Context) -> Iterator[Candidate]:
    """Picked up and not delivered within TRANSIT_OVERDUE_HOURS (open now, or delivered late on the day).

    联运: each leg is judged on its own, from the event that put the load on its vehicle (the pickup, or the
    hand-over to it) to the one that took it off (the next hand-over, or the delivery); the finding names the leg
    and holds its carrier responsible.
    """
    hours = ctx.thresholds.transit_overdue_hours
    limit = timedelta(hours=hours)
    if ctx.nightly:
        leg = ML.alias("leg")
        started = func.coalesce(leg.c.started_at, M.c.status_changed_at)
        query = (select(M.c.id, started.label("picked"), leg.c.seq.label("leg"), leg.c.transporter_id)
                 .select_from(M.outerjoin(leg, and_(leg.c.manifest_id == M.c.id, leg.c.seq == M.c.current_leg)))
                 .where(M.c.status == MS.IN_TRANSIT, started < ctx.end - limit))
        for row in ctx.stream(query):
            picked = aware(row.picked)
            yield Candidate("TRANSIT_OVERDUE", _leg_key(row.id, row.leg), {
                "picked_up_at": picked, "deadline": picked + limit, "status": MS.IN_TRANSIT,
                "hours_in_transit_at_day_end": round((ctx.end - picked).total_seconds() / 3600, 1),
                "threshold_hours": hours, **_leg_evidence(row.leg)}, manifest_id=row.id, responsible="transporter",
                organization_id=row.transporter_id)
    d, p, b = E.alias("d"), E.alias("p"), E.alias("b")
    boarded = (select(func.max(b.c.seq)).where(b.c.manifest_id == d.c.manifest_id, b.c.type.in_(_BOARDING),
                                               b.c.seq < d.c.seq).scalar_subquery())
    query = (select(d.c.manifest_id, d.c.type, d.c.occurred_at.label("delivered_at"),
                    p.c.occurred_at.label("picked_up_at"), M.c.current_leg)
             .select_from(d.join(p, and_(p.c.manifest_id == d.c.manifest_id, p.c.seq == boarded))
                          .join(M, M.c.id == d.c.manifest_id))
             .where(d.c.type.in_(_ALIGHTING), ctx.scope(d),
                    epoch(d.c.occurred_at) - epoch(p.c.occurred_at) > hours * 3600))
    rows = list(ctx.stream(query))
    legs = _legs_ended(ctx, [row for row in rows if row.current_leg is not None])
    for row in rows:
        leg = legs.get((row.manifest_id, row.delivered_at))
        ended = "handed_over_at" if row.type == "transfer" else "delivered_at"
        yield Candidate("TRANSIT_OVERDUE", _leg_key(row.manifest_id, leg and leg[0]), {
            "picked_up_at": row.picked_up_at, ended: row.delivered_at,
            "hours_in_transit": round((row.delivered_at - row.picked_up_at).total_seconds() / 3600, 1),
            "threshold_hours": hours, **_leg_evidence(leg and leg[0])}, manifest_id=row.manifest_id,
            responsible="transporter", organization_id=leg and leg[1])


_BOARDING, _ALIGHTING = ("pickup", "transfer"), ("transfer", "deliver")  # what puts a load on a vehicle, takes it off


def _leg_key(manifest_id: int, leg: int | None) -> str:
    return f"m:{manifest_id}" if leg is None else f"m:{manifest_id}:leg:{leg}"


def _leg_evidence(leg: int | None) -> dict:
    return {} if leg is None else {"leg": leg}


def _legs_ended(ctx: Context, rows) -> dict:
    """(manifest id, end time) → (leg number, its carrier) of the legs of multi-carrier manifests these rows end."""
    if not rows:
        return {}
    query = select(ML.c.manifest_id, ML.c.ended_at, ML.c.seq, ML.c.transporter_id).where(
        ML.c.manifest_id.in_({row.manifest_id for row in rows}), ML.c.ended_at.is_not(None))
    return {(r.manifest_id, aware(r.ended_at)): (r.seq, r.transporter_id) for r in ctx.session.execute(query)}


def check_receipt_overdue(ctx: Context) -> Iterator[Candidate]:
    """Delivered and not confirmed by the receiver within N working days (《危险废物转移管理办法》: 5)."""
    days = ctx.thresholds.receipt_overdue_working_days
    if ctx.nightly:
        cutoff = catalog.receipt_cutoff(ctx.day, days)
        query = select(M.c.id, M.c.status_changed_at).where(M.c.status == MS.DELIVERED,
                                                             M.c.status_changed_at < day_window(cutoff).end)
        for row in ctx.stream(query):
            yield Candidate("RECEIPT_OVERDUE", f"m:{row.id}", {
                "delivered_at": row.status_changed_at, "deadline": receipt_deadline(row.status_changed_at, days),
                "status": MS.DELIVERED, "threshold_working_days": days}, manifest_id=row.id, responsible="receiver")
    r, d = E.alias("r"), E.alias("d")
    query = (select(r.c.manifest_id, r.c.occurred_at.label("received_at"), d.c.occurred_at.label("delivered_at"))
             .join(d, and_(d.c.manifest_id == r.c.manifest_id, d.c.type == "deliver"))
             .where(r.c.type == "receive", ctx.scope(r),
                    epoch(r.c.occurred_at) - epoch(d.c.occurred_at) > (days - 1) * 86400))
    for row in ctx.stream(query):
        if deadline_passed(local_date(row.delivered_at), days, local_date(row.received_at)):
            deadline = receipt_deadline(row.delivered_at, days)
            yield Candidate("RECEIPT_OVERDUE", f"m:{row.manifest_id}", {
                "delivered_at": row.delivered_at, "received_at": row.received_at, "deadline": deadline,
                "threshold_working_days": days}, manifest_id=row.manifest_id, responsible="receiver")


def check_weight_mismatch(ctx: Context) -> Iterator[Candidate]:
    """Weighed at receipt differs from the pickup weight by more than WEIGHT_TOLERANCE."""
    tol = ctx.thresholds.weight_tolerance
    ppm = int(tol * 1_000_000)
    r = E.alias("r")
    pickup, received = g(M.c.pickup_kg), g(M.c.received_kg)
    query = (select(M.c.id, pickup.label("pickup_g"), received.label("received_g"))
             .select_from(r.join(M, M.c.id == r.c.manifest_id))
             .where(r.c.type == "receive", ctx.scope(r), M.c.pickup_kg.is_not(None), M.c.received_kg.is_not(None),
                    func.abs(received - pickup) * 1_000_000 > pickup * ppm))
    for row in ctx.stream(query):
        diff = row.received_g - row.pickup_g
        yield Candidate("WEIGHT_MISMATCH", f"m:{row.id}", {
            "pickup_kg": kg(row.pickup_g), "received_kg": kg(row.received_g), "difference_kg": kg(diff),
            "difference_pct": round(100 * diff / row.pickup_g, 2), "tolerance_pct": float(tol * 100)},
            manifest_id=row.id, responsible="transporter",
            severity=catalog.weight_severity(row.pickup_g, row.received_g, tol))


def check_refused(ctx: Context) -> Iterator[Candidate]:
    """A receipt that refused waste, or a line weighed in beyond WEIGHT_TOLERANCE of its quantity (a receipt line
    by line): the producer, the carrier and both counties' bureaus are told (《危险废物转移管理办法》第十八条)."""
    ppm = int(ctx.thresholds.weight_tolerance * 1_000_000)
    r = E.alias("r")
    weighed = g(L.c.accepted_kg) + func.coalesce(g(L.c.rejected_kg), 0)
    line_off = and_(L.c.accepted_kg.is_not(None), func.abs(weighed - g(L.c.quantity_kg)) * 1_000_000
                    > g(L.c.quantity_kg) * ppm)
    off = exists().where(L.c.manifest_id == M.c.id, line_off)
    query = (select(M.c.id, g(M.c.accepted_kg).label("accepted_g"), g(M.c.rejected_kg).label("rejected_g"),
                    r.c.occurred_at, r.c.reason)
             .select_from(r.join(M, M.c.id == r.c.manifest_id))
             .where(r.c.type == "receive", ctx.scope(r), or_(g(M.c.rejected_kg) > 0, off)))
    rows = list(ctx.stream(query))
    lines = _receipt_lines(ctx, [row.id for row in rows], line_off, ppm)
    for row in rows:
        yield Candidate("REFUSED", f"m:{row.id}", {
            "received_at": row.occurred_at, "accepted_kg": kg(row.accepted_g), "rejected_kg": kg(row.rejected_g),
            "reason": row.reason, "lines": lines.get(row.id, [])}, manifest_id=row.id, responsible="issuer",
            severity="high" if row.rejected_g else "medium")
    if ctx.nightly:
        yield from _refused_not_moved_on(ctx)


def _refused_not_moved_on(ctx: Context) -> Iterator[Candidate]:
    """Refused waste still in the carrier's custody REFUSED_ONWARD_DAYS after the refusal: no return or redirect
    manifest has taken it on (the carrier answers for it)."""
    days = ctx.thresholds.refused_onward_days
    query = (select(B.c.refused_from_id, func.min(B.c.generated_at).label("refused_at"),
                    func.sum(g(B.c.remaining_kg)).label("open_g"))
             .where(B.c.refused_from_id.is_not(None), g(B.c.remaining_kg) > 0,
                    B.c.generated_at < ctx.end - timedelta(days=days))
             .group_by(B.c.refused_from_id))
    for row in ctx.stream(query):
        yield Candidate("REFUSED", f"m:{row.refused_from_id}:not_moved_on", {
            "kind": "not_moved_on", "refused_at": aware(row.refused_at), "in_custody_kg": kg(row.open_g),
            "threshold_days": days}, manifest_id=row.refused_from_id, responsible="transporter")


def _receipt_lines(ctx: Context, manifest_ids: list[int], line_off, ppm: int) -> dict[int, list[dict]]:
    """The lines refused or weighed off, per manifest, as the evidence names them."""
    if not manifest_ids:
        return {}
    found: dict[int, list[dict]] = {}
    query = (select(L.c.manifest_id, L.c.waste_code, g(L.c.quantity_kg).label("quantity_g"),
                    g(L.c.accepted_kg).label("accepted_g"), g(L.c.rejected_kg).label("rejected_g"),
                    L.c.refusal_reason)
             .where(L.c.manifest_id.in_(manifest_ids), or_(g(L.c.rejected_kg) > 0, line_off)).order_by(L.c.id))
    for row in ctx.session.execute(query):
        found.setdefault(row.manifest_id, []).append({
            "waste_code": row.waste_code, "quantity_kg": kg(row.quantity_g), "accepted_kg": kg(row.accepted_g),
            "rejected_kg": kg(row.rejected_g or 0), "reason": row.refusal_reason})
    return found


def _storage_limits(ctx: Context) -> dict[str, timedelta]:
    t = ctx.thresholds
    return {"medical": timedelta(hours=t.storage_limit_hours_medical),
            "hazardous": timedelta(days=t.storage_limit_days_hazardous)}


def _storage_candidate(ctx, row, limit: timedelta, **extra) -> Candidate:
    return Candidate("STORAGE_OVERDUE", f"batch:{row.batch_id}", {
        "unit_code": row.unit_code, "waste_code": row.waste_code, "stream": row.stream,
        "generated_at": row.generated_at, "deadline": row.generated_at + limit,
        "limit_hours" if row.stream == "medical" else "limit_days":
            int(limit.total_seconds() // 3600) if row.stream == "medical" else limit.days, **extra},
        subject_type="batch", subject_id=row.batch_id, subject_label=row.unit_code,
        organization_id=row.organization_id, region_code=row.region_code,
        severity="high" if row.stream == "medical" else "medium")


def check_storage_overdue(ctx: Context) -> Iterator[Candidate]:
    """Hazardous waste kept beyond a year, medical waste beyond 48 hours (still stored, or picked up late)."""
    limits = _storage_limits(ctx)
    S = Site.__table__
    cols = (B.c.id.label("batch_id"), B.c.unit_code, B.c.waste_code, W.c.stream, B.c.generated_at,
            B.c.organization_id, S.c.region_code)
    base = B.join(W, W.c.code == B.c.waste_code).join(S, S.c.id == B.c.site_id)
    too_old = or_(*(and_(W.c.stream == stream, B.c.generated_at < ctx.end - limit) for stream, limit in limits.items()))
    if ctx.nightly:
        # Still in the store: not reserved at all, or reserved by a manifest nobody has picked up yet.
        stored = select(*cols).select_from(base).where(B.c.status.in_((BatchStatus.STORED, BatchStatus.PARTIALLY_SHIPPED)),
                                                        g(B.c.remaining_kg) > 0, too_old)
        waiting = (select(*cols).select_from(base.join(L, L.c.batch_id == B.c.id).join(M, M.c.id == L.c.manifest_id))
                   .where(M.c.status == MS.ISSUED, too_old))
        for row in ctx.stream(union(stored, waiting)):
            yield _storage_candidate(ctx, row, limits[row.stream], status="in storage at day end")
    p = E.alias("p")
    query = (select(*cols, p.c.occurred_at.label("picked_up_at"))
             .select_from(p.join(L, L.c.manifest_id == p.c.manifest_id).join(base, B.c.id == L.c.batch_id))
             .where(p.c.type == "pickup", ctx.scope(p), W.c.stream.in_(tuple(limits)),
                    or_(*(and_(W.c.stream == stream,
                               epoch(p.c.occurred_at) - epoch(B.c.generated_at) > limit.total_seconds())
                          for stream, limit in limits.items()))))
    for row in ctx.stream(query):
        yield _storage_candidate(ctx, row, limits[row.stream], picked_up_at=row.picked_up_at)


def check_loop_not_closed(ctx: Context) -> Iterator[Candidate]:
    """Accepted quantity not wholly utilized or disposed within LOOP_CLOSE_DAYS of receipt."""
    days = ctx.thresholds.loop_close_days
    limit = timedelta(days=days)
    if ctx.nightly:
        query = select(M.c.id, M.c.status_changed_at, g(M.c.accepted_kg).label("accepted_g"),
                       g(M.c.disposed_kg).label("disposed_g")).where(
            M.c.status == MS.RECEIVED, M.c.status_changed_at < ctx.end - limit)
        for row in ctx.stream(query):
            yield Candidate("LOOP_NOT_CLOSED", f"m:{row.id}", {
                "received_at": row.status_changed_at, "deadline": row.status_changed_at + limit,
                "accepted_kg": kg(row.accepted_g or 0), "disposed_kg": kg(row.disposed_g or 0),
                "open_kg": kg((row.accepted_g or 0) - (row.disposed_g or 0)), "threshold_days": days},
                manifest_id=row.id, responsible="receiver")
    x, r = E.alias("x"), E.alias("r")
    query = (select(x.c.manifest_id, x.c.occurred_at.label("closed_at"), r.c.occurred_at.label("received_at"))
             .join(r, and_(r.c.manifest_id == x.c.manifest_id, r.c.type == "receive"))
             .where(x.c.type == "dispose", x.c.status_after == MS.CLOSED, ctx.scope(x),
                    epoch(x.c.occurred_at) - epoch(r.c.occurred_at) > limit.total_seconds()))
    for row in ctx.stream(query):
        yield Candidate("LOOP_NOT_CLOSED", f"m:{row.manifest_id}", {
            "received_at": row.received_at, "closed_at": row.closed_at, "deadline": row.received_at + limit,
            "threshold_days": days}, manifest_id=row.manifest_id, responsible="receiver")


def check_jurisdiction_breach(ctx: Context) -> Iterator[Candidate]:
    """Delivered outside the allowed region (危险废物不出市、一般固体废物不出县) with no approval valid that day."""
    d = E.alias("d")
    A = Approval.__table__
    hazardous = W.c.stream.in_(HAZARDOUS_STREAMS)
    crosses = or_(and_(hazardous, func.substr(M.c.origin_region_code, 1, 4)
                       != func.substr(M.c.destination_region_code, 1, 4)),
                  and_(~hazardous, M.c.origin_region_code != M.c.destination_region_code))
    query = (select(M.c.id, M.c.origin_region_code, M.c.destination_region_code, M.c.receiver_site_id,
                    d.c.occurred_at, L.c.waste_code, W.c.category, W.c.stream, A.c.id.label("approval_id"),
                    A.c.valid_from, A.c.valid_to, A.c.waste_codes, A.c.destination_site_id)
             .select_from(d.join(M, M.c.id == d.c.manifest_id).join(L, L.c.manifest_id == M.c.id)
                          .join(W, W.c.code == L.c.waste_code).outerjoin(A, A.c.id == M.c.approval_id))
             .where(d.c.type == "deliver", ctx.scope(d), crosses))
    seen = set()
    for row in ctx.stream(query):
        on = local_date(row.occurred_at)
        approved = (row.approval_id is not None and row.valid_from <= on <= row.valid_to
                    and row.destination_site_id == row.receiver_site_id
                    and (row.waste_code in row.waste_codes or row.category in row.waste_codes))
        violation = rules.jurisdiction_violation(stream=Stream(row.stream), waste_code=row.waste_code,
                                                 origin_region=row.origin_region_code,
                                                 destination_region=row.destination_region_code, approved=approved)
        if violation is None or row.id in seen:
            continue
        seen.add(row.id)
        yield Candidate("JURISDICTION_BREACH", f"m:{row.id}", {
            **violation.details, "delivered_at": row.occurred_at, "approval_id": row.approval_id,
            "message": violation.message}, manifest_id=row.id, responsible="issuer")
    yield from _left_the_region_on_the_road(ctx, seen)


def _left_the_region_on_the_road(ctx: Context, seen: set[int]) -> Iterator[Candidate]:
    """Registered inside the allowed region, but the delivery was scanned, or track points lie, outside it (the
    city for hazardous waste, the county for general waste). Where a point lies is approximated from the sites'
    extent per county (domain.track); a manifest approved across regions is not judged on its route."""
    d = E.alias("d")
    hazardous = exists().where(L.c.manifest_id == M.c.id, W.c.code == L.c.waste_code,
                               W.c.stream.in_(HAZARDOUS_STREAMS))
    located = or_(and_(d.c.lat.is_not(None), d.c.lon.is_not(None)),
                  exists().where(routes.T.c.manifest_id == d.c.manifest_id))
    query = (select(M.c.id, M.c.origin_region_code, M.c.destination_region_code, d.c.occurred_at, d.c.lat, d.c.lon,
                    hazardous.label("hazardous"))
             .select_from(d.join(M, M.c.id == d.c.manifest_id))
             .where(d.c.type == "deliver", ctx.scope(d), located))
    rows = []
    for row in ctx.stream(query):
        allowed = city_of(row.origin_region_code) if row.hazardous else row.origin_region_code
        if row.id not in seen and within(row.destination_region_code, allowed):
            rows.append((row, allowed))
    if not rows:
        return
    boxes = routes.region_boxes(ctx.session)
    tracks = routes.track_points(ctx.session, [row.id for row, _ in rows])
    for row, allowed in rows:
        delivery = [Point(row.lat, row.lon, aware(row.occurred_at))] if row.lat is not None and row.lon is not None \
            else []
        outside = points_outside(tracks.get(row.id, []) + delivery, allowed, boxes)
        if not outside:
            continue
        first = outside[0]
        yield Candidate("JURISDICTION_BREACH", f"m:{row.id}", {
            "rule": JURISDICTION_RULES[bool(row.hazardous)], "origin_region": row.origin_region_code,
            "destination_region": row.destination_region_code, "allowed_region": allowed,
            "points_outside": len(outside), "delivery_scan_outside": bool(delivery) and outside[-1] == delivery[0],
            "outside_at": first.at, "outside_lat": first.lat, "outside_lon": first.lon,
            "delivered_at": row.occurred_at}, manifest_id=row.id, responsible="transporter")


def check_location_mismatch(ctx: Context) -> Iterator[Candidate]:
    """A pickup (delivery) scanned farther than LOCATION_TOLERANCE_M from the origin (receiver) site."""
    tol = ctx.thresholds.location_tolerance_m
    S = Site.__table__.alias("s")
    e = E.alias("e")
    site_for = {"pickup": M.c.origin_site_id, "deliver": M.c.receiver_site_id}
    for step, site_column in site_for.items():
        distance = haversine_m(e.c.lat, e.c.lon, S.c.lat, S.c.lon)
        query = (select(M.c.id, e.c.id.label("event_id"), e.c.lat, e.c.lon, e.c.occurred_at, S.c.name, S.c.lat.label("site_lat"),
                        S.c.lon.label("site_lon"), distance.label("distance"))
                 .select_from(e.join(M, M.c.id == e.c.manifest_id).join(S, S.c.id == site_column))
                 .where(e.c.type == step, ctx.scope(e), e.c.lat.is_not(None), e.c.lon.is_not(None),
                        S.c.lat.is_not(None), S.c.lon.is_not(None), distance > tol))
        for row in ctx.stream(query):
            yield Candidate("LOCATION_MISMATCH", f"m:{row.id}:{step}", {
                "step": step, "scanned_at": row.occurred_at, "scan_lat": row.lat, "scan_lon": row.lon,
                "site": row.name, "site_lat": row.site_lat, "site_lon": row.site_lon,
                "distance_m": round(row.distance), "tolerance_m": tol, "event_id": row.event_id},
                manifest_id=row.id, responsible="transporter")


def check_handover_unconfirmed(ctx: Context) -> Iterator[Candidate]:
    """A pickup recorded without the producer's one-time code, on an exception the driver stated.

    《危险废物转移管理办法》 requires a handover record confirmed by both sides; an API pickup that skips the
    producer's code is allowed only with a reason, and the regulator sees each one.
    """
    e = E.alias("e")
    reason = e.c.data["handover_exception_reason"].as_string()
    query = (select(e.c.manifest_id, e.c.id.label("event_id"), e.c.occurred_at, e.c.actor_id, reason.label("reason"))
             .where(e.c.type == "pickup", ctx.scope(e), reason.is_not(None)))
    for row in ctx.stream(query):
        yield Candidate("HANDOVER_UNCONFIRMED", f"m:{row.manifest_id}:pickup", {
            "picked_up_at": row.occurred_at, "event_id": row.event_id, "driver_user_id": row.actor_id,
            "reason": row.reason}, manifest_id=row.manifest_id, responsible="transporter")


def check_permit_invalid(ctx: Context) -> Iterator[Candidate]:
    """The receiver's (transporter's) permit was not valid or did not cover the waste when it received (carried)."""
    session = ctx.session
    r = E.alias("r")
    groups = session.execute(
        select(M.c.receiver_id, L.c.waste_code, W.c.category, W.c.stream, func.min(r.c.occurred_at),
               func.max(r.c.occurred_at))
        .select_from(r.join(M, M.c.id == r.c.manifest_id).join(L, L.c.manifest_id == M.c.id)
                     .join(W, W.c.code == L.c.waste_code))
        .where(r.c.type == "receive", ctx.scope(r), W.c.stream.in_(HAZARDOUS_STREAMS), g(M.c.accepted_kg) > 0,
               M.c.receiver_id != M.c.issuer_id)  # a return trip: the issuer takes its own waste back, no permit
        .group_by(M.c.receiver_id, L.c.waste_code, W.c.category, W.c.stream)).all()
    permits = permits_of(session, {row[0] for row in groups})
    for receiver_id, waste_code, category, stream, first, last in groups:
        facts = permits.get(receiver_id, [])

        def problem(on):
            return rules.receiver_permit_violation(stream=Stream(stream), waste_code=waste_code, category=category,
                                                   quantity_kg=Decimal(0), on=on, permits=facts, receiver_name="")
        first_on, last_on = local_date(aware(first)), local_date(aware(last))
        if problem(first_on) is None and problem(last_on) is None and same_permit_spans(facts, first_on, last_on):
            continue
        rows = session.execute(
            select(M.c.id, r.c.occurred_at).select_from(r.join(M, M.c.id == r.c.manifest_id)
                                                        .join(L, L.c.manifest_id == M.c.id))
            .where(r.c.type == "receive", ctx.scope(r), M.c.receiver_id == receiver_id, L.c.waste_code == waste_code,
                   g(M.c.accepted_kg) > 0)).all()
        for manifest_id, occurred_at in rows:
            violation = problem(local_date(occurred_at))
            if violation:
                yield Candidate("PERMIT_INVALID", f"m:{manifest_id}:receive", {
                    "step": "receive", "party": "receiver", "waste_code": waste_code, "category": category,
                    "date": local_date(occurred_at), "permits": [p.number for p in facts],
                    "message": violation.message}, manifest_id=manifest_id, responsible="receiver")
    p = E.alias("p")
    hazardous_manifest = exists().where(L.c.manifest_id == M.c.id, W.c.code == L.c.waste_code,
                                        W.c.stream.in_(HAZARDOUS_STREAMS))
    groups = session.execute(
        select(M.c.transporter_id, func.min(p.c.occurred_at), func.max(p.c.occurred_at))
        .select_from(p.join(M, M.c.id == p.c.manifest_id))
        .where(p.c.type == "pickup", ctx.scope(p), hazardous_manifest).group_by(M.c.transporter_id)).all()
    permits = permits_of(session, {row[0] for row in groups})
    for transporter_id, first, last in groups:
        facts = permits.get(transporter_id, [])

        def problem(on):
            return rules.transport_permit_violation(hazardous=True, on=on, permits=facts, transporter_name="")
        first_on, last_on = local_date(aware(first)), local_date(aware(last))
        if problem(first_on) is None and problem(last_on) is None and same_permit_spans(facts, first_on, last_on):
            continue
        rows = session.execute(select(M.c.id, p.c.occurred_at).select_from(p.join(M, M.c.id == p.c.manifest_id))
                               .where(p.c.type == "pickup", ctx.scope(p), M.c.transporter_id == transporter_id,
                                      hazardous_manifest)).all()
        for manifest_id, occurred_at in rows:
            violation = problem(local_date(occurred_at))
            exempt = violation and _transport_exempt(session, manifest_id, local_date(occurred_at))
            if violation and not exempt["all"]:
                evidence = {"step": "pickup", "party": "transporter", "date": local_date(occurred_at),
                            "permits": [f.number for f in facts], "message": violation.message}
                if exempt["codes"]:  # some of the load was exempt at transport, not all of it
                    evidence["exempt_codes"] = exempt["codes"]
                yield Candidate("PERMIT_INVALID", f"m:{manifest_id}:pickup", evidence, manifest_id=manifest_id,
                                responsible="transporter")


def _transport_exempt(session, manifest_id: int, on) -> dict:
    """The manifest's hazardous codes the exemption list in force exempts at transport; all exempt: no permit needed."""
    wastes = session.execute(select(L.c.waste_code, W.c.category).join(W, W.c.code == L.c.waste_code).where(
        L.c.manifest_id == manifest_id, W.c.stream.in_(HAZARDOUS_STREAMS)).distinct()).all()
    exempt = exemptions(session, wastes=[tuple(w) for w in wastes], link="transport", on=on)
    return {"all": bool(wastes) and len(exempt) == len(wastes), "codes": sorted(exempt)}
