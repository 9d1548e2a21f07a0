"""Builders of test data (real rows in the real database) and a small API client."""
import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from werkzeug.security import generate_password_hash

from wastechain.devdata.faults import as_database_administrator  # noqa: F401  (the one way tests edit events)
from wastechain.domain.credit_code import make_credit_code
from wastechain.models import Batch, Organization, Permit, Site, User, Vehicle

PASSWORD = "password123"
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_serial = itertools.count(1)

KECHENG, QUJIANG, CHANGSHAN, KAIHUA, LONGYOU, JIANGSHAN = "330802", "330803", "330822", "330824", "330825", "330881"
QUZHOU = "330800"
HANGZHOU_SHANGCHENG = "330102"
NOW = datetime.now(timezone.utc)


def make_org(session, *, name: str, roles: list[str], region: str = KECHENG) -> Organization:
    n = next(_serial)
    org = Organization(name=name, credit_code=make_credit_code(region, f"{n:08d}"), region_code=region, roles=roles)
    session.add(org)
    session.flush()
    return org


def make_site(session, org: Organization, *, kind: str = "production", region: str | None = None,
              name: str | None = None, lat: float = 28.97, lon: float = 118.87) -> Site:
    site = Site(organization_id=org.id, name=name or f"{org.name}{kind}场所", kind=kind,
                region_code=region or org.region_code, address="测试地址", lat=lat, lon=lon)
    session.add(site)
    session.flush()
    return site


def make_user(session, *, username: str, role: str, org: Organization | None = None, region: str | None = None) -> User:
    user = User(username=username, password_hash=_HASH, role=role, organization_id=org.id if org else None,
                region_code=region)
    session.add(user)
    session.flush()
    return user


def make_permit(session, org: Organization, *, kind: str = "hw_operation", codes=("HW01", "HW08", "HW49"),
                methods=("R4", "D10"), capacity: str | None = "1000000", valid_from: date | None = None,
                valid_to: date | None = None) -> Permit:
    permit = Permit(organization_id=org.id, number=f"ZJ-{kind}-{next(_serial):05d}", kind=kind,
                    valid_from=valid_from or date(2020, 1, 1), valid_to=valid_to or date(2035, 12, 31),
                    waste_codes=list(codes), methods=list(methods),
                    annual_capacity_kg=Decimal(capacity) if capacity else None)
    session.add(permit)
    session.flush()
    return permit


def make_batch(session, org: Organization, site: Site, *, code: str = "900-041-49", kg: str = "1000",
               generated_at: datetime | None = None) -> Batch:
    n = next(_serial)
    quantity = Decimal(kg)
    batch = Batch(unit_code=f"{org.credit_code}{code.replace('-', '')[:8].ljust(8, '0')}20260101{n % 1000:03d}",
                  organization_id=org.id, site_id=site.id, waste_code=code, quantity_kg=quantity,
                  remaining_kg=quantity, status="stored", generated_at=generated_at or NOW - timedelta(days=1))
    session.add(batch)
    session.flush()
    return batch


@dataclass
class World:
    """A small Quzhou: a producer in 柯城, a receiver in 衢江, a transporter, regulators, and outsiders."""

    producer: Organization
    producer_site: Site
    receiver: Organization
    receiver_site: Site
    transporter: Organization
    vehicle: Vehicle
    other_producer: Organization
    other_site: Site
    far_receiver: Organization
    far_site: Site
    county_receiver: Organization
    county_site: Site
    extra: dict = field(default_factory=dict)


def build_world(session) -> World:
    producer = make_org(session, name="衢州示范化工有限公司", roles=["producer"], region=KECHENG)
    producer_site = make_site(session, producer, kind="production")
    receiver = make_org(session, name="衢州危废处置中心", roles=["receiver"], region=QUJIANG)
    receiver_site = make_site(session, receiver, kind="facility", lat=28.98, lon=118.95)
    make_permit(session, receiver)
    transporter = make_org(session, name="衢州安运物流", roles=["transporter"], region=KECHENG)
    make_permit(session, transporter, kind="hw_transport", codes=(), methods=())
    vehicle = Vehicle(organization_id=transporter.id, plate="浙H12345")
    session.add(vehicle)
    other_producer = make_org(session, name="江山另一家制造厂", roles=["producer"], region=JIANGSHAN)
    other_site = make_site(session, other_producer)
    far_receiver = make_org(session, name="杭州远方处置公司", roles=["receiver"], region=HANGZHOU_SHANGCHENG)
    far_site = make_site(session, far_receiver, kind="facility", lat=30.25, lon=120.17)
    make_permit(session, far_receiver)
    county_receiver = make_org(session, name="柯城区一般固废利用厂", roles=["receiver"], region=KECHENG)
    county_site = make_site(session, county_receiver, kind="facility")
    make_user(session, username="admin", role="admin")
    make_user(session, username="producer", role="producer", org=producer)
    make_user(session, username="other_producer", role="producer", org=other_producer)
    make_user(session, username="receiver", role="receiver", org=receiver)
    make_user(session, username="county_receiver", role="receiver", org=county_receiver)
    make_user(session, username="far_receiver", role="receiver", org=far_receiver)
    make_user(session, username="transporter", role="transporter", org=transporter)
    make_user(session, username="driver", role="driver", org=transporter)
    make_user(session, username="driver2", role="driver", org=transporter)
    make_user(session, username="city_regulator", role="regulator", region=QUZHOU)
    make_user(session, username="kecheng_regulator", role="regulator", region=KECHENG)
    make_user(session, username="jiangshan_regulator", role="regulator", region=JIANGSHAN)
    make_user(session, username="hangzhou_regulator", role="regulator", region="330100")
    session.commit()
    return World(producer, producer_site, receiver, receiver_site, transporter, vehicle, other_producer, other_site,
                 far_receiver, far_site, county_receiver, county_site)


