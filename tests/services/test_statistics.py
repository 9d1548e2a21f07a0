"""The regulators' figures on a synthetic city with known totals: the daily rollups, the dashboard's KPIs and the
county-to-county flows say exactly what the simulation did; a county regulator's figures are its county's only."""
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.factories import KECHENG, QUJIANG
from wastechain.devdata.city import CityPlan, generate_city
from wastechain.devdata.synthetic import stream_of
from wastechain.domain.timeutil import local_date
from wastechain.models import Batch, DailyFigures, DailyFlow, Site, User
from wastechain.services.statistics import rebuild_rollups, refresh_rollups
from wastechain.services.statistics.assessment import county_assessment
from wastechain.services.statistics.capacity import capacity_matching
from wastechain.services.statistics.dashboard import dashboard
from wastechain.services.statistics.rollups import first_day_of_history

START = date(2026, 3, 2)
DAYS = 10
LAST = START + timedelta(days=DAYS - 1)
TAIL = LAST + timedelta(days=12)  # every step of the period's manifests has happened by then


@pytest.fixture
def city(app, session):
    plan = CityPlan(start=START, days=DAYS, manifests_per_day=6, faults=False, declarations=False, tail_until=TAIL)
    generated = generate_city(app.extensions["wastechain.engine"], plan)
    rebuild_rollups(session, first_day_of_history(session), TAIL)
    session.commit()
    return generated


def truth(city, what: str) -> dict:
    return {key[1:]: value for key, value in city.truth.items() if key[0] == what and value}


def rolled(session, column, *keys) -> dict:
    rows = session.execute(select(*keys, func.sum(column)).group_by(*keys)).all()
    return {tuple(row[:-1]): row[-1] for row in rows if row[-1]}


def regulator(session, region: str) -> User:
    return session.scalars(select(User).where(User.role == "regulator", User.region_code == region)).first()


def test_the_rollups_hold_what_the_city_produced_transferred_disposed_and_issued(session, city):
    F = DailyFigures
    assert rolled(session, F.produced_kg, F.day, F.region_code, F.stream) == truth(city, "produced")
    assert rolled(session, F.disposed_kg, F.day, F.region_code, F.stream) == truth(city, "disposed")
    assert rolled(session, F.manifests_issued, F.day, F.region_code) == truth(city, "issued")
    assert sum(truth(city, "issued").values()) == city.manifests
    flows = rolled(session, DailyFlow.kg, DailyFlow.day, DailyFlow.origin_region_code,
                   DailyFlow.destination_region_code, DailyFlow.stream)
    assert flows == truth(city, "transferred")


def test_storage_changes_add_up_to_what_lies_in_storage_per_county(session, city):
    in_storage = dict(session.execute(select(Site.region_code, func.sum(Batch.remaining_kg))
                                      .join(Site, Site.id == Batch.site_id).group_by(Site.region_code)).all())
    changes = rolled(session, DailyFigures.storage_change_kg, DailyFigures.region_code)
    assert {region: kg for (region,), kg in changes.items()} == {r: kg for r, kg in in_storage.items() if kg}
    assert sum(in_storage.values()) > 0


def test_the_city_dashboard_totals_the_period_and_every_manifest_closes_on_time(session, city):
    data = dashboard(session, actor=regulator(session, "330800"), date_from=START, date_to=LAST, today=TAIL)
    in_period = lambda what: sum(v for k, v in truth(city, what).items() if START <= k[0] <= LAST)  # noqa: E731
    kpis = data["kpis"]
    assert kpis["produced_kg"] == in_period("produced")
    assert kpis["transferred_kg"] == in_period("transferred")
    assert kpis["disposed_kg"] == in_period("disposed")
    assert kpis["manifests_issued"] == in_period("issued") == DAYS * 6
    assert kpis["closed_loop_rate"] == Decimal(1) and kpis["on_time_receipt_rate"] == Decimal(1)
    assert data["trend"]["labels"][0] == START.isoformat() and len(data["trend"]["labels"]) == DAYS
    assert sum(data["trend"]["series"]["manifests_issued"]) == DAYS * 6
    links = [link for chart in data["sankey"].values() for link in chart["links"]]
    assert sum(link["kg"] for link in links) == in_period("transferred")


