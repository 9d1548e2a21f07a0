"""Checks on enterprises and vehicles: capacity, mass balance, declarations, payments, distance and load."""
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterator

from sqlalchemy import and_, case, delete, exists, func, null, or_, select, type_coerce, union, union_all
from sqlalchemy.dialects import postgresql, sqlite

from wastechain.domain import anomalies as catalog
from wastechain.domain.anomalies import Thresholds, day_window, kg
from wastechain.domain.quantities import GRAMS_PER_KG
from wastechain.domain.states import ManifestStatus as MS
from wastechain.domain.track import Point, track_length_m
from wastechain.models import (DaySeal, Declaration, Organization, Payment, ReceiverIntake, ReceiverIntakeTotal, Site,
                               Vehicle)
from wastechain.services.anomalies.declarations import period_stock
from wastechain.services.reconciliation import routes
from wastechain.services.reconciliation.context import Candidate, Context, Progress
from wastechain.services.reconciliation.sql import (HAZARDOUS_STREAMS, B, E, L, M, ML, W, aware, g, haversine_m,
                                                    permits_of)


def record_intake(ctx: Context) -> None:
    """Writes the day's accepted quantity per receiver (by the day the receipt reached the server), and moves the
    receivers' running totals of the year by what changed since the day was last written."""
    session = ctx.session
    T = ReceiverIntake.__table__
    before = dict(session.execute(select(T.c.receiver_id, g(T.c.accepted_kg)).where(T.c.day == ctx.day)).all())
    session.execute(delete(T).where(T.c.day == ctx.day))
    r = E.alias("r")
    rows = session.execute(
        select(M.c.receiver_id, func.sum(g(M.c.accepted_kg)))
        .select_from(r.join(M, M.c.id == r.c.manifest_id))
        .where(r.c.type == "receive", r.c.recorded_at >= ctx.start, r.c.recorded_at < ctx.end,
               g(M.c.accepted_kg) > 0)
        .group_by(M.c.receiver_id)).all()
    if rows:
        session.execute(T.insert(),
                        [{"day": ctx.day, "receiver_id": rid, "accepted_kg": kg(grams)} for rid, grams in rows])
    after = dict(rows)
    changes = {rid: after.get(rid, 0) - before.get(rid, 0) for rid in set(before) | set(after)}
    _add_to_year(session, ctx.day.year, {rid: grams for rid, grams in changes.items() if grams})


def _add_to_year(session, year: int, grams_by_receiver: dict[int, int]) -> None:
    """Adds to (or, negative, takes from) the receivers' accepted totals of the year."""
    if not grams_by_receiver:
        return
    Y = ReceiverIntakeTotal.__table__
    dialect = session.get_bind().dialect.name
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Y)
    upsert = upsert.on_conflict_do_update(index_elements=[Y.c.receiver_id, Y.c.year],
                                          set_={"accepted_kg": Y.c.accepted_kg + upsert.excluded.accepted_kg})
    session.execute(upsert, [{"receiver_id": rid, "year": year, "accepted_kg": kg(grams)}
                             for rid, grams in sorted(grams_by_receiver.items())])


def backfill_intake(session, *, day: date, thresholds: Thresholds, progress: Progress | None = None) -> int:
    """Intake of the year's earlier days that no run has covered yet (a fresh install with history)."""
    year_start = date(day.year, 1, 1)
    covered = set(session.scalars(select(DaySeal.day).where(DaySeal.day >= year_start, DaySeal.day < day)))
    missing = [year_start + timedelta(days=i) for i in range((day - year_start).days)
               if year_start + timedelta(days=i) not in covered]
    for i, missing_day in enumerate(missing, start=1):
        window = day_window(missing_day)
        record_intake(Context(session, missing_day, window.start, window.end, thresholds))
        session.add(DaySeal(day=missing_day, run_count=0, anomalies_found=0, summary={"backfilled": "intake"}))
        if progress and (i % 30 == 0 or i == len(missing)):
            progress("intake backfill", i, len(missing))
    return len(missing)


