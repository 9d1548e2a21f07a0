"""A small Quzhou world for trying the product: enterprises in several counties, a transporter with drivers,
receivers with permits, regulators per level, manifests in every state, four problems and the past week's
nightly reconciliation — all made through the services, each action at its own moment of the past days."""
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from wastechain.devdata import session_for
from wastechain.domain.credit_code import make_credit_code
from wastechain.domain.timeutil import local_date
from wastechain.domain.vocabulary import Role
from wastechain.models import User
from wastechain.services import manifests, reconciliation
from wastechain.services.accounts import parties
from wastechain.services.accounts.auth import add_user
from wastechain.services.manifests import handover
from wastechain.services.storage import batches
from wastechain.settings import Settings

ADMIN = "admin"


def _accounts(chem, clinic, food, burner, reuse, collector, carrier):
    """(login, role, organization, jurisdiction, the person's name): every account is a named person."""
    return [
        ("quzhou_eb", Role.REGULATOR, None, "330800", "陈志强"),
        ("kecheng_eb", Role.REGULATOR, None, "330802", "王建国"),
        ("kecheng_eb2", Role.REGULATOR, None, "330802", "李芳"),
        ("changshan_eb", Role.REGULATOR, None, "330822", "刘洋"),
        ("chem_producer", Role.PRODUCER, chem, None, "张伟"),
        ("clinic_producer", Role.PRODUCER, clinic, None, "周敏"),
        ("food_producer", Role.PRODUCER, food, None, "徐丽华"),
        ("burner_receiver", Role.RECEIVER, burner, None, "杨帆"),
        ("reuse_receiver", Role.RECEIVER, reuse, None, "吴海燕"),
        ("collector", Role.COLLECTOR, collector, None, "郑国庆"),
        ("carrier", Role.TRANSPORTER, carrier, None, "孙明"),
        ("driver1", Role.DRIVER, carrier, None, "赵磊"),
        ("driver2", Role.DRIVER, carrier, None, "钱勇"),
    ]


DEMO_LOGINS = [
    (ADMIN, "系统管理员"),
    ("quzhou_eb", "衢州市生态环境局（全市监管）陈志强"),
    ("kecheng_eb", "柯城分局（柯城区监管）王建国"),
    ("kecheng_eb2", "柯城分局（柯城区监管）李芳"),
    ("changshan_eb", "常山分局（常山县监管）刘洋"),
    ("chem_producer", "产废企业：衢州示范氟化工（柯城）"),
    ("clinic_producer", "产废单位：龙游县人民医院（医疗废物）"),
    ("food_producer", "产废企业：常山胡柚食品（一般工业固废）"),
    ("burner_receiver", "接收单位：衢州危险废物焚烧处置中心（衢江）"),
    ("reuse_receiver", "接收单位：常山一般固废综合利用厂"),
    ("collector", "收集单位：江山市小微企业危废收集转运中心"),
    ("carrier", "运输单位：衢州安运危险货物运输"),
    ("driver1", "驾驶员（浙H12345）"),
    ("driver2", "驾驶员"),
]


def seed_demo(bind, *, password: str, settings: Settings, now: datetime) -> bool:
    """Creates the demo world once and reconciles its past week; False when it was already there (a second run
    changes nothing)."""
    hash_method, thresholds, secret = settings.password_hash_method, settings.thresholds, settings.secret_key
    with session_for(bind, settings) as session:
        if session.scalar(select(User.id).where(User.username == "kecheng_eb")) is not None:
            return False
        _build(session, password=password, hash_method=hash_method, now=now, secret=secret)
        for days_ago in range(7, 0, -1):  # the past week's nightly runs, so the regulators' report has content
            reconciliation.reconcile_day(session, actor=None, day=local_date(now) - timedelta(days=days_ago), now=now,
                                    thresholds=thresholds, secret=secret)
    return True