def test_a_county_regulator_sees_its_county_only(session, city):
    data = dashboard(session, actor=regulator(session, KECHENG), date_from=START, date_to=LAST, today=TAIL)
    produced = sum(v for (day, region, _s), v in truth(city, "produced").items()
                   if region == KECHENG and START <= day <= LAST)
    assert data["kpis"]["produced_kg"] == produced
    others = sum(v for (day, region, _s), v in truth(city, "produced").items() if region != KECHENG)
    assert others > 0
    for chart in data["sankey"].values():
        for link in chart["links"]:
            assert KECHENG in (link["origin"], link["destination"])
    expected = defaultdict(Decimal)
    for (day, origin, destination, stream), kg in truth(city, "transferred").items():
        if START <= day <= LAST and KECHENG in (origin, destination):
            expected[(origin, destination, stream)] += kg
    shown = {(link["origin"], link["destination"], stream): link["kg"]
             for stream, chart in data["sankey"].items() for link in chart["links"]}
    assert shown == dict(expected)


def test_todays_figures_are_computed_live_and_equal_the_rolled_up_day(session, city):
    actor = regulator(session, "330800")
    day = START + timedelta(days=4)
    rolled_up = dashboard(session, actor=actor, date_from=START, date_to=day, today=TAIL)
    session.execute(DailyFigures.__table__.delete().where(DailyFigures.day >= day))
    session.execute(DailyFlow.__table__.delete().where(DailyFlow.day >= day))
    live = dashboard(session, actor=actor, date_from=START, date_to=day, today=day)
    assert live["kpis"]["produced_kg"] == rolled_up["kpis"]["produced_kg"]
    assert live["kpis"]["transferred_kg"] == rolled_up["kpis"]["transferred_kg"]
    assert live["kpis"]["manifests_issued"] == rolled_up["kpis"]["manifests_issued"]
    assert live["sankey"] == rolled_up["sankey"]


def _all_figures(session) -> list[tuple]:
    table = DailyFigures.__table__
    return [tuple(row) for row in session.execute(select(table).order_by(*table.primary_key.columns))]


def test_refreshing_days_again_changes_nothing(session, city):
    before = _all_figures(session)
    refresh_rollups(session, LAST, settling_days=3)
    refresh_rollups(session, LAST, settling_days=3)
    session.commit()
    assert _all_figures(session) == before and len(before) > 0


def test_a_delivery_not_received_within_the_deadline_lowers_the_on_time_and_closed_loop_rates(api, world, batch,
                                                                                            session):
    mid = api.issue(world, batch, "100").json["id"]
    assert api.step(mid, "pickup", as_="driver").status_code == 201
    assert api.step(mid, "deliver", as_="driver").status_code == 201
    today = local_date(datetime.now(timezone.utc))
    later = today + timedelta(days=10)
    rebuild_rollups(session, today - timedelta(days=2), later - timedelta(days=1))
    session.commit()
    data = dashboard(session, actor=regulator(session, "330800"), date_from=today, date_to=today, today=later)
    assert data["kpis"]["manifests_picked_up"] == 1
    assert data["kpis"]["closed_loop_rate"] == Decimal(0) and data["kpis"]["on_time_receipt_rate"] == Decimal(0)
    assert data["kpis"]["transferred_kg"] == Decimal(100)
    outsider = dashboard(session, actor=regulator(session, "330881"), date_from=today, date_to=today, today=later)
    assert outsider["kpis"]["transferred_kg"] == 0 and outsider["sankey"] == {}


HAZARDOUS_RECEIVER_COUNTIES = ("330803", "330825", "330881")  # the cast's three 危险废物处置 companies
COLLECTOR_COUNTY = "330802"
PERMIT_CAPACITY = Decimal("500000000")  # the cast's licensed annual capacity of each of them