def check_capacity_exceeded(ctx: Context) -> Iterator[Candidate]:
    """A receiver's accepted quantity this year passes the annual capacity of its operating permit."""
    session = ctx.session
    T, Y = ReceiverIntake.__table__, ReceiverIntakeTotal.__table__
    active = select(T.c.receiver_id).where(T.c.day == ctx.day)
    # The year's running total (kept by record_intake), less the days after this one: none when the night runs
    # for yesterday, a few when an earlier day is run again.
    later = dict(session.execute(select(T.c.receiver_id, func.sum(g(T.c.accepted_kg)))
                                 .where(T.c.day > ctx.day, T.c.day <= date(ctx.day.year, 12, 31),
                                        T.c.receiver_id.in_(active))
                                 .group_by(T.c.receiver_id)).all())
    totals = [(receiver_id, grams - later.get(receiver_id, 0)) for receiver_id, grams in session.execute(
        select(Y.c.receiver_id, g(Y.c.accepted_kg)).where(Y.c.year == ctx.day.year, Y.c.receiver_id.in_(active)))]
    permits = permits_of(session, {row[0] for row in totals})
    for receiver_id, grams in totals:
        valid = [p for p in permits.get(receiver_id, []) if p.kind == "hw_operation" and p.valid_on(ctx.day)
                 and p.annual_capacity_kg is not None]
        if not valid:
            continue
        best = max(valid, key=lambda p: p.annual_capacity_kg)
        if kg(grams) > best.annual_capacity_kg:
            yield Candidate("CAPACITY_EXCEEDED", f"org:{receiver_id}:{ctx.day.year}", {
                "year": ctx.day.year, "accepted_this_year_kg": kg(grams), "permit": best.number,
                "annual_capacity_kg": best.annual_capacity_kg,
                "excess_kg": kg(grams) - best.annual_capacity_kg, "as_of": ctx.day},
                subject_type="organization", subject_id=receiver_id, organization_id=receiver_id)


def check_mass_balance(ctx: Context) -> Iterator[Candidate]:
    """A batch's ledger (remaining) disagrees with produced − shipped on live manifests, or is negative."""
    S = Site.__table__
    e = E.alias("e")
    touched_by_manifest = (select(L.c.batch_id).select_from(e.join(L, L.c.manifest_id == e.c.manifest_id))
                           .where(e.c.type.in_(("issue", "cancel")), ctx.scope(e)))
    if ctx.nightly:  # a UNION of ids, not an OR: an OR would make PostgreSQL read every batch ever stored
        b2 = B.alias("b2")
        touched = B.c.id.in_(union(select(b2.c.id).where(b2.c.generated_at >= ctx.start, b2.c.generated_at < ctx.end),
                                   touched_by_manifest))
    else:
        touched = B.c.id.in_(touched_by_manifest)
    lm = M.alias("lm")
    ll = L.alias("ll")
    shipped = (select(func.coalesce(func.sum(g(ll.c.quantity_kg)), 0))
               .select_from(ll.join(lm, lm.c.id == ll.c.manifest_id))
               .where(ll.c.batch_id == B.c.id, lm.c.status != MS.CANCELLED).scalar_subquery())
    query = (select(B.c.id, B.c.unit_code, B.c.waste_code, B.c.organization_id, S.c.region_code, S.c.name,
                    g(B.c.quantity_kg).label("quantity_g"), g(B.c.remaining_kg).label("remaining_g"),
                    shipped.label("shipped_g"))
             .select_from(B.join(S, S.c.id == B.c.site_id))
             .where(touched, or_(g(B.c.remaining_kg) < 0, g(B.c.remaining_kg) != g(B.c.quantity_kg) - shipped)))
    for row in ctx.stream(query):
        expected = row.quantity_g - row.shipped_g
        yield Candidate("MASS_BALANCE", f"batch:{row.id}", {
            "unit_code": row.unit_code, "waste_code": row.waste_code, "site": row.name,
            "produced_kg": kg(row.quantity_g), "shipped_kg": kg(row.shipped_g),
            "expected_remaining_kg": kg(expected), "ledger_remaining_kg": kg(row.remaining_g),
            "difference_kg": kg(row.remaining_g - expected)},
            subject_type="batch", subject_id=row.id, subject_label=row.unit_code,
            organization_id=row.organization_id, region_code=row.region_code)


