"""The synthetic city's cast: organizations, sites, permits, vehicles and accounts, registered through the parties
service by a generator administrator, as an administrator of the product would register them."""
import math
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count

from sqlalchemy import func, select

from wastechain.domain.credit_code import make_credit_code
from wastechain.domain.vocabulary import Role
from wastechain.models import Organization, User, Vehicle
from wastechain.services.accounts import parties
from wastechain.services.accounts.auth import add_user

COUNTIES = {  # code: (name, lat, lon) — approximate county seats
    "330802": ("柯城区", 28.969, 118.873),
    "330803": ("衢江区", 28.980, 118.959),
    "330822": ("常山县", 28.901, 118.511),
    "330824": ("开化县", 29.137, 118.415),
    "330825": ("龙游县", 29.028, 119.172),
    "330881": ("江山市", 28.738, 118.627),
}
CITY = "330800"
METHODS = ["R4", "D10", "R2"]
# Generated accounts get a random password nobody is told, so the cheapest hash will do (thousands of accounts).
PASSWORD_HASH = "pbkdf2:sha256:1"
BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# People's names, drawn in turn (not from the city's random stream, so the city's figures stay as they were).
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN_NAMES = ("建国", "芳", "伟", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
               "明", "超", "秀兰", "霞", "平", "刚", "桂英", "志强", "海燕", "晓东", "丹", "文", "建华", "玉兰", "国庆")


@dataclass
class Party:
    """An organization of the city, the account that acts for it, and (for most) its one site."""

    org: int
    user: int = 0
    site: int = 0
    region: str = ""
    lat: float = 0.0
    lon: float = 0.0
    kind: str = ""  # producers: hazardous | industrial | medical
    small: bool = False  # a small hazardous producer, shipping to the collector


def jitter(rng, lat, lon, metres):
    """A point within `metres` of (lat, lon)."""
    d = rng.uniform(0, metres)
    angle = rng.uniform(0, 2 * math.pi)
    return (round(lat + d * math.cos(angle) / 111_320, 6),
            round(lon + d * math.sin(angle) / (111_320 * math.cos(math.radians(lat))), 6))


def _base36(n: int, width: int) -> str:
    digits = ""
    for _ in range(width):
        n, r = divmod(n, 36)
        digits = BASE36[r] + digits
    return digits


