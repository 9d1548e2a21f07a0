"""A synthetic Quzhou: enterprises in the six counties, months of manifests, and a known set of injected faults.

Rows go in with bulk INSERT (COPY on PostgreSQL, executemany on SQLite), not through the per-manifest service
path, so a city of millions of manifests loads in minutes. Event hash chains are computed exactly as the service
computes them, so the only chain faults are the injected ones. `generate_city` returns the fingerprints the
reconciliation must find — every one of them, and nothing else — when every day of the period is reconciled.
"""
import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.types import JSON, TypeDecorator

from wastechain.domain.anomalies import annual_due_date, day_window
from wastechain.domain.credit_code import make_credit_code
from wastechain.domain.hashing import GENESIS_HASH, event_hash
from wastechain.domain.numbering import manifest_number, unit_code
from wastechain.domain.timeutil import CHINA
from wastechain.models import (Approval, Batch, Declaration, Manifest, ManifestEvent, ManifestLine, ManifestSerial,
                               Organization, Payment, Permit, Site, User, Vehicle)

COUNTIES = {  # code: (name, lat, lon) — approximate county seats
    "330802": ("柯城区", 28.969, 118.873),
    "330803": ("衢江区", 28.980, 118.959),
    "330822": ("常山县", 28.901, 118.511),
    "330824": ("开化县", 29.137, 118.415),
    "330825": ("龙游县", 29.028, 119.172),
    "330881": ("江山市", 28.738, 118.627),
}
CITY = "330800"
NINGBO = ("330203", 29.874, 121.550)  # far away: the long-distance fault goes there, with an approval
HAZARDOUS_CODES = ("900-041-49", "900-249-08", "900-252-12", "336-064-17")
MEDICAL_CODE = "841-001-01"
INDUSTRIAL_CODES = ("SW01", "SW02", "SW03", "SW17", "SW59")
BULK_CODES = ("SW01", "SW02")
PASSWORD_HASH = "pbkdf2:sha256:1000$synthetic$0000"  # no one logs in as a generated enterprise
GRAM = Decimal("0.001")
CHUNK = 20000


@dataclass
class CityPlan:
    start: date
    days: int
    manifests_per_day: int
    seed: int = 7
    faults: bool = True
    producers: int | None = None  # default: scales with the daily volume
    declarations: bool = True
    tail_until: date | None = None  # steps of the period's manifests may run on until this day (default: its end)


@dataclass
class GeneratedCity:
    expected: set[str] = field(default_factory=set)  # fingerprints of the injected faults
    injected: dict[str, list[str]] = field(default_factory=dict)  # code → fingerprints
    manifests: int = 0
    events: int = 0
    first_day: date | None = None
    last_day: date | None = None
    ids: dict = field(default_factory=dict)


# ---------------------------------------------------------------- bulk writer

class BulkWriter:
    """Buffers rows per table (Python values, as the ORM would take them) and writes them in dependency order."""

    ORDER = ("organization", "site", "permit", "vehicle", "user_account", "approval", "batch", "manifest",
             "manifest_line", "manifest_event", "payment", "declaration")

    def __init__(self, connection, chunk: int = CHUNK):
        self.connection = connection
        self.dialect = connection.dialect.name
        self.chunk = chunk
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.tables = {t.name: t for t in Organization.metadata.sorted_tables}
        self.pending = 0

    def add(self, table: str, row: dict) -> None:
        self.rows[table].append(row)
        self.pending += 1
        if self.pending >= self.chunk:
            self.flush()

    def flush(self) -> None:
        for name in self.ORDER:
            rows = self.rows.pop(name, None)
            if rows:
                (self._copy if self.dialect == "postgresql" else self._insert)(self.tables[name], rows)
        self.pending = 0

    def _insert(self, table, rows):
        self.connection.execute(table.insert(), rows)

    def _copy(self, table, rows):
        columns = [c for c in table.columns if c.name in rows[0] or c.default is not None]
        raw = self.connection.connection.driver_connection
        names = ", ".join(f'"{c.name}"' for c in columns)
        converters = [self._converter(c) for c in columns]
        with raw.cursor() as cursor:
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([convert(row) for convert in converters])

    def _converter(self, column):
        name, kind, default = column.name, column.type, column.default
        dialect = self.connection.dialect

        def value(row):
            if name in row:
                return row[name]
            arg = default.arg
            return arg(None) if callable(arg) else arg

        if isinstance(kind, TypeDecorator):
            return lambda row: kind.process_bind_param(value(row), dialect)
        if isinstance(kind, JSON):
            return lambda row: json.dumps(value(row), ensure_ascii=False)
        return value

    def reset_sequences(self) -> None:
        if self.dialect != "postgresql":
            return
        for name in self.ORDER:
            self.connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT max(id) FROM \"{name}\"), 0) + 1, false)"))