def check_declared_storage(ctx: Context) -> Iterator[Candidate]:
    """MASS_BALANCE of a declaration filed this day: the storage it declares against the sites' stock by the ledger
    at the end of its period (beyond the weight tolerance; a declaration without a stored figure is not compared)."""
    if not ctx.nightly:
        return
    D, O = Declaration.__table__, Organization.__table__
    query = (select(D.c.id, D.c.organization_id, D.c.period_kind, D.c.period, g(D.c.stored_kg).label("declared_g"),
                    O.c.region_code)
             .select_from(D.join(O, O.c.id == D.c.organization_id))
             .where(D.c.submitted_at >= ctx.start, D.c.submitted_at < ctx.end, D.c.stored_kg.is_not(None)))
    for row in ctx.session.execute(query).all():  # a handful a day: each is compared with its ledger
        stock = period_stock(ctx.session, row.organization_id, row.period_kind, row.period, ctx.thresholds)
        ledger_g = int(sum(stock.values(), Decimal(0)) * GRAMS_PER_KG)
        if ledger_g != row.declared_g and (not ledger_g or catalog.exceeds_tolerance(
                ledger_g, row.declared_g, ctx.thresholds.weight_tolerance)):
            yield Candidate("MASS_BALANCE", f"declaration:{row.id}", {
                "kind": "declared_storage", "period_kind": row.period_kind, "period": row.period,
                "declared_stored_kg": kg(row.declared_g), "ledger_stored_kg": kg(ledger_g),
                "difference_kg": kg(row.declared_g - ledger_g)},
                subject_type="organization", subject_id=row.organization_id, organization_id=row.organization_id,
                region_code=row.region_code)


def check_declaration_missing(ctx: Context) -> Iterator[Candidate]:
    """On a due date: producers that had to declare (annual ≥ threshold; monthly bulk industrial) and did not."""
    if not ctx.nightly:
        return
    t = ctx.thresholds
    D = Declaration.__table__
    O = Organization.__table__
    deadline = ctx.end
    month = catalog.monthly_period_due_on(ctx.day, t.declaration_monthly_due_day)
    if month:
        first = date(int(month[:4]), int(month[5:]), 1)
        start = day_window(first).start
        end = day_window((first + timedelta(days=32)).replace(day=1)).start
        declared = exists().where(D.c.organization_id == B.c.organization_id, D.c.period_kind == "monthly",
                                  D.c.period == month, D.c.submitted_at < deadline)
        query = (select(B.c.organization_id, O.c.region_code, func.sum(g(B.c.quantity_kg)))
                 .select_from(B.join(W, W.c.code == B.c.waste_code).join(O, O.c.id == B.c.organization_id))
                 .where(W.c.category.in_(t.bulk_industrial_categories), B.c.generated_at >= start,
                        B.c.generated_at < end, ~declared)
                 .group_by(B.c.organization_id, O.c.region_code))
        for org_id, region, grams in ctx.stream(query):
            yield Candidate("DECLARATION_MISSING", f"org:{org_id}:monthly:{month}", {
                "kind": "monthly", "period": month, "due": ctx.day, "generated_kg": kg(grams),
                "categories": list(t.bulk_industrial_categories)},
                subject_type="organization", subject_id=org_id, organization_id=org_id, region_code=region)
    year = ctx.day.year - 1
    if catalog.annual_due_date(year, t.declaration_annual_due) == ctx.day:
        start, end = day_window(date(year, 1, 1)).start, day_window(date(year + 1, 1, 1)).start
        declared = exists().where(D.c.organization_id == B.c.organization_id, D.c.period_kind == "annual",
                                  D.c.period == str(year), D.c.submitted_at < deadline)
        threshold_g = int(t.declaration_annual_threshold_kg * 1000)
        query = (select(B.c.organization_id, O.c.region_code, func.sum(g(B.c.quantity_kg)))
                 .select_from(B.join(W, W.c.code == B.c.waste_code).join(O, O.c.id == B.c.organization_id))
                 .where(W.c.stream.in_(HAZARDOUS_STREAMS), B.c.generated_at >= start, B.c.generated_at < end,
                        ~declared)
                 .group_by(B.c.organization_id, O.c.region_code)
                 .having(func.sum(g(B.c.quantity_kg)) >= threshold_g))
        for org_id, region, grams in ctx.stream(query):
            yield Candidate("DECLARATION_MISSING", f"org:{org_id}:annual:{year}", {
                "kind": "annual", "period": str(year), "due": ctx.day, "hazardous_generated_kg": kg(grams),
                "threshold_kg": t.declaration_annual_threshold_kg},
                subject_type="organization", subject_id=org_id, organization_id=org_id, region_code=region)