class Cast:
    """Everyone in the city. Names, credit codes and plates continue after what the database holds, so a second city
    (or one after a failed run) never collides: each counter starts above the largest id of what it names."""

    def __init__(self, session, rng):
        self.session, self.rng = session, rng
        self.password = secrets.token_urlsafe(18)
        self.tag = session.scalar(select(func.coalesce(func.max(User.id), 0)))  # usernames, permit numbers
        self.serial = count(1)
        self.people = count(0)
        self.bodies = count(session.scalar(select(func.coalesce(func.max(Organization.id), 0))) + 1)
        self.plates = count(session.scalar(select(func.coalesce(func.max(Vehicle.id), 0))) + 1)
        self.declarers: dict[int, int] = {}  # organization → the account that files its declarations
        self.admin = add_user(session, username=self.name("admin"), password=self.password, role=Role.ADMIN,
                              hash_method=PASSWORD_HASH)
        session.commit()

    def name(self, what: str) -> str:
        return f"gen{self.tag}-{what}{next(self.serial)}"

    def person(self) -> str:
        """A realistic Chinese name for the next account (王建国, 李芳, …)."""
        n = next(self.people)
        return SURNAMES[n % len(SURNAMES)] + GIVEN_NAMES[(n // len(SURNAMES) + n) % len(GIVEN_NAMES)]

    def org(self, name: str, roles: list[str], region: str) -> int:
        body = f"G{next(self.bodies):07d}"
        return parties.create_organization(self.session, actor=self.admin, name=name, region_code=region,
                                           roles=roles, credit_code=make_credit_code(region, body)).id

    def site(self, org: int, kind: str, region: str, lat: float, lon: float, name: str) -> Party:
        lat, lon = jitter(self.rng, lat, lon, 6000)
        site = parties.add_site(self.session, actor=self.admin, organization_id=org, name=name, kind=kind,
                                region_code=region, address=f"{COUNTIES.get(region, ('',))[0]}{name}", lat=lat, lon=lon)
        return Party(org=org, site=site.id, region=region, lat=lat, lon=lon)

    def user(self, role: str, org: int | None = None, region: str | None = None) -> int:
        return parties.create_user(self.session, actor=self.admin, username=self.name(role), password=self.password,
                                   role=role, hash_method=PASSWORD_HASH, organization_id=org, region_code=region,
                                   display_name=self.person()).id

    def permit(self, org: int, kind: str, codes: list[str], capacity: Decimal | None = None,
               valid_to: date = date(2035, 12, 31)) -> None:
        parties.add_permit(self.session, actor=self.admin, organization_id=org, number=self.name("permit"), kind=kind,
                           valid_from=date(2015, 1, 1), valid_to=valid_to, waste_codes=codes,
                           methods=METHODS if kind == "hw_operation" else [], annual_capacity_kg=capacity)

    def vehicle(self, transporter: Party) -> tuple[int, Party]:
        plate = "浙HG" + _base36(next(self.plates), 5)
        return parties.add_vehicle(self.session, actor=self.admin, organization_id=transporter.org,
                                   plate=plate).id, transporter

    def receiver(self, name: str, region: str, codes: list[str] | None, capacity=Decimal("500000000"),
                 roles=("receiver",), kind="facility", lat=None, lon=None) -> Party:
        county, seat_lat, seat_lon = COUNTIES.get(region, ("", lat, lon))
        org = self.org(f"{county}{name}", list(roles), region)
        if codes:
            self.permit(org, "hw_operation", codes, capacity)
        party = self.site(org, kind, region, lat or seat_lat, lon or seat_lon, name)
        party.user = self.user(Role.COLLECTOR if "collector" in roles else Role.RECEIVER, org)
        return party

    def transporter(self, name: str, region: str, permit_to: date = date(2035, 12, 31)) -> Party:
        org = self.org(name, ["transporter"], region)
        self.permit(org, "hw_transport", [], valid_to=permit_to)
        return Party(org=org, user=self.user(Role.DRIVER, org), region=region)

    def populate(self, plan) -> None:
        """The receivers, the collector, transporters and their vehicles, producers and regulators of a plan."""
        counties = list(COUNTIES)
        self.receivers = {"hazardous": [self.receiver("危险废物处置有限公司", region, ["HW01", "HW08", "HW12", "HW17", "HW49"])
                                        for region in ("330803", "330825", "330881")],
                          "general": {region: self.receiver("一般工业固废综合利用厂", region, None) for region in counties}}
        self.collector = self.receiver("小微企业危废收集转运中心", "330802", ["HW08", "HW12", "HW17", "HW49"],
                                       roles=("collector", "receiver"), kind="storage")
        self.declarers[self.collector.org] = self.collector.user
        n_vehicles = max(4, math.ceil(plan.manifests_per_day / 4) + 1)
        n_transporters = max(2, min(60, n_vehicles // 20 + 1))
        self.transporters = [self.transporter(f"{COUNTIES[counties[i % 6]][0]}安达危货运输{i + 1}号公司", counties[i % 6])
                             for i in range(n_transporters)]
        self.vehicles = [self.vehicle(self.transporters[i % n_transporters]) for i in range(n_vehicles)]
        self.producers = []
        kinds = ["hazardous"] * 5 + ["industrial"] * 3 + ["medical"] * 2
        for i in range(plan.producers or max(12, min(20000, plan.manifests_per_day * 3))):
            region, kind = counties[i % 6], kinds[i % len(kinds)]
            label = {"hazardous": "化工", "industrial": "建材", "medical": "医院"}[kind]
            name, lat, lon = COUNTIES[region]
            org = self.org(f"{name}{label}{i + 1}号单位", ["producer"], region)
            producer = self.site(org, "production", region, lat, lon, f"{label}厂区")
            producer.user, producer.kind = self.user(Role.PRODUCER, org), kind
            producer.small = kind == "hazardous" and region in ("330802", "330803") and i % 3 == 0
            self.declarers[org] = producer.user
            self.producers.append(producer)
        for region in counties:
            self.user(Role.REGULATOR, region=region)
        self.city_regulator = self.user(Role.REGULATOR, region=CITY)