# ---------------------------------------------------------------- the generator

class _Ids:
    def __init__(self, connection):
        self.next = {}
        for name, model in (("organization", Organization), ("site", Site), ("permit", Permit),
                            ("vehicle", Vehicle), ("user_account", User), ("approval", Approval),
                            ("batch", Batch), ("manifest", Manifest), ("manifest_line", ManifestLine),
                            ("manifest_event", ManifestEvent), ("payment", Payment), ("declaration", Declaration)):
            self.next[name] = (connection.execute(select(func.max(model.id))).scalar() or 0) + 1

    def __call__(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def _kg(value) -> Decimal:
    return Decimal(value).quantize(GRAM)


def _jitter(rng, lat, lon, metres):
    """A point within `metres` of (lat, lon)."""
    d = rng.uniform(0, metres)
    angle = rng.uniform(0, 2 * math.pi)
    return (round(lat + d * math.cos(angle) / 111_320, 6),
            round(lon + d * math.sin(angle) / (111_320 * math.cos(math.radians(lat))), 6))


class CityGenerator:
    def __init__(self, connection, plan: CityPlan):
        self.c = connection
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.w = BulkWriter(connection)
        self.ids = _Ids(connection)
        self.out = GeneratedCity()
        self.tag = f"{plan.seed}{self.ids.next['organization']:05d}"
        self.end_moment = day_window(plan.tail_until or plan.start + timedelta(days=plan.days - 1)).end
        self.serials: dict[int, int] = {}
        self.production = defaultdict(Decimal)  # (org, year) hazardous kg; (org, "YYYY-MM") bulk kg
        self.unit_seq = defaultdict(int)
        self.plate_seq = 0

    # ---------------------------------------------------------------- parties

    def org(self, name, roles, region) -> int:
        oid = self.ids("organization")
        body = f"{self.rng.randrange(16**8):08X}"
        self.w.add("organization", {"id": oid, "name": name, "credit_code": make_credit_code(region, body),
                                    "region_code": region, "roles": roles, "created_at": self._t0()})
        return oid

    def _t0(self):
        return day_window(self.plan.start).start - timedelta(days=400)

    def site(self, org, kind, region, lat, lon, name) -> dict:
        sid = self.ids("site")
        lat, lon = _jitter(self.rng, lat, lon, 6000)
        self.w.add("site", {"id": sid, "organization_id": org, "name": name, "kind": kind, "region_code": region,
                            "address": f"{COUNTIES.get(region, ('',))[0]}{name}", "lat": lat, "lon": lon})
        return {"id": sid, "org": org, "region": region, "lat": lat, "lon": lon, "name": name}

    def user(self, role, org=None, region=None, username=None) -> int:
        uid = self.ids("user_account")
        self.w.add("user_account", {"id": uid, "username": username or f"gen{self.tag}_{uid}",
                                    "password_hash": PASSWORD_HASH, "role": role, "organization_id": org,
                                    "region_code": region, "active": True, "created_at": self._t0()})
        return uid

    def permit(self, org, kind, codes, capacity=None, valid_to=date(2035, 12, 31)):
        pid = self.ids("permit")
        self.w.add("permit", {"id": pid, "organization_id": org, "number": f"GEN-{self.tag}-{pid}", "kind": kind,
                              "valid_from": date(2015, 1, 1), "valid_to": valid_to, "waste_codes": list(codes),
                              "methods": ["R4", "D10", "R2"] if kind == "hw_operation" else [],
                              "annual_capacity_kg": capacity})

    def vehicle(self, transporter) -> int:
        vid = self.ids("vehicle")
        self.plate_seq += 1
        self.w.add("vehicle", {"id": vid, "organization_id": transporter["org"],
                               "plate": f"G{self.tag[-4:]}{vid:07d}"[:16]})
        return vid

    def build_parties(self):
        plan = self.plan
        counties = list(COUNTIES)
        self.receivers = {"hazardous": [], "general": {}}
        for region in ("330803", "330825", "330881"):
            name, lat, lon = COUNTIES[region]
            oid = self.org(f"{name}危险废物处置有限公司", ["receiver"], region)
            self.permit(oid, "hw_operation", ["HW01", "HW08", "HW12", "HW17", "HW49"], Decimal("500000000"))
            self.receivers["hazardous"].append({**self.site(oid, "facility", region, lat, lon, "处置中心"),
                                                "user": self.user("receiver", oid)})
        for region in counties:
            name, lat, lon = COUNTIES[region]
            oid = self.org(f"{name}一般工业固废综合利用厂", ["receiver"], region)
            self.receivers["general"][region] = {**self.site(oid, "facility", region, lat, lon, "利用厂"),
                                                 "user": self.user("receiver", oid)}
        collector_region = "330802"
        oid = self.org("衢州市小微企业危废收集转运中心", ["collector", "receiver"], collector_region)
        self.permit(oid, "hw_operation", ["HW08", "HW12", "HW17", "HW49"], Decimal("500000000"))
        self.collector = {**self.site(oid, "storage", collector_region, *COUNTIES[collector_region][1:], "收集中心"),
                          "user": self.user("collector", oid)}
        n_vehicles_needed = max(4, math.ceil(plan.manifests_per_day / 4) + 1)
        n_transporters = max(2, min(60, n_vehicles_needed // 20 + 1))
        self.transporters = []
        for i in range(n_transporters):
            region = counties[i % 6]
            oid = self.org(f"{COUNTIES[region][0]}安达危货运输{i + 1}号公司", ["transporter"], region)
            self.permit(oid, "hw_transport", [])
            self.transporters.append({"org": oid, "driver": self.user("driver", oid)})
        self.vehicles = []
        for i in range(n_vehicles_needed):
            transporter = self.transporters[i % n_transporters]
            self.vehicles.append((self.vehicle(transporter), transporter))
        n_producers = plan.producers or max(12, min(20000, plan.manifests_per_day * 3))
        self.producers = []
        kinds = ["hazardous"] * 5 + ["industrial"] * 3 + ["medical"] * 2
        for i in range(n_producers):
            region = counties[i % 6]
            kind = kinds[i % len(kinds)]
            label = {"hazardous": "化工", "industrial": "建材", "medical": "医院"}[kind]
            oid = self.org(f"{COUNTIES[region][0]}{label}{i + 1}号单位", ["producer"], region)
            name, lat, lon = COUNTIES[region]
            site = self.site(oid, "production", region, lat, lon, f"{label}厂区")
            self.producers.append({**site, "kind": kind, "user": self.user("producer", oid),
                                   "small": kind == "hazardous" and region in ("330802", "330803") and i % 3 == 0})
        for region in counties:
            self.user("regulator", region=region)
        self.user("regulator", region=CITY)
        # the fault cast: receivers and vehicles that exist only to carry one injected fault
        name, lat, lon = COUNTIES["330802"]
        oid = self.org("柯城区废包装桶专营处置站", ["receiver"], "330802")
        self.permit(oid, "hw_operation", ["HW49"], Decimal("500000000"))
        self.narrow = {**self.site(oid, "facility", "330802", lat, lon, "包装桶处置站"), "user": self.user("receiver", oid)}
        name, lat, lon = COUNTIES["330822"]
        oid = self.org("常山县小型危废焚烧站", ["receiver"], "330822")
        self.permit(oid, "hw_operation", ["HW08", "HW49"], Decimal("5000"))
        self.small_capacity = {**self.site(oid, "facility", "330822", lat, lon, "焚烧站"), "user": self.user("receiver", oid)}
        oid = self.org("宁波远洋危废处置有限公司", ["receiver"], NINGBO[0])
        self.permit(oid, "hw_operation", ["HW08", "HW49"], Decimal("500000000"))
        self.far = {**self.site(oid, "facility", NINGBO[0], NINGBO[1], NINGBO[2], "宁波处置基地"),
                    "user": self.user("receiver", oid)}

    # ---------------------------------------------------------------- one manifest

    def number(self, year: int) -> str:
        if year not in self.serials:
            self.serials[year] = self.c.execute(select(ManifestSerial.last_serial).where(
                ManifestSerial.city_code == CITY, ManifestSerial.year == year)).scalar() or 0
        self.serials[year] += 1
        return manifest_number(year, CITY, self.serials[year])

    def batch(self, producer, code, quantity, generated_at, remaining=Decimal(0), status=None) -> int:
        bid = self.ids("batch")
        local = generated_at.astimezone(CHINA).date()
        self.unit_seq[(producer["org"], local)] += 1
        seq = self.unit_seq[(producer["org"], local)] % 1000
        status = status or ("shipped" if remaining == 0 else "stored" if remaining == quantity else "partially_shipped")
        self.w.add("batch", {"id": bid, "unit_code": unit_code(f"G{producer['org']:017d}", code, local, seq),
                             "organization_id": producer["org"], "site_id": producer["id"], "waste_code": code,
                             "quantity_kg": _kg(quantity), "remaining_kg": _kg(remaining), "status": status,
                             "generated_at": generated_at, "container_count": None, "created_at": generated_at})
        if code in HAZARDOUS_CODES or code == MEDICAL_CODE:
            self.production[(producer["org"], local.year)] += quantity
        if code in BULK_CODES:
            self.production[(producer["org"], f"{local:%Y-%m}")] += quantity
        return bid

    def manifest(self, producer, receiver, code, quantity, issued_at, *, vehicle=None, pickup_delay=None,
                 transit=None, receive_delay=None, dispose_delay=None, received=None, pickup_gps=None,
                 stop_after=None, approval_id=None, batch_id=None, payment="receiver", tamper=None,
                 generated_before=None, medical=False) -> int:
        """Writes one manifest with its line, batch and hash-chained events; returns its id."""
        rng = self.rng
        mid = self.ids("manifest")
        quantity = _kg(quantity)
        vehicle_id, transporter = vehicle or self.vehicles[rng.randrange(len(self.vehicles))]
        if batch_id is None:
            before = generated_before or (timedelta(hours=rng.uniform(2, 20)) if medical
                                          else timedelta(days=rng.uniform(1, 10)))
            batch_id = self.batch(producer, code, quantity, issued_at - before)
        pickup_at = issued_at + (pickup_delay or timedelta(minutes=rng.randint(30, 60)))
        deliver_at = pickup_at + (transit or timedelta(minutes=rng.randint(40, 80)))
        receive_at = deliver_at + (receive_delay or timedelta(hours=rng.uniform(18, 30)))
        weighed = _kg(received if received is not None else quantity * Decimal(1 + rng.uniform(-0.01, 0.01)))
        closes_on_receipt = receiver is self.collector
        dispose_at = receive_at + (dispose_delay or timedelta(days=rng.uniform(2, 6)))
        steps = [("issue", issued_at), ("pickup", pickup_at), ("deliver", deliver_at), ("receive", receive_at)]
        if not closes_on_receipt:
            steps.append(("dispose", dispose_at))
        steps = [(s, t) for s, t in steps if t < self.end_moment]
        if stop_after:
            steps = steps[:[s for s, _ in steps].index(stop_after) + 1] if stop_after in [s for s, _ in steps] else steps
        events, prev, status = [], GENESIS_HASH, "issued"
        manifest = {"id": mid, "number": self.number(issued_at.astimezone(CHINA).year), "issuer_id": producer["org"],
                    "origin_site_id": producer["id"], "origin_region_code": producer["region"],
                    "receiver_id": receiver["org"], "receiver_site_id": receiver["id"],
                    "destination_region_code": receiver["region"], "transporter_id": transporter["org"],
                    "vehicle_id": vehicle_id, "driver_id": transporter["driver"], "approval_id": approval_id,
                    "planned_pickup_at": pickup_at, "total_kg": quantity, "pickup_kg": None, "received_kg": None,
                    "accepted_kg": None, "rejected_kg": None, "disposed_kg": Decimal("0.000"),
                    "issued_at": issued_at, "issued_by_id": producer["user"]}
        for seq, (step, at) in enumerate(steps, start=1):
            content = {"manifest_id": mid, "seq": seq, "type": step, "actor_id": None, "actor_role": None,
                       "idempotency_key": f"{step}-{mid}", "occurred_at": at,
                       "recorded_at": at + timedelta(seconds=rng.randint(1, 60)), "lat": None, "lon": None,
                       "quantity_kg": None, "accepted_kg": None, "rejected_kg": None, "reason": None, "method": None,
                       "data": {}}
            if step == "issue":
                status = "issued"
                content.update(actor_id=producer["user"], actor_role="producer", data={"number": manifest["number"]})
            elif step == "pickup":
                status = "in_transit"
                lat, lon = pickup_gps or _jitter(rng, producer["lat"], producer["lon"], 150)
                content.update(actor_id=transporter["driver"], actor_role="driver", lat=lat, lon=lon,
                               quantity_kg=quantity, data={"handover_confirmed": True})
                manifest["pickup_kg"] = quantity
            elif step == "deliver":
                status = "delivered"
                lat, lon = _jitter(rng, receiver["lat"], receiver["lon"], 150)
                content.update(actor_id=transporter["driver"], actor_role="driver", lat=lat, lon=lon)
            elif step == "receive":
                status = "closed" if closes_on_receipt else "received"
                content.update(actor_id=receiver["user"], actor_role="receiver", quantity_kg=weighed,
                               accepted_kg=weighed, rejected_kg=Decimal("0.000"))
                manifest.update(received_kg=weighed, accepted_kg=weighed, rejected_kg=Decimal("0.000"))
            elif step == "dispose":
                status = "closed"
                content.update(actor_id=receiver["user"], actor_role="receiver", quantity_kg=weighed,
                               method=rng.choice(("R4", "D10")))
                manifest["disposed_kg"] = weighed
            content["status_after"] = status
            content["hash"] = event_hash(prev, {k: v for k, v in content.items() if k != "hash"})
            content["prev_hash"], prev = prev, content["hash"]
            events.append(content)
        manifest.update(status=status, status_changed_at=steps[-1][1])
        self.w.add("manifest", manifest)
        self.w.add("manifest_line", {"id": self.ids("manifest_line"), "manifest_id": mid, "batch_id": batch_id,
                                     "waste_code": code, "quantity_kg": quantity})
        if tamper:
            tamper(events)
        for event in events:
            self.w.add("manifest_event", {"id": self.ids("manifest_event"), **event})
        self.out.manifests += 1
        self.out.events += len(events)
        if status == "closed" and payment:
            paid_at = steps[-1][1] + timedelta(days=rng.uniform(1, 3))
            if paid_at < self.end_moment:
                payee = receiver["org"] if payment == "receiver" else transporter["org"]
                self.w.add("payment", {"id": self.ids("payment"), "manifest_id": mid, "payer_id": producer["org"],
                                       "payee_id": payee, "amount": (quantity * 3).quantize(Decimal("0.01")),
                                       "paid_at": paid_at, "reference": f"BANK{mid}", "recorded_by_id": None,
                                       "recorded_at": paid_at})
        return mid

    # ---------------------------------------------------------------- the ordinary days

    def regular_day(self, day: date, count: int):
        rng = self.rng
        start = day_window(day).start
        n_vehicles = len(self.vehicles)
        for j in range(count):
            producer = self.producers[rng.randrange(len(self.producers))]
            slot = j // n_vehicles  # each vehicle makes at most one trip per two-hour slot: never overloaded
            vehicle = self.vehicles[j % n_vehicles]
            issued_at = start + timedelta(hours=7 + 2 * (slot % 4), minutes=rng.randint(0, 25))
            kind = producer["kind"]
            if kind == "medical":
                self.manifest(producer, self.receivers["hazardous"][j % 3], MEDICAL_CODE, rng.randint(20, 500),
                              issued_at, vehicle=vehicle, medical=True)
            elif kind == "hazardous":
                receiver = self.collector if producer["small"] else self.receivers["hazardous"][j % 3]
                self.manifest(producer, receiver, rng.choice(HAZARDOUS_CODES), rng.randint(50, 3000), issued_at,
                              vehicle=vehicle)
            else:
                code = rng.choice(INDUSTRIAL_CODES)
                quantity = _kg(rng.randint(500, 8000))
                extra = _kg(rng.randint(0, 2000)) if j % 10 == 0 else Decimal(0)
                bid = None
                if extra:
                    bid = self.batch(producer, code, quantity + extra, issued_at - timedelta(days=2), remaining=extra)
                self.manifest(producer, self.receivers["general"][producer["region"]], code, quantity, issued_at,
                              vehicle=vehicle, batch_id=bid)

    # ---------------------------------------------------------------- the faults

    def expect(self, code: str, key: str) -> None:
        fingerprint = f"{code}:{key}"
        self.out.expected.add(fingerprint)
        self.out.injected.setdefault(code, []).append(fingerprint)

    def own_vehicle(self):
        return (self.vehicle(self.transporters[0]), self.transporters[0])

    def producer_of(self, kind, region=None):
        for p in self.producers:
            if p["kind"] == kind and (region is None or p["region"] == region) and not p["small"]:
                return p
        raise LookupError(kind)

    def inject_faults(self):
        plan, rng = self.plan, self.rng
        last = plan.start + timedelta(days=plan.days - 1)
        mid_day = plan.start + timedelta(days=plan.days // 2)
        at = lambda d, h=9: day_window(d).start + timedelta(hours=h)  # noqa: E731
        haz, ind, med = self.producer_of("hazardous"), self.producer_of("industrial"), self.producer_of("medical")
        general = self.receivers["general"]
        hazardous_receiver = self.receivers["hazardous"][0]
        fault_day = max(plan.start + timedelta(days=3), last - timedelta(days=40))
        fault_day = min(fault_day, mid_day) if plan.days < 50 else fault_day
        early = plan.start + timedelta(days=2)
        if plan.days < 12:
            raise ValueError("a city with faults needs at least 12 days")

        def m(*args, **kw):
            kw.setdefault("vehicle", self.own_vehicle())
            return self.manifest(*args, **kw)

        mid = m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 800, at(fault_day), stop_after="pickup")
        self.expect("TRANSIT_OVERDUE", f"m:{mid}")
        mid = m(haz, hazardous_receiver, HAZARDOUS_CODES[1], 600, at(fault_day), transit=timedelta(hours=60))
        self.expect("TRANSIT_OVERDUE", f"m:{mid}")
        mid = m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 500, at(fault_day), stop_after="deliver")
        self.expect("RECEIPT_OVERDUE", f"m:{mid}")
        mid = m(haz, hazardous_receiver, HAZARDOUS_CODES[2], 500, at(fault_day), receive_delay=timedelta(days=10))
        self.expect("RECEIPT_OVERDUE", f"m:{mid}")
        mid = m(ind, general[ind["region"]], "SW03", 4000, at(fault_day), received=Decimal("3400"))
        self.expect("WEIGHT_MISMATCH", f"m:{mid}")
        bid = self.batch(med, MEDICAL_CODE, Decimal(120), at(fault_day, 8), remaining=Decimal(120))
        self.expect("STORAGE_OVERDUE", f"batch:{bid}")
        bid = self.batch(haz, HAZARDOUS_CODES[3], Decimal(900), at(fault_day) - timedelta(days=400),
                         remaining=Decimal(900))
        self.expect("STORAGE_OVERDUE", f"batch:{bid}")
        mid = m(med, hazardous_receiver, MEDICAL_CODE, 200, at(fault_day), generated_before=timedelta(hours=60),
                medical=True)
        bid = self.ids.next["batch"] - 1
        self.expect("STORAGE_OVERDUE", f"batch:{bid}")
        mid = m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 700, at(fault_day - timedelta(days=5)),
                stop_after="receive")
        self.expect("LOOP_NOT_CLOSED", f"m:{mid}")
        mid = m(haz, hazardous_receiver, HAZARDOUS_CODES[1], 700, at(fault_day - timedelta(days=5)),
                dispose_delay=timedelta(days=35))
        self.expect("LOOP_NOT_CLOSED", f"m:{mid}")
        other = next(r for region, r in general.items() if region != ind["region"])
        mid = m(ind, other, "SW17", 3000, at(fault_day))
        self.expect("JURISDICTION_BREACH", f"m:{mid}")
        far_off = _jitter(rng, *_offset(ind["lat"], ind["lon"], 5000), 10)
        mid = m(ind, general[ind["region"]], "SW03", 2000, at(fault_day), pickup_gps=far_off)
        self.expect("LOCATION_MISMATCH", f"m:{mid}:pickup")
        mid = m(haz, self.narrow, "900-249-08", 400, at(fault_day))
        self.expect("PERMIT_INVALID", f"m:{mid}:receive")
        capacity_day = max(fault_day, date(last.year, 1, 3))
        for i in range(3):
            m(haz, self.small_capacity, HAZARDOUS_CODES[0], 2000, at(capacity_day + timedelta(days=i)))
        self.expect("CAPACITY_EXCEEDED", f"org:{self.small_capacity['org']}:{capacity_day.year}")
        bid = self.batch(ind, "SW59", Decimal(1000), at(fault_day, 6), remaining=Decimal(100),
                         status="partially_shipped")
        m(ind, general[ind["region"]], "SW59", 600, at(fault_day), batch_id=bid)
        self.expect("MASS_BALANCE", f"batch:{bid}")
        mid = m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 300, at(fault_day), payment="transporter")
        payment_id = self.ids.next["payment"] - 1
        self.expect("PAYMENT_ANOMALY", f"payment:{payment_id}")
        mid = m(haz, hazardous_receiver, HAZARDOUS_CODES[0], 300, at(early), payment=None)
        self.expect("PAYMENT_ANOMALY", f"m:{mid}:unpaid")

        def tamper(events):
            receive = next(e for e in events if e["type"] == "receive")
            receive["quantity_kg"] = receive["quantity_kg"] - 50  # edited after hashing, hash left as it was

        mid = m(haz, hazardous_receiver, HAZARDOUS_CODES[2], 1000, at(fault_day), tamper=tamper)
        self.expect("CHAIN_BROKEN", f"m:{mid}")
        approval = self.ids("approval")
        self.w.add("approval", {"id": approval, "producer_id": haz["org"], "waste_codes": ["HW08"],
                                "destination_site_id": self.far["id"], "max_quantity_kg": Decimal(10000),
                                "reserved_kg": Decimal(500), "valid_from": plan.start, "valid_to": last,
                                "granted_by_id": self.user("regulator", region=CITY), "created_at": at(plan.start)})
        mid = m(haz, self.far, "900-249-08", 500, at(fault_day), approval_id=approval, transit=timedelta(hours=4))
        self.expect("LONG_DISTANCE", f"m:{mid}")
        truck = self.own_vehicle()
        m(ind, general[ind["region"]], "SW02", 22500, at(fault_day, 8), vehicle=truck, transit=timedelta(hours=3),
          pickup_delay=timedelta(minutes=30))
        mid = m(ind, general[ind["region"]], "SW02", 22500, at(fault_day, 8) + timedelta(minutes=30), vehicle=truck,
                transit=timedelta(hours=2), pickup_delay=timedelta(minutes=30))
        self.expect("OVERWEIGHT_LOAD", f"m:{mid}")
        self.fault_orgs = {"annual": haz["org"], "monthly": ind["org"]}
        # DECLARATION_MISSING: the first due dates inside the period that have production to declare
        self.missing_declarations = []
        for day in (plan.start + timedelta(days=i) for i in range(plan.days)):
            if day.day == 15 and not any(k == "monthly" for k, _ in self.missing_declarations):
                month = (day.replace(day=1) - timedelta(days=1))
                period = f"{month:%Y-%m}"
                self.batch(ind, "SW01", Decimal(5000), day_window(month.replace(day=10)).start,
                           remaining=Decimal(5000))
                self.missing_declarations.append(("monthly", period))
                self.expect("DECLARATION_MISSING", f"org:{ind['org']}:monthly:{period}")
            if (day == annual_due_date(day.year - 1, "03-31")
                    and not any(k == "annual" for k, _ in self.missing_declarations)):
                self.batch(haz, HAZARDOUS_CODES[1], Decimal(6000), day_window(date(day.year - 1, 12, 20)).start,
                           remaining=Decimal(6000))
                self.missing_declarations.append(("annual", str(day.year - 1)))
                self.expect("DECLARATION_MISSING", f"org:{haz['org']}:annual:{day.year - 1}")

    def declare(self):
        """Every producer declares what it had to, on time — except the injected omissions."""
        missing = set()
        if self.plan.faults:
            for kind, period in self.missing_declarations:
                missing.add((self.fault_orgs[kind], kind, period))
        for (org, period), kg in self.production.items():
            if kg <= 0:
                continue
            kind = "annual" if isinstance(period, int) else "monthly"
            period = str(period)
            if (org, kind, period) in missing:
                continue
            if kind == "annual":
                submitted = day_window(date(int(period) + 1, 2, 15)).start + timedelta(hours=10)
            else:
                year, month = int(period[:4]), int(period[5:])
                submitted = day_window(date(year + month // 12, month % 12 + 1, 5)).start + timedelta(hours=10)
            self.w.add("declaration", {"id": self.ids("declaration"), "organization_id": org, "period_kind": kind,
                                       "period": period, "generated_kg": _kg(kg), "stored_kg": None, "note": "",
                                       "submitted_at": submitted, "submitted_by_id": None})

    def finish_serials(self):
        for year, serial in self.serials.items():
            existing = self.c.execute(select(ManifestSerial.last_serial).where(
                ManifestSerial.city_code == CITY, ManifestSerial.year == year)).scalar()
            if existing is None:
                self.c.execute(ManifestSerial.__table__.insert().values(city_code=CITY, year=year, last_serial=serial))
            else:
                self.c.execute(ManifestSerial.__table__.update().where(
                    ManifestSerial.city_code == CITY, ManifestSerial.year == year).values(last_serial=serial))


def _offset(lat, lon, metres):
    return lat + metres / 111_320, lon


def generate_city(connection, plan: CityPlan, progress=None) -> GeneratedCity:
    """Writes a whole city through `connection` (the caller commits) and returns what was injected."""
    gen = CityGenerator(connection, plan)
    gen.build_parties()
    for i in range(plan.days):
        day = plan.start + timedelta(days=i)
        gen.regular_day(day, plan.manifests_per_day)
        if progress and (i % 10 == 9 or i == plan.days - 1):
            progress("days", i + 1, plan.days)
    if plan.faults:
        gen.inject_faults()
    if plan.declarations:
        gen.declare()
    gen.w.flush()
    gen.w.reset_sequences()
    gen.finish_serials()
    gen.out.first_day, gen.out.last_day = plan.start, plan.start + timedelta(days=plan.days - 1)
    gen.out.ids = {"hazardous_receivers": [r["org"] for r in gen.receivers["hazardous"]]}
    return gen.out