def check_payment_anomaly(ctx: Context) -> Iterator[Candidate]:
    """Fees paid to the transporter instead of the receiver (资金直付), or a closed manifest never paid for."""
    if not ctx.nightly:
        return
    P = Payment.__table__
    query = (select(P.c.id, P.c.manifest_id, P.c.payer_id, P.c.payee_id, P.c.amount, P.c.paid_at)
             .select_from(P.join(M, M.c.id == P.c.manifest_id))
             .where(or_(and_(P.c.paid_at >= ctx.start, P.c.paid_at < ctx.end),
                        and_(P.c.recorded_at >= ctx.start, P.c.recorded_at < ctx.end)),
                    P.c.payee_id == M.c.transporter_id, M.c.transporter_id != M.c.receiver_id))
    for row in ctx.stream(query):
        yield Candidate("PAYMENT_ANOMALY", f"payment:{row.id}", {
            "kind": "paid_to_transporter", "payment_id": row.id, "amount_yuan": row.amount, "paid_at": row.paid_at,
            "payee_id": row.payee_id, "payer_id": row.payer_id}, manifest_id=row.manifest_id, responsible="issuer")
    due = ctx.thresholds.payment_due_days
    closed_day = day_window(ctx.day - timedelta(days=due))
    paid = exists().where(P.c.manifest_id == M.c.id, P.c.paid_at < ctx.end)
    query = select(M.c.id, M.c.status_changed_at).where(
        M.c.status == MS.CLOSED, M.c.status_changed_at >= closed_day.start, M.c.status_changed_at < closed_day.end,
        g(M.c.accepted_kg) > 0, M.c.receiver_id != M.c.issuer_id, ~paid)  # no fee for a load refused whole,
    # nor for a return trip (the issuer's own waste back)
    for row in ctx.stream(query):
        yield Candidate("PAYMENT_ANOMALY", f"m:{row.id}:unpaid", {
            "kind": "no_payment", "closed_at": row.status_changed_at, "days_since_close": due},
            manifest_id=row.id, responsible="issuer")


def check_long_distance(ctx: Context) -> Iterator[Candidate]:
    """Origin and receiver farther apart than LONG_DISTANCE_KM (checked when the load is picked up)."""
    km = ctx.thresholds.long_distance_km
    O, R = Site.__table__.alias("o"), Site.__table__.alias("rs")
    p = E.alias("p")
    distance = haversine_m(O.c.lat, O.c.lon, R.c.lat, R.c.lon)
    query = (select(M.c.id, O.c.name.label("origin"), R.c.name.label("destination"), distance.label("distance"))
             .select_from(p.join(M, M.c.id == p.c.manifest_id).join(O, O.c.id == M.c.origin_site_id)
                          .join(R, R.c.id == M.c.receiver_site_id))
             .where(p.c.type == "pickup", ctx.scope(p), O.c.lat.is_not(None), R.c.lat.is_not(None),
                    distance > km * 1000))
    for row in ctx.stream(query):
        yield Candidate("LONG_DISTANCE", f"m:{row.id}", {
            "origin_site": row.origin, "destination_site": row.destination,
            "distance_km": round(row.distance / 1000, 1), "threshold_km": km}, manifest_id=row.id,
            responsible="issuer")
    yield from _long_track(ctx, km)


def _long_track(ctx: Context, km: int) -> Iterator[Candidate]:
    """At the delivery: the route driven (pickup scan, track points, delivery scan) longer than LONG_DISTANCE_KM,
    however close the sites are. A manifest with no track point is judged on its sites alone."""
    d = E.alias("d")
    tracked = exists().where(routes.T.c.manifest_id == d.c.manifest_id)
    rows = list(ctx.stream(select(d.c.manifest_id, d.c.lat, d.c.lon, d.c.occurred_at)
                           .where(d.c.type == "deliver", ctx.scope(d), tracked)))
    ids = [row.manifest_id for row in rows]
    tracks, pickups = routes.track_points(ctx.session, ids), routes.pickup_scans(ctx.session, ids)
    for row in rows:
        delivery = [Point(row.lat, row.lon)] if row.lat is not None and row.lon is not None else []
        points = tracks.get(row.manifest_id, [])
        route = ([pickups[row.manifest_id]] if row.manifest_id in pickups else []) + points + delivery
        length = track_length_m(route)
        if length > km * 1000:
            yield Candidate("LONG_DISTANCE", f"m:{row.manifest_id}", {
                "track_km": round(length / 1000, 1), "track_points": len(points), "delivered_at": row.occurred_at,
                "threshold_km": km}, manifest_id=row.manifest_id, responsible="transporter")


