"""The synthetic city's injected faults: 29 of them, covering the 18 anomaly codes, each with its fingerprint.

Most faults are things the services allow, so they are made the way they happen, through the services: a truck
that never arrives, a receipt weighed light, a pickup scanned 5 km from the gate, a delivery scanned in another
city, a transport licence or a cross-county approval that lapses overnight before a late pickup or delivery, loads
weighed a little heavy that push a small incinerator past its annual capacity, a fee paid to the carrier, a
declaration never filed, waste kept too long in storage, a correction (修订) no other party ever answers.

Two are by nature things the services never do: they are edits of stored records behind the services' back. They
are the two small `tamper_*` functions below, run as actions of the simulation after the fact (a plain SQL
UPDATE); nothing here builds a hash chain.
- CHAIN_BROKEN: `tamper_event_quantity` edits a recorded event; its hash stays the one the service computed.
- MASS_BALANCE: `tamper_batch_ledger` edits a batch's remaining quantity, which only issue and cancel may change.
"""
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import text, update

from wastechain.devdata.synthetic import HAZARDOUS_CODES, MEDICAL_CODE, City
from wastechain.domain.anomalies import annual_due_date, day_window
from wastechain.models import Batch, ManifestEvent
from wastechain.services.accounts import approvals
from wastechain.services.manifests import corrections

NINGBO = ("330203", 29.874, 121.550)  # far away: the long-distance fault goes there, with an approval


APPEND_ONLY_TRIGGER = "manifest_event_append_only"  # migration 0007: PostgreSQL refuses UPDATE/DELETE of events


@contextmanager
def as_database_administrator(session):
    """Within the transaction of a session (or connection), lets events be edited as the table's owner can.

    It switches PostgreSQL's append-only trigger off and on again in that one transaction: what an operator with
    the database's keys can always do; the chains and the chained day seals are what show it afterwards. Nothing to
    switch off on SQLite. The caller commits.
    """
    dialect = getattr(session, "dialect", None) or session.get_bind().dialect
    postgresql = dialect.name == "postgresql"
    if postgresql:
        session.execute(text(f"ALTER TABLE manifest_event DISABLE TRIGGER {APPEND_ONLY_TRIGGER}"))
    yield session
    if postgresql:
        session.execute(text(f"ALTER TABLE manifest_event ENABLE TRIGGER {APPEND_ONLY_TRIGGER}"))


def tamper_event_quantity(session, *, manifest_id: int, step: str, less_kg: Decimal) -> None:
    """CHAIN_BROKEN by tampering: someone lowers the quantity of a recorded event straight in the database."""
    events = ManifestEvent.__table__
    with as_database_administrator(session):
        session.execute(update(events).where(events.c.manifest_id == manifest_id, events.c.type == step)
                        .values(quantity_kg=events.c.quantity_kg - less_kg))
    session.commit()


def tamper_batch_ledger(session, *, batch_id: int, remaining_kg: Decimal) -> None:
    """MASS_BALANCE by tampering: a batch's remaining quantity is overwritten, disagreeing with its manifests."""
    session.execute(update(Batch.__table__).where(Batch.__table__.c.id == batch_id).values(remaining_kg=remaining_kg))
    session.commit()