def _build(session, *, password: str, hash_method: str, now: datetime, secret: str) -> None:
    admin = session.scalar(select(User).where(User.username == ADMIN))
    if admin is None:
        admin = add_user(session, username=ADMIN, password=password, role=Role.ADMIN, hash_method=hash_method)
    session.commit()

    def org(name, region, roles, body):
        return parties.create_organization(session, actor=admin, name=name, region_code=region, roles=roles,
                                           credit_code=make_credit_code(region, body))

    def site(owner, name, kind, lat, lon, address):
        return parties.add_site(session, actor=admin, organization_id=owner.id, name=name, kind=kind,
                                region_code=owner.region_code, address=address, lat=lat, lon=lon)

    chem = org("衢州示范氟化工有限公司", "330802", ["producer"], "MA2C0001")
    chem_site = site(chem, "柯城厂区危废贮存库", "storage", 28.9703, 118.8593, "柯城区示范路 1 号")
    clinic = org("龙游县人民医院", "330825", ["producer"], "MA2C0002")
    clinic_site = site(clinic, "医疗废物暂存间", "storage", 29.0283, 119.1722, "龙游县荣昌大道 9 号")
    food = org("常山胡柚食品有限公司", "330822", ["producer"], "MA2C0003")
    food_site = site(food, "常山生产车间", "production", 28.9012, 118.5110, "常山县天马街道")
    burner = org("衢州危险废物焚烧处置中心", "330803", ["receiver"], "MA2C0004")
    burner_site = site(burner, "衢江焚烧厂", "facility", 28.9795, 118.9595, "衢江区高新园区")
    reuse = org("常山一般固废综合利用厂", "330822", ["receiver"], "MA2C0005")
    reuse_site = site(reuse, "常山利用车间", "facility", 28.9150, 118.5300, "常山县辉埠镇")
    collector = org("江山市小微企业危废收集转运中心", "330881", ["collector"], "MA2C0006")
    site(collector, "江山收集中心贮存库", "storage", 28.7371, 118.6270, "江山市经济开发区")
    carrier = org("衢州安运危险货物运输有限公司", "330802", ["transporter"], "MA2C0007")

    year_start, year_end = date(now.year, 1, 1), date(now.year + 2, 12, 31)
    parties.add_permit(session, actor=admin, organization_id=burner.id, number="浙危废经第3308001号",
                       kind="hw_operation", valid_from=year_start, valid_to=year_end,
                       waste_codes=["HW01", "HW08", "HW32", "HW49"], methods=["D10", "R4"],
                       annual_capacity_kg=Decimal("30000000"))
    parties.add_permit(session, actor=admin, organization_id=collector.id, number="浙危废经第3308101号",
                       kind="hw_operation", valid_from=year_start, valid_to=year_end,
                       waste_codes=["HW08", "HW49"], methods=["C1"], annual_capacity_kg=Decimal("2000000"))
    parties.add_permit(session, actor=admin, organization_id=carrier.id, number="浙交运管许可衢字330800001号",
                       kind="hw_transport", valid_from=year_start, valid_to=year_end, waste_codes=[], methods=[],
                       annual_capacity_kg=None)
    truck = parties.add_vehicle(session, actor=admin, organization_id=carrier.id, plate="浙H12345",
                                max_load_kg=Decimal("10000"))
    parties.add_vehicle(session, actor=admin, organization_id=carrier.id, plate="浙H6789D")

    users = {}
    for username, role, owner, region, name in _accounts(chem, clinic, food, burner, reuse, collector, carrier):
        users[username] = parties.create_user(session, actor=admin, username=username, password=password, role=role,
                                              hash_method=hash_method, organization_id=owner.id if owner else None,
                                              region_code=region, display_name=name)

    def ago(hours):  # every action happens at its own moment of the past days: `now` for the service is that moment
        return now - timedelta(hours=hours)

    def batch(user, source, code, kg, hours_ago):
        return batches.register_batch(session, actor=users[user], site_id=source.id, waste_code=code,
                                      quantity_kg=Decimal(kg), generated_at=ago(hours_ago), now=ago(hours_ago))

    issuers = {}

    def issue(user, source, kg, receiver_site, hours_ago):
        manifest = manifests.issue_manifest(
            session, actor=users[user], lines=[manifests.LineRequest(batch_id=source.id, quantity_kg=Decimal(kg))],
            receiver_site_id=receiver_site.id, transporter_id=carrier.id, vehicle_id=truck.id,
            planned_pickup_at=ago(hours_ago - 2), now=ago(hours_ago))
        issuers[manifest.id] = users[user]
        return manifest

    def request(manifest, step_type, hours_ago, **fields):
        return manifests.StepRequest(type=step_type, idempotency_key=f"demo-{manifest.id}-{step_type}",
                                     occurred_at=ago(hours_ago), **fields)

    def step(manifest, step_type, user, hours_ago, **fields):
        manifests.record_step(session, actor=users[user], manifest_id=manifest.id, now=ago(hours_ago),
                              request=request(manifest, step_type, hours_ago, **fields))

    def pickup(manifest, driver, hours_ago, kg, lat, lon):
        """The producer's gate gives the driver its one-time handover code, and the pickup is confirmed with it."""
        code = handover.issue_code(session, actor=issuers[manifest.id], manifest_id=manifest.id, secret=secret,
                                   now=ago(hours_ago + 0.05)).code
        handover.confirm_pickup(session, actor=users[driver], manifest_id=manifest.id, code=code, secret=secret,
                                now=ago(hours_ago), request=request(manifest, "pickup", hours_ago,
                                                                    quantity_kg=Decimal(kg), lat=lat, lon=lon))

    sludge = batch("chem_producer", chem_site, "900-041-49", "8000", 120)
    oil = batch("chem_producer", chem_site, "900-249-08", "3000", 100)
    sharps = batch("clinic_producer", clinic_site, "841-002-01", "85.5", 20)
    residue = batch("food_producer", food_site, "SW13", "12000", 60)

    issue("chem_producer", sludge, "1000", burner_site, 3)  # issued, waiting for the truck
    moving = issue("chem_producer", sludge, "1500", burner_site, 30)
    pickup(moving, "driver1", 26, "1500", 28.9703, 118.8593)
    arrived = issue("chem_producer", oil, "800", burner_site, 50)
    pickup(arrived, "driver1", 48, "800", 28.9704, 118.8591)
    step(arrived, "deliver", "driver1", 47, lat=28.9795, lon=118.9596)
    received = issue("clinic_producer", sharps, "40", burner_site, 20)
    pickup(received, "driver2", 19, "40", 29.0283, 119.1722)
    step(received, "deliver", "driver2", 18, lat=28.9795, lon=118.9595)
    step(received, "receive", "burner_receiver", 17, quantity_kg=Decimal("40"), accepted_kg=Decimal("40"))
    refused = issue("chem_producer", oil, "500", burner_site, 72)
    pickup(refused, "driver2", 70, "500", 28.9703, 118.8593)
    step(refused, "deliver", "driver2", 69, lat=28.9795, lon=118.9595)
    step(refused, "receive", "burner_receiver", 68, quantity_kg=Decimal("500"), accepted_kg=Decimal("0"),
         rejected_kg=Decimal("500"), reason="包装破损、标签与联单不符")
    closed = issue("food_producer", residue, "5000", reuse_site, 60)
    pickup(closed, "driver1", 58, "5000", 28.9012, 118.5110)
    step(closed, "deliver", "driver1", 57, lat=28.9150, lon=118.5300)
    step(closed, "receive", "reuse_receiver", 56, quantity_kg=Decimal("4990"), accepted_kg=Decimal("4990"))
    step(closed, "dispose", "reuse_receiver", 30, quantity_kg=Decimal("4990"), method="R4")
    cancelled = issue("chem_producer", sludge, "300", burner_site, 10)
    step(cancelled, "cancel", "chem_producer", 9, reason="车辆临时调度，改期转移")

    # What a regulator should find the next morning: a truck that never arrived, a load that lost 15 % on the
    # way, a pickup scanned 30 km from the gate (no handover code there: the gate never saw the truck), medical
    # waste kept past 48 hours.
    lost = issue("chem_producer", sludge, "1200", burner_site, 100)
    pickup(lost, "driver1", 98, "1200", 28.9703, 118.8593)
    light = issue("chem_producer", oil, "1000", burner_site, 96)
    step(light, "pickup", "driver2", 94, quantity_kg=Decimal("1000"), lat=29.2450, lon=118.8593)
    step(light, "deliver", "driver2", 92, lat=28.9795, lon=118.9595)
    step(light, "receive", "burner_receiver", 91, quantity_kg=Decimal("850"), accepted_kg=Decimal("850"))
    batch("clinic_producer", clinic_site, "841-001-01", "42.3", 90)