class Api:
    """The test client with a bearer token per username: api.post("/manifests", {...}, as_="producer")."""

    def __init__(self, client):
        self.client = client
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._tokens:
            response = self.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            assert response.status_code == 200, response.json
            self._tokens[username] = response.json["token"]
        return self._tokens[username]

    def _headers(self, as_: str | None) -> dict:
        return {"Authorization": f"Bearer {self.token(as_)}"} if as_ else {}

    def get(self, path: str, *, as_: str | None = None, **kwargs):
        return self._checked(self.client.get("/api/v1" + path, headers=self._headers(as_), **kwargs))

    def post(self, path: str, body: dict | None = None, *, as_: str | None = None):
        return self._checked(self.client.post("/api/v1" + path, json=body, headers=self._headers(as_)))

    def patch(self, path: str, body: dict | None = None, *, as_: str | None = None):
        return self._checked(self.client.patch("/api/v1" + path, json=body, headers=self._headers(as_)))

    @staticmethod
    def _checked(response):
        assert response.status_code < 500, response.get_data(as_text=True)[:2000]
        return response

    # shortcuts for the common path through the chain

    def issue(self, world: World, batch: Batch, kg: str = "100", *, as_: str = "producer", receiver_site=None,
              **extra):
        body = {"lines": [{"batch_id": batch.id, "quantity_kg": Decimal(kg)}],
                "receiver_site_id": (receiver_site or world.receiver_site).id, "transporter_id": world.transporter.id,
                "planned_pickup_at": (NOW + timedelta(hours=2)).isoformat(), **extra}
        return self.post("/manifests", body, as_=as_)

    def step(self, manifest_id: int, type_: str, *, as_: str, key: str | None = None, **fields):
        """A step as a client sends it; a pickup carries the producer's one-time code unless the test says
        otherwise (handover_code=None sends none, as does a handover_exception_reason)."""
        if type_ == "pickup" and "handover_code" not in fields and "handover_exception_reason" not in fields:
            fields["handover_code"] = self.handover_code(manifest_id)
        fields = {name: value for name, value in fields.items() if not (name == "handover_code" and value is None)}
        body = {"type": type_, "idempotency_key": key or f"{type_}-{manifest_id}-{next(_serial)}", **fields}
        return self.post(f"/manifests/{manifest_id}/events", body, as_=as_)

    ISSUERS = ("producer", "other_producer", "small", "collector", "receiver", "county_receiver")

    def handover_code(self, manifest_id: int) -> str | None:
        """The producer's one-time code, from POST /manifests/{id}/handover-code as whichever test user issued the
        manifest; None when no code can be had (e.g. not awaiting pickup: the step's own refusal says why)."""
        for username in self.ISSUERS:
            if not self._can_log_in(username):
                continue
            response = self.client.post(f"/api/v1/manifests/{manifest_id}/handover-code",
                                        headers=self._headers(username))
            if response.status_code == 401:  # the token expired while a test moved the clock
                del self._tokens[username]
                response = self.client.post(f"/api/v1/manifests/{manifest_id}/handover-code",
                                            headers=self._headers(username))
            if response.status_code == 201:
                return response.json["code"]
            if response.status_code not in (403, 404):
                return None
        return None

    def _can_log_in(self, username: str) -> bool:
        if username not in self._tokens:
            response = self.client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
            if response.status_code != 200:
                return False
            self._tokens[username] = response.json["token"]
        return True


# ---- added for the API tests of issue 2 (only additions below) ----

def make_vehicle(session, org: Organization, *, plate: str | None = None) -> Vehicle:
    vehicle = Vehicle(organization_id=org.id, plate=plate or f"浙H{next(_serial) % 100000:05d}")
    session.add(vehicle)
    session.flush()
    return vehicle


def make_approval(session, *, producer: Organization, destination: Site, codes=("900-041-49",), kg: str = "500",
                  granted_by: User | None = None, valid_from: date | None = None, valid_to: date | None = None):
    from wastechain.models import Approval

    granted_by = granted_by or session.query(User).filter_by(role="regulator").first()
    approval = Approval(producer_id=producer.id, waste_codes=list(codes), destination_site_id=destination.id,
                        max_quantity_kg=Decimal(kg), reserved_kg=Decimal(0),
                        valid_from=valid_from or date(2020, 1, 1), valid_to=valid_to or date(2035, 12, 31),
                        granted_by_id=granted_by.id)
    session.add(approval)
    session.flush()
    return approval