def inject_faults(city: City) -> None:
    """Plans the faults into the city's simulation and tells it the fingerprints to expect."""
    plan, session, cast = city.plan, city.session, city.cast
    last = city.out.last_day
    mid_day = plan.start + timedelta(days=plan.days // 2)
    fault_day = max(plan.start + timedelta(days=3), last - timedelta(days=40))
    fault_day = min(fault_day, mid_day) if plan.days < 50 else fault_day
    early = plan.start + timedelta(days=2)

    def at(day: date, hour: float = 9):
        return day_window(day).start + timedelta(hours=hour)

    def m(*args, **kw):  # a fault's manifest rides a truck of its own, so no fault spills into another
        if "vehicle" not in kw:
            kw["vehicle"] = cast.vehicle(cast.transporters[0])
        return city.trip(*args, **kw)

    def manifest_key(trip, suffix=""):
        return lambda: f"m:{trip.manifest_id}{suffix}"

    def producer(kind: str):
        return next(p for p in cast.producers if p.kind == kind and not p.small)

    haz, ind, med = producer("hazardous"), producer("industrial"), producer("medical")
    general, hazardous_receiver = cast.receivers["general"], cast.receivers["hazardous"][0]

    # Late and missing steps: the services record whatever happens, whenever it happens.
    city.expect("TRANSIT_OVERDUE", manifest_key(m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 800, at(fault_day),
                                                  stop_after="pickup")))
    city.expect("TRANSIT_OVERDUE", manifest_key(m(haz, hazardous_receiver, HAZARDOUS_CODES[1], 600, at(fault_day),
                                                  transit=timedelta(hours=60))))
    city.expect("RECEIPT_OVERDUE", manifest_key(m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 500, at(fault_day),
                                                  stop_after="deliver")))
    city.expect("RECEIPT_OVERDUE", manifest_key(m(haz, hazardous_receiver, HAZARDOUS_CODES[2], 500, at(fault_day),
                                                  receive_delay=timedelta(days=10))))
    city.expect("WEIGHT_MISMATCH", manifest_key(m(ind, general[ind.region], "SW03", 4000, at(fault_day),
                                                  received=Decimal("3400"))))
    for trip in (m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 700, at(fault_day - timedelta(days=5)),
                   stop_after="receive"),
                 m(haz, hazardous_receiver, HAZARDOUS_CODES[1], 700, at(fault_day - timedelta(days=5)),
                   dispose_delay=timedelta(days=35))):
        city.expect("LOOP_NOT_CLOSED", manifest_key(trip))

    # Refusals (issue 10): a load refused whole and left with the carrier; a part refused and taken back next day.
    stranded = m(haz, hazardous_receiver, HAZARDOUS_CODES[1], 300, at(fault_day), received=Decimal(300),
                 refused=Decimal(300), stop_after="receive", payee=None)
    city.expect("REFUSED", manifest_key(stranded))
    city.expect("REFUSED", manifest_key(stranded, ":not_moved_on"))
    city.expect("REFUSED", manifest_key(m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 500, at(fault_day),
                                          received=Decimal(500), refused=Decimal(100),
                                          return_after=timedelta(days=1))))

    # Storage: waste registered with the day it was produced, then kept (or picked up) too long.
    for stock in (city.stock(med, MEDICAL_CODE, 120, at(fault_day, 8)),
                  city.stock(haz, HAZARDOUS_CODES[3], 900, at(fault_day) - timedelta(days=400)),
                  m(med, hazardous_receiver, MEDICAL_CODE, 200, at(fault_day), generated_before=timedelta(hours=60),
                    medical=True).stock):
        city.expect("STORAGE_OVERDUE", lambda stock=stock: f"batch:{stock.id}")

    # Where and how far: a pickup scanned 5 km from the gate (no handover there), a licensed trip to Ningbo.
    far_off = (round(ind.lat + 5000 / 111_320, 6), ind.lon)
    far_pickup = m(ind, general[ind.region], "SW03", 2000, at(fault_day), pickup_gps=far_off, handover=False)
    city.expect("LOCATION_MISMATCH", manifest_key(far_pickup, ":pickup"))
    city.expect("HANDOVER_UNCONFIRMED", manifest_key(far_pickup, ":pickup"))  # no code: the driver stated why
    regulator = city.actor(cast.city_regulator)
    far = cast.receiver("宁波远洋危废处置有限公司", NINGBO[0], ["HW08", "HW49"], lat=NINGBO[1], lon=NINGBO[2])
    to_ningbo = approvals.grant_approval(session, actor=regulator, producer_id=haz.org, waste_codes=["HW08"],
                                       destination_site_id=far.site, max_quantity_kg=Decimal(10000),
                                       valid_from=plan.start, valid_to=last)
    city.expect("LONG_DISTANCE", manifest_key(m(haz, far, "900-249-08", 500, at(fault_day), approval_id=to_ningbo.id,
                                                transit=timedelta(hours=4))))

    # Lapses overnight: planned for the last valid day, the load moved the next morning.
    other = next(r for region, r in general.items() if region != ind.region)
    lapsing = approvals.grant_approval(session, actor=regulator, producer_id=ind.org, waste_codes=["SW17"],
                                     destination_site_id=other.site, max_quantity_kg=Decimal(5000),
                                     valid_from=plan.start, valid_to=fault_day)
    city.expect("JURISDICTION_BREACH", manifest_key(m(ind, other, "SW17", 3000, at(fault_day, 15),
                                                      approval_id=lapsing.id, planned_at=at(fault_day, 16),
                                                      pickup_delay=timedelta(hours=18))))
    carrier = cast.transporter("江山市临期危货运输公司", "330881", permit_to=fault_day)
    city.expect("PERMIT_INVALID", manifest_key(m(haz, hazardous_receiver, HAZARDOUS_CODES[1], 400, at(fault_day, 15),
                                                 vehicle=cast.vehicle(carrier), pickup_delay=timedelta(hours=17),
                                                 planned_at=at(fault_day, 16)), ":pickup"))

    # Capacity: loads weighed 4 % heavier than declared (within the weight tolerance) take a small incinerator
    # past the annual capacity its permit allowed the manifests to commit.
    small = cast.receiver("小型危废焚烧站", "330822", ["HW08", "HW49"], capacity=Decimal(5000))
    capacity_day = max(fault_day, date(last.year, 1, 3))
    for i, kg in enumerate((2000, 2000, 1000)):
        m(haz, small, HAZARDOUS_CODES[0], kg, at(capacity_day + timedelta(days=i)),
          received=Decimal(kg) * Decimal("1.04"))
    city.expect("CAPACITY_EXCEEDED", lambda: f"org:{small.org}:{capacity_day.year}")

    # Two loads on one truck at once: 45 t where 40 t are allowed.
    truck = cast.vehicle(cast.transporters[0])
    m(ind, general[ind.region], "SW02", 22500, at(fault_day, 8), vehicle=truck, transit=timedelta(hours=3),
      pickup_delay=timedelta(minutes=30))
    city.expect("OVERWEIGHT_LOAD", manifest_key(m(ind, general[ind.region], "SW02", 22500, at(fault_day, 8.5),
                                                  vehicle=truck, transit=timedelta(hours=2),
                                                  pickup_delay=timedelta(minutes=30))))

    # Money: a fee paid to the carrier; a manifest closed early in the period and never paid for.
    to_carrier = m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 300, at(fault_day), payee="transporter")
    city.expect("PAYMENT_ANOMALY", lambda: f"payment:{to_carrier.payment_id}")
    city.expect("PAYMENT_ANOMALY", manifest_key(m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 300, at(early),
                                                  payee=None), ":unpaid"))

    # Tampering, after the fact: an edited receipt event; a batch ledger overwritten after its manifest.
    edited = m(haz, hazardous_receiver, HAZARDOUS_CODES[2], 1000, at(fault_day))
    city.at(edited.receive_at + timedelta(hours=1),
            lambda now: tamper_event_quantity(session, manifest_id=edited.manifest_id, step="receive",
                                              less_kg=Decimal(50)))
    city.expect("CHAIN_BROKEN", manifest_key(edited))
    ledger = city.stock(ind, "SW59", 1000, at(fault_day, 6))
    m(ind, general[ind.region], "SW59", 600, at(fault_day), stock=ledger)
    city.at(at(fault_day, 9.25),
            lambda now: tamper_batch_ledger(session, batch_id=ledger.id, remaining_kg=Decimal(100)))
    city.expect("MASS_BALANCE", lambda: f"batch:{ledger.id}")

    # A correction the producer files after pickup that the carrier and the receiver never answer.
    unanswered = m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 400, at(fault_day))
    filed = {}
    city.at(unanswered.pickup_at + timedelta(hours=1),
            lambda now: filed.update(id=corrections.request_correction(
                session, actor=city.actor(haz.user), manifest_id=unanswered.manifest_id, field="pickup_kg",
                value=Decimal(399), reason="提货重量少记 1 kg", now=now).id))
    city.expect("CORRECTION_PENDING", lambda: f"correction:{filed['id']}")

    # Delivered astray: a hazardous load for a receiver in the city, its delivery scanned in Ningbo (the route
    # check reads the scan's GPS, not only the registered sites).
    astray = m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 350, at(fault_day), deliver_gps=NINGBO[1:])
    city.expect("JURISDICTION_BREACH", manifest_key(astray))
    city.expect("LOCATION_MISMATCH", manifest_key(astray, ":deliver"))

    _declarations_not_filed(city, ind, haz)


def _declarations_not_filed(city: City, industrial, hazardous) -> None:
    """DECLARATION_MISSING: production to declare, and the first due dates in the period left unfiled."""
    plan = city.plan
    monthly = annual = False
    for day in (plan.start + timedelta(days=i) for i in range(plan.days)):
        if day.day == 15 and not monthly:
            month = day.replace(day=1) - timedelta(days=1)
            city.stock(industrial, "SW01", 5000, day_window(month.replace(day=10)).start)
            city.missing.add((industrial.org, "monthly", f"{month:%Y-%m}"))
            city.expect("DECLARATION_MISSING", lambda p=f"{month:%Y-%m}": f"org:{industrial.org}:monthly:{p}")
            monthly = True
        if day == annual_due_date(day.year - 1, "03-31") and not annual:
            city.stock(hazardous, HAZARDOUS_CODES[1], 6000, day_window(date(day.year - 1, 12, 20)).start)
            city.missing.add((hazardous.org, "annual", str(day.year - 1)))
            city.expect("DECLARATION_MISSING", lambda y=day.year - 1: f"org:{hazardous.org}:annual:{y}")
            annual = True