def test_capacity_matching_sets_the_citys_hazardous_generation_against_its_licensed_receivers(session, city):
    today = TAIL + timedelta(days=1)
    data = capacity_matching(session, actor=regulator(session, "330800"), today=today)
    by_category = {m.category: m for m in data["categories"]}
    generated = defaultdict(Decimal)
    for (_day, _region, code), kg in truth(city, "produced_code").items():
        if stream_of(code) != "industrial":
            generated["HW" + code[-2:]] += kg
    assert {c: m.generated_12m_kg for c, m in by_category.items() if m.generated_12m_kg} == dict(generated)
    hw49 = by_category["HW49"]
    days_so_far = (today - date(today.year, 1, 1)).days
    assert hw49.pace_kg == (generated["HW49"] * 365 / days_so_far).quantize(Decimal("0.001"))
    assert by_category["HW01"].capacity_kg == 3 * PERMIT_CAPACITY and len(by_category["HW01"].receivers) == 3
    assert hw49.capacity_kg == 4 * PERMIT_CAPACITY and len(hw49.receivers) == 4  # the collector too
    to = lambda counties: sum(kg for (_d, _o, destination, s), kg in truth(city, "transferred").items()  # noqa: E731
                              if s in ("hazardous", "medical") and destination in counties)
    assert by_category["HW01"].committed_kg == to(HAZARDOUS_RECEIVER_COUNTIES) > 0
    assert hw49.committed_kg == to(HAZARDOUS_RECEIVER_COUNTIES + (COLLECTOR_COUNTY,))
    assert not any(m.warnings for m in data["categories"])
    warned = capacity_matching(session, actor=regulator(session, "330800"), today=today,
                               warning_share=Decimal("0.000001"))
    assert {m.category for m in warned["categories"] if "near_capacity" in m.warnings} == set(generated)


def test_a_county_regulator_matches_its_own_generation_against_the_citys_capacity(session, city):
    today = TAIL + timedelta(days=1)
    data = capacity_matching(session, actor=regulator(session, KECHENG), today=today)
    mine = sum(kg for (_d, region, code), kg in truth(city, "produced_code").items()
               if region == KECHENG and code == "900-041-49")
    assert {m.category: m.generated_12m_kg for m in data["categories"]}["HW49"] == mine
    assert len({m.category: m for m in data["categories"]}["HW49"].receivers) == 4


def test_the_assessment_ranks_counties_by_their_months_figures(session, city):
    from tests.factories import make_anomaly

    march = date(2026, 3, 1)
    make_anomaly(session, region=KECHENG, day=date(2026, 3, 5))  # open: 柯城区 resolved none of its one anomaly
    make_anomaly(session, region=QUJIANG, day=date(2026, 3, 6), status="resolved")
    session.commit()
    data = county_assessment(session, actor=regulator(session, "330800"), month=march, today=TAIL)
    results = {r.region_code: r for r in data["counties"]}
    assert len(results) == 6
    for code, r in results.items():
        produced = sum(kg for (day, region, _s), kg in truth(city, "produced").items()
                       if region == code and day.month == 3)
        assert r.figures.produced_kg == produced
        assert r.actual["closed_loop_rate"] == Decimal(1)
        assert r.actual["on_time_receipt_rate"] in (Decimal(1), None)  # None: no delivery to the county's receivers
    assert results[QUJIANG].actual["on_time_receipt_rate"] == Decimal(1)
    assert results[KECHENG].actual["anomalies_resolved_rate"] == Decimal(0)
    assert results[KECHENG].score == Decimal(80) and results[KECHENG].rank == 6
    assert results[QUJIANG].score == Decimal(100) and results[QUJIANG].rank == 1
    alone = county_assessment(session, actor=regulator(session, KECHENG), month=march, today=TAIL)
    assert [r.region_code for r in alone["counties"]] == [KECHENG]
