"""A synthetic Quzhou: enterprises in the six counties, weeks of manifests, and a known set of injected faults.

Written through the services, the way the product's users write: parties by a generator administrator; batches,
manifests and every step by the enterprises' own accounts (pickups confirmed with the producer's handover code);
payments and declarations by the issuers. One simulated clock: every action is scheduled at its moment, actions
run in time order, and each service gets that moment as `now` — a step is recorded when it happens, so none is
older than the 7 days the services accept. The faults (faults.py) go through the same services, except the two
that are tampering by nature. `generate_city` returns the fingerprints the reconciliation must find — every one
of them, and nothing else — when every day of the period is reconciled.

About a dozen service calls per manifest: right for weeks of a small city. The reconciliation benchmark's millions
of manifests of history are cloned from service-built days (benchmarks/bench_reconcile.py), not generated here.
"""
import heapq
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count

from sqlalchemy import func, select

from wastechain.devdata.cast import Cast, Party, jitter
from wastechain.domain.anomalies import Thresholds, day_window
from wastechain.domain.streams import HAZARDOUS_STREAMS
from wastechain.domain.timeutil import local_date
from wastechain.models import Batch, User, WasteCode
from wastechain.services import manifests
from wastechain.services.anomalies import payments
from wastechain.services.manifests import handover
from wastechain.services.storage import batches

HAZARDOUS_CODES = ("900-041-49", "900-249-08", "900-252-12", "336-064-17")
MEDICAL_CODE = "841-001-01"
INDUSTRIAL_CODES = ("SW01", "SW02", "SW03", "SW17", "SW59")
GRAM = Decimal("0.001")


def stream_of(code: str) -> str:
    """The stream of the generator's own codes, as the catalog files them."""
    return "medical" if code == MEDICAL_CODE else "hazardous" if code in HAZARDOUS_CODES else "industrial"

NO_CODE_REASON = "产生单位交接人员不在岗，驾驶员电话确认后提货"


@dataclass
class CityPlan:
    """What to simulate: the days, the daily volume, the seed of the random choices, faults or not."""

    start: date
    days: int
    manifests_per_day: int
    seed: int = 7
    faults: bool = True
    producers: int | None = None  # default: scales with the daily volume
    declarations: bool = True
    tail_until: date | None = None  # steps of the period's manifests may run on until this day (default: its end)

    def __post_init__(self):
        if self.days < 1 or self.manifests_per_day < 0:
            raise ValueError("a city needs at least one day and a non-negative number of manifests a day")
        if self.faults and self.days < 12:
            raise ValueError("a city with faults needs at least 12 days")


@dataclass
class GeneratedCity:
    """What was written, and the fingerprints the reconciliation of the period must find."""

    expected: set[str] = field(default_factory=set)  # fingerprints of the injected faults
    injected: dict[str, list[str]] = field(default_factory=dict)  # code → fingerprints
    manifests: int = 0
    events: int = 0
    first_day: date | None = None
    last_day: date | None = None
    ids: dict = field(default_factory=dict)
    # what the simulation did, by its own plan (not read back from the database): kg and counts keyed
    # (what, China day, county[, destination county], stream) — the dashboard's rollups must say the same
    truth: dict = field(default_factory=lambda: defaultdict(Decimal))

    def tally(self, what: str, moment: datetime, *key, amount=1) -> None:
        self.truth[(what, local_date(moment), *key)] += amount


@dataclass
class Stock:
    """A batch, registered by its producer when it is produced; `id` once registered."""

    producer: Party
    code: str
    kg: Decimal
    generated_at: datetime
    id: int | None = None