def user_named(session, username: str) -> User:
    from sqlalchemy import select

    user = session.scalar(select(User).where(User.username == username))
    session.commit()  # on SQLite every transaction holds the write lock: never leave one open while the app writes
    return user


def make_rival_transporter(session, *, region: str = KECHENG) -> Organization:
    """Another licensed transporter, with a driver "rival_driver" and a vehicle."""
    rival = make_org(session, name="另一家运输公司", roles=["transporter"], region=region)
    make_permit(session, rival, kind="hw_transport", codes=(), methods=())
    make_vehicle(session, rival)
    make_user(session, username="rival_driver", role="driver", org=rival)
    session.commit()
    return rival


# ---- added for storage, containers and lineage (issue 4; only additions below) ----

def build_collection(session, world: World) -> dict:
    """A 小微收集中心 in 柯城 (user "collector") with a licensed storage site, and a third small producer "small"."""
    collector = make_org(session, name="柯城小微危废收集中心", roles=["collector"], region=KECHENG)
    collector_site = make_site(session, collector, kind="storage", name="收集中心贮存库")
    make_permit(session, collector, codes=("HW01", "HW08", "HW49"), methods=("C1",))
    make_user(session, username="collector", role="collector", org=collector)
    small = make_org(session, name="衢江小型汽修厂", roles=["producer"], region=QUJIANG)
    small_site = make_site(session, small)
    make_user(session, username="small", role="producer", org=small)
    session.commit()
    world.extra.update(collector=collector, collector_site=collector_site, small=small, small_site=small_site)
    return world.extra


def lines_body(world: World, lines: list[tuple[int, str]], receiver_site: Site, **extra) -> dict:
    """A manifest body with several (batch_id, kg) lines."""
    return {"lines": [{"batch_id": b, "quantity_kg": Decimal(kg)} for b, kg in lines],
            "receiver_site_id": receiver_site.id, "transporter_id": world.transporter.id,
            "planned_pickup_at": (NOW + timedelta(hours=2)).isoformat(), **extra}


def make_anomaly(session, *, code: str = "TRANSIT_OVERDUE", region: str = KECHENG, org: Organization | None = None,
                 day: date | None = None, status: str = "open", severity: str = "high", related: str | None = None,
                 manifest_id: int | None = None, evidence: dict | None = None):
    """An anomaly row as the reconciliation would write it (issue 5)."""
    from wastechain.models import Anomaly

    n = next(_serial)
    anomaly = Anomaly(fingerprint=f"{code}:test:{n}", code=code, severity=severity, status=status,
                      day=day or (NOW - timedelta(days=1)).date(), source="nightly", subject_type="manifest",
                      subject_id=manifest_id, subject_label=f"TEST{n}", region_code=region,
                      related_region_code=related, organization_id=org.id if org else None, manifest_id=manifest_id,
                      evidence=evidence or {"rule": "test", "hours_in_transit": 60}, detected_at=NOW,
                      status_changed_at=NOW)
    session.add(anomaly)
    session.commit()
    return anomaly


# ---- added so that refusals say what they refuse and that nothing changed (only additions below) ----

def assert_refused(response, status: int, code: str) -> dict:
    """The response is API.md's error shape with this status and error code; returns the error for more checks."""
    body = response.get_json(silent=True) or {}
    assert response.status_code == status, (response.status_code, body or response.get_data(as_text=True)[:500])
    error = body.get("error") or {}
    assert error.get("code") == code, body
    assert error.get("message"), body
    return error


def manifest_state(api: Api, manifest_id: int) -> tuple[str, int]:
    """The manifest's status and number of events, as the administrator (who sees every manifest) reads them."""
    response = api.get(f"/manifests/{manifest_id}", as_="admin")
    assert response.status_code == 200, response.json
    return response.json["status"], len(response.json["events"])


def batch_state(api: Api, batch_id: int) -> tuple[Decimal, str]:
    """The batch's remaining quantity and status, as the administrator reads them."""
    response = api.get(f"/batches/{batch_id}", as_="admin")
    assert response.status_code == 200, response.json
    return Decimal(str(response.json["remaining_kg"])), response.json["status"]


def row_count(session, model) -> int:
    """The number of rows of a model's table, read in a transaction closed at once (see user_named)."""
    from sqlalchemy import func, select

    count = session.scalar(select(func.count()).select_from(model))
    session.commit()
    return count


def run_checks(app) -> int:
    """What the run-checks worker does (`flask run-checks`): the run-time checks of the steps recorded so far."""
    from wastechain.services.outbox import drain

    settings = app.extensions["wastechain.settings"]
    with app.extensions["wastechain.sessions"]() as session:
        return drain(session, now=settings.now, thresholds=settings.thresholds)