def check_overweight_load(ctx: Context) -> Iterator[Candidate]:
    """At a pickup, the manifests on board one vehicle (picked up, not yet delivered) weigh more than it may carry.

    One pass over the vehicles' recent pickups and their deliveries in time order: each pickup adds its weight,
    each delivery takes it off again (never before its pickup), and a running sum per vehicle (a window function)
    is the load on board at every pickup. No self-join of the pickups, so no plan of N × N whichever way the
    planner judges the day's share of the events, and no planner settings.

    联运: a hand-over is the next leg's vehicle's pickup and the current leg's vehicle's delivery; a leg's vehicle is
    the one of the leg that started at that event (leg 1 is the manifest's own).
    """
    t = ctx.thresholds
    V = Vehicle.__table__
    lookback = timedelta(hours=t.transit_overdue_hours)
    q_e, q_m, q_l = E.alias("qe"), M.alias("qm"), ML.alias("ql")
    vehicle = case((q_l.c.id.is_(None), q_m.c.vehicle_id), else_=q_l.c.vehicle_id)
    recent = (select(q_e.c.id.label("event_id"), q_e.c.manifest_id, q_e.c.seq, vehicle.label("vehicle_id"),
                     q_e.c.occurred_at, g(q_m.c.pickup_kg).label("pickup_g"), q_l.c.seq.label("leg"))
              .select_from(q_e.join(q_m, q_m.c.id == q_e.c.manifest_id)
                           .outerjoin(q_l, and_(q_l.c.manifest_id == q_e.c.manifest_id,
                                                q_l.c.started_at == q_e.c.occurred_at)))
              .where(q_e.c.type.in_(("pickup", "transfer")), q_e.c.occurred_at >= ctx.start - lookback,
                     q_e.c.occurred_at < ctx.end, vehicle.is_not(None)).cte("recent"))
    d, n = E.alias("d"), E.alias("n")
    unloaded = (select(func.min(n.c.seq)).where(n.c.manifest_id == recent.c.manifest_id,
                                                n.c.type.in_(("transfer", "deliver")), n.c.seq > recent.c.seq)
                .scalar_subquery())
    later = func.greatest if ctx.session.get_bind().dialect.name == "postgresql" else func.max
    moves = union_all(
        select(recent.c.event_id, recent.c.vehicle_id, recent.c.occurred_at.label("at"),
               recent.c.pickup_g.label("delta")),
        select(null().label("event_id"), recent.c.vehicle_id,
               type_coerce(later(d.c.occurred_at, recent.c.occurred_at), d.c.occurred_at.type).label("at"),
               (-recent.c.pickup_g).label("delta"))
        .select_from(recent.join(d, and_(d.c.manifest_id == recent.c.manifest_id, d.c.seq == unloaded)))
    ).subquery("moves")
    # RANGE frame (the default with ORDER BY): everything up to and including this moment, so pickups and
    # deliveries at the same instant count as the original rule did (qr.occurred_at <= pr.occurred_at).
    on_board = (select(moves.c.event_id, moves.c.vehicle_id, moves.c.at, moves.c.delta,
                       func.sum(moves.c.delta).over(partition_by=moves.c.vehicle_id, order_by=moves.c.at)
                       .label("load_g")).subquery("on_board"))
    p_e = E.alias("pe")
    here = select(p_e.c.id).where(p_e.c.type.in_(("pickup", "transfer")), ctx.scope(p_e))
    max_g = func.coalesce(g(V.c.max_load_kg), int(t.max_load_kg * 1000))
    query = (select(p_e.c.manifest_id, p_e.c.type, on_board.c.vehicle_id, V.c.plate,
                    on_board.c.at.label("occurred_at"), on_board.c.delta.label("pickup_g"), on_board.c.load_g,
                    max_g.label("max_g"), V.c.organization_id)
             .select_from(on_board.join(p_e, p_e.c.id == on_board.c.event_id)
                          .join(V, V.c.id == on_board.c.vehicle_id))
             .where(on_board.c.event_id.in_(here), on_board.c.load_g > max_g,
                    on_board.c.load_g - on_board.c.delta <= max_g))
    for row in ctx.session.execute(query).all():  # at most one row per pickup that tipped a vehicle over
        transfer = row.type == "transfer"
        yield Candidate("OVERWEIGHT_LOAD", f"m:{row.manifest_id}" + (f":v:{row.vehicle_id}" if transfer else ""), {
            "vehicle": row.plate, "vehicle_id": row.vehicle_id, "picked_up_at": aware(row.occurred_at),
            "load_kg": kg(row.load_g), "max_load_kg": kg(row.max_g), "excess_kg": kg(row.load_g - row.max_g)},
            manifest_id=row.manifest_id, responsible="transporter",
            organization_id=row.organization_id if transfer else None)