@dataclass
class Trip:
    """The plan of one manifest: who, what, and when each step happens (None: it never does)."""

    producer: Party
    receiver: Party
    stock: Stock
    kg: Decimal
    vehicle: tuple[int, Party]  # (vehicle id, its transporter, whose account is the driver)
    issued_at: datetime
    planned_at: datetime
    pickup_at: datetime | None
    deliver_at: datetime | None
    receive_at: datetime | None
    dispose_at: datetime | None
    paid_at: datetime | None
    weighed: Decimal
    method: str
    pickup_gps: tuple[float, float]
    deliver_gps: tuple[float, float]
    payee: str | None = "receiver"  # receiver | transporter | None (never paid)
    approval_id: int | None = None
    handover: bool = True  # the pickup is confirmed with the producer's one-time code
    manifest_id: int | None = None
    code: str = ""  # the handover code, once the producer has issued it
    payment_id: int | None = None
    refused: Decimal = Decimal(0)  # refused at receipt: stays in the carrier's custody until a return trip


def _kg(value) -> Decimal:
    return Decimal(value).quantize(GRAM)


class City:
    """The simulation: its parties, a queue of timed actions, and the service calls each action makes."""

    def __init__(self, session, plan: CityPlan):
        self.session, self.plan = session, plan
        self.rng = random.Random(plan.seed)
        self.out = GeneratedCity(first_day=plan.start, last_day=plan.start + timedelta(days=plan.days - 1))
        self.end_moment = day_window(plan.tail_until or self.out.last_day).end
        self.queue: list = []
        self.order = count()
        self.secret = secrets.token_hex(16)  # of the handover codes, which live a few simulated minutes
        self.cast = Cast(session, self.rng)
        self.missing: set[tuple[int, str, str]] = set()  # (organization, kind, period) left undeclared on purpose
        self.expectations: list = []  # (code, a function giving the key once the ids exist)
        self.actors: dict[int, User] = {}

    # ---------------------------------------------------------------- the clock

    def at(self, moment: datetime, action, *args) -> None:
        heapq.heappush(self.queue, (moment, next(self.order), action, args))

    def run_until(self, moment: datetime) -> None:
        """Runs the actions due before `moment`, in time order; what falls after the period's end never happens."""
        while self.queue and self.queue[0][0] < moment:
            when, _, action, args = heapq.heappop(self.queue)
            if when < self.end_moment:
                action(when, *args)

    def actor(self, user_id: int) -> User:
        """The account, loaded once and kept (the session holds loaded objects only weakly)."""
        if user_id not in self.actors:
            self.actors[user_id] = self.session.get(User, user_id)
        return self.actors[user_id]

    def expect(self, code: str, key) -> None:
        self.expectations.append((code, key))

    def resolve_expectations(self) -> None:
        for code, key in self.expectations:
            fingerprint = f"{code}:{key()}"
            self.out.expected.add(fingerprint)
            self.out.injected.setdefault(code, []).append(fingerprint)

    # ---------------------------------------------------------------- planning

    def stock(self, producer: Party, code: str, kg, generated_at: datetime) -> Stock:
        stock = Stock(producer, code, _kg(kg), generated_at)
        self.at(generated_at, self._register, stock)
        return stock

    def trip(self, producer: Party, receiver: Party, code: str, kg, issued_at: datetime, *, vehicle=None,
             stock: Stock | None = None, generated_before: timedelta | None = None, medical: bool = False,
             pickup_delay=None, transit=None, receive_delay=None, dispose_delay=None, received=None,
             stop_after: str | None = None, planned_at: datetime | None = None, payee: str | None = "receiver",
             pickup_gps=None, deliver_gps=None, approval_id: int | None = None, handover: bool = True, refused=None,
             return_after: timedelta | None = None) -> Trip:
        """Plans one manifest and schedules its steps; the keyword arguments are how a fault bends it."""
        rng, kg = self.rng, _kg(kg)
        vehicle = vehicle or self.cast.vehicles[rng.randrange(len(self.cast.vehicles))]
        if stock is None:
            before = generated_before or (timedelta(hours=rng.uniform(2, 20)) if medical
                                          else timedelta(days=rng.uniform(1, 10)))
            stock = self.stock(producer, code, kg, issued_at - before)
        pickup_at = issued_at + (pickup_delay or timedelta(minutes=rng.randint(30, 60)))
        deliver_at = pickup_at + (transit or timedelta(minutes=rng.randint(40, 80)))
        receive_at = deliver_at + (receive_delay or timedelta(hours=rng.uniform(18, 30)))
        weighed = _kg(received if received is not None else kg * Decimal(1 + rng.uniform(-0.01, 0.01)))
        dispose_at = receive_at + (dispose_delay or timedelta(days=rng.uniform(2, 6)))
        if receiver is self.cast.collector:
            dispose_at = None  # the collector's storage record closes the manifest at receipt
        steps = {"pickup": pickup_at, "deliver": deliver_at, "receive": receive_at, "dispose": dispose_at}
        if stop_after:
            names = list(steps)
            steps.update({step: None for step in names[names.index(stop_after) + 1:]})
        closed_at = steps["dispose"] or (steps["receive"] if receiver is self.cast.collector else None)
        trip = Trip(producer, receiver, stock, kg, vehicle, issued_at, planned_at or pickup_at, steps["pickup"],
                    steps["deliver"], steps["receive"], steps["dispose"],
                    closed_at + timedelta(days=rng.uniform(1, 3)) if closed_at and payee else None,
                    weighed, rng.choice(("R4", "D10")), pickup_gps or jitter(rng, producer.lat, producer.lon, 150),
                    deliver_gps or jitter(rng, receiver.lat, receiver.lon, 150), payee, approval_id, handover,
                    refused=_kg(refused or 0))
        self.at(issued_at, self._issue, trip)
        if trip.refused and trip.receive_at and return_after:
            self.at(trip.receive_at + return_after, self._return_trip, trip)
        if trip.pickup_at and handover:
            self.at(trip.pickup_at - timedelta(minutes=3), self._handover_code, trip)
        for moment, action in ((trip.pickup_at, self._pickup), (trip.deliver_at, self._deliver),
                               (trip.receive_at, self._receive), (trip.dispose_at, self._dispose),
                               (trip.paid_at, self._pay)):
            if moment:
                self.at(moment, action, trip)
        return trip

    def regular_day(self, day: date, count_: int) -> None:
        rng = self.rng
        start = day_window(day).start
        n_vehicles = len(self.cast.vehicles)
        receivers = self.cast.receivers
        for j in range(count_):
            producer = self.cast.producers[rng.randrange(len(self.cast.producers))]
            slot = j // n_vehicles  # each vehicle makes at most one trip per two-hour slot: never overloaded
            vehicle = self.cast.vehicles[j % n_vehicles]
            issued_at = start + timedelta(hours=7 + 2 * (slot % 4), minutes=rng.randint(0, 25))
            if producer.kind == "medical":
                self.trip(producer, receivers["hazardous"][j % 3], MEDICAL_CODE, rng.randint(20, 500), issued_at,
                          vehicle=vehicle, medical=True)
            elif producer.kind == "hazardous":
                receiver = self.cast.collector if producer.small else receivers["hazardous"][j % 3]
                self.trip(producer, receiver, rng.choice(HAZARDOUS_CODES), rng.randint(50, 3000), issued_at,
                          vehicle=vehicle)
            else:
                code = rng.choice(INDUSTRIAL_CODES)
                kg = _kg(rng.randint(500, 8000))
                extra = _kg(rng.randint(0, 2000)) if j % 10 == 0 else Decimal(0)
                stock = None
                if extra:  # some batches leave part of themselves in storage
                    stock = self.stock(producer, code, kg + extra, issued_at - timedelta(days=2))
                self.trip(producer, receivers["general"][producer.region], code, kg, issued_at, vehicle=vehicle,
                          stock=stock)

    def schedule_declarations(self) -> None:
        """Monthly reports on the 12th (due the 15th), annual declarations on 15 February (due 31 March)."""
        day = self.plan.start - timedelta(days=45)
        while day <= self.out.last_day:
            ten = day_window(day).start + timedelta(hours=10)
            if day.day == 12:
                self.at(ten, self._declare, "monthly", f"{day.replace(day=1) - timedelta(days=1):%Y-%m}")
            if (day.month, day.day) == (2, 15):
                self.at(ten, self._declare, "annual", str(day.year - 1))
            day += timedelta(days=1)

    # ---------------------------------------------------------------- actions: one service call each

    def _register(self, now: datetime, stock: Stock) -> None:
        stock.id = batches.register_batch(self.session, actor=self.actor(stock.producer.user),
                                          site_id=stock.producer.site, waste_code=stock.code, quantity_kg=stock.kg,
                                          generated_at=stock.generated_at, now=now).id
        self.out.tally("produced", stock.generated_at, stock.producer.region, stream_of(stock.code), amount=stock.kg)
        self.out.tally("produced_code", stock.generated_at, stock.producer.region, stock.code, amount=stock.kg)

    def _issue(self, now: datetime, trip: Trip) -> None:
        transporter = trip.vehicle[1]
        trip.manifest_id = manifests.issue_manifest(
            self.session, actor=self.actor(trip.producer.user),
            lines=[manifests.LineRequest(batch_id=trip.stock.id, quantity_kg=trip.kg)],
            receiver_site_id=trip.receiver.site, transporter_id=transporter.org, vehicle_id=trip.vehicle[0],
            driver_id=transporter.user, planned_pickup_at=trip.planned_at, approval_id=trip.approval_id, now=now).id
        self.out.manifests += 1
        self.out.events += 1
        self.out.tally("issued", now, trip.producer.region)

    def _request(self, now: datetime, trip: Trip, step: str, **fields) -> manifests.StepRequest:
        return manifests.StepRequest(type=step, idempotency_key=f"gen-{trip.manifest_id}-{step}", occurred_at=now,
                                     **fields)

    def _step(self, now: datetime, trip: Trip, step: str, user: int, **fields) -> None:
        manifests.record_step(self.session, actor=self.actor(user), manifest_id=trip.manifest_id,
                              request=self._request(now, trip, step, **fields), now=now)
        self.out.events += 1

    def _handover_code(self, now: datetime, trip: Trip) -> None:
        trip.code = handover.issue_code(self.session, actor=self.actor(trip.producer.user),
                                        manifest_id=trip.manifest_id, secret=self.secret, now=now).code

    def _pickup(self, now: datetime, trip: Trip) -> None:
        lat, lon = trip.pickup_gps
        self.out.tally("transferred", now, trip.producer.region, trip.receiver.region, stream_of(trip.stock.code),
                       amount=trip.kg)
        if not trip.handover:  # no code at the gate: the driver states why, as the API requires
            handover.record_step_with_handover(
                self.session, actor=self.actor(trip.vehicle[1].user), manifest_id=trip.manifest_id,
                request=self._request(now, trip, "pickup", lat=lat, lon=lon, quantity_kg=trip.kg),
                handover_code=None, handover_exception_reason=NO_CODE_REASON, secret=self.secret, now=now)
            self.out.events += 1
            return
        handover.confirm_pickup(self.session, actor=self.actor(trip.vehicle[1].user), manifest_id=trip.manifest_id,
                                code=trip.code, secret=self.secret, now=now,
                                request=self._request(now, trip, "pickup", lat=lat, lon=lon, quantity_kg=trip.kg))
        self.out.events += 1

    def _deliver(self, now: datetime, trip: Trip) -> None:
        lat, lon = trip.deliver_gps
        self._step(now, trip, "deliver", trip.vehicle[1].user, lat=lat, lon=lon)

    def _receive(self, now: datetime, trip: Trip) -> None:
        if trip.refused:
            self._step(now, trip, "receive", trip.receiver.user, quantity_kg=trip.weighed,
                       accepted_kg=trip.weighed - trip.refused, rejected_kg=trip.refused, reason="包装破损，标签不符")
            return
        self._step(now, trip, "receive", trip.receiver.user, quantity_kg=trip.weighed, accepted_kg=trip.weighed)

    def _return_trip(self, now: datetime, trip: Trip) -> None:
        """The carrier takes the refused part back to the producer's site on a return manifest, the same day."""
        producer, transporter = trip.producer, trip.vehicle[1]
        custody = self.session.scalars(select(Batch).where(Batch.refused_from_id == trip.manifest_id)).all()
        back = manifests.issue_manifest(
            self.session, actor=self.actor(producer.user),
            lines=[manifests.LineRequest(batch_id=b.id, quantity_kg=b.remaining_kg) for b in custody],
            receiver_site_id=producer.site, transporter_id=transporter.org, vehicle_id=trip.vehicle[0],
            driver_id=transporter.user, planned_pickup_at=now + timedelta(minutes=30), now=now)
        code = handover.issue_code(self.session, actor=self.actor(producer.user), manifest_id=back.id,
                                   secret=self.secret, now=now + timedelta(minutes=25)).code
        key = f"gen-return-{back.id}"
        handover.confirm_pickup(
            self.session, actor=self.actor(transporter.user), manifest_id=back.id, code=code, secret=self.secret,
            now=now + timedelta(minutes=30), request=manifests.StepRequest(
                type="pickup", idempotency_key=f"{key}-pickup", occurred_at=now + timedelta(minutes=30),
                lat=trip.receiver.lat, lon=trip.receiver.lon))
        for step, user, minutes, extra in (
                ("deliver", transporter.user, 90, {"lat": producer.lat, "lon": producer.lon}),
                ("receive", producer.user, 120, {"accepted_kg": trip.refused})):
            manifests.record_step(self.session, actor=self.actor(user), manifest_id=back.id, request=manifests.StepRequest(
                type=step, idempotency_key=f"{key}-{step}", occurred_at=now + timedelta(minutes=minutes), **extra),
                now=now + timedelta(minutes=minutes))
        self.out.manifests += 1
        self.out.events += 5

    def _dispose(self, now: datetime, trip: Trip) -> None:
        disposed = trip.weighed - trip.refused
        self._step(now, trip, "dispose", trip.receiver.user, quantity_kg=disposed, method=trip.method)
        self.out.tally("disposed", now, trip.receiver.region, stream_of(trip.stock.code), amount=disposed)

    def _pay(self, now: datetime, trip: Trip) -> None:
        payee = trip.receiver.org if trip.payee == "receiver" else trip.vehicle[1].org
        trip.payment_id = payments.record_payment(
            self.session, actor=self.actor(trip.producer.user), manifest_id=trip.manifest_id, payee_id=payee,
            amount=(trip.kg * 3).quantize(Decimal("0.01")), paid_at=now, reference=f"BANK{trip.manifest_id}",
            now=now).id

    def _declare(self, now: datetime, kind: str, period: str) -> None:
        """Each of the city's producers files what its own ledger says it produced, except the planned omissions."""
        for org, kg in self._production(kind, period):
            if org in self.cast.declarers and (org, kind, period) not in self.missing:
                payments.submit_declaration(self.session, actor=self.actor(self.cast.declarers[org]), period_kind=kind,
                                             period=period, now=now, generated_kg=kg)

    def _production(self, kind: str, period: str) -> list[tuple[int, Decimal]]:
        if kind == "annual":
            first, after = date(int(period), 1, 1), date(int(period) + 1, 1, 1)
            which = WasteCode.stream.in_([s.value for s in HAZARDOUS_STREAMS])
        else:
            first = date(int(period[:4]), int(period[5:]), 1)
            after = (first + timedelta(days=32)).replace(day=1)
            which = WasteCode.category.in_(Thresholds().bulk_industrial_categories)
        return self.session.execute(
            select(Batch.organization_id, func.sum(Batch.quantity_kg))
            .join(WasteCode, WasteCode.code == Batch.waste_code)
            .where(which, Batch.generated_at >= day_window(first).start, Batch.generated_at < day_window(after).start)
            .group_by(Batch.organization_id).order_by(Batch.organization_id)).all()
