"""联运: a manifest carried by several carriers in turn, handed over between their drivers with a one-time code."""
import pytest

from tests.factories import (assert_refused, make_org, make_rival_transporter, make_user, manifest_state, row_count,
                             user_named)
from wastechain.models import Manifest


@pytest.fixture
def rival(session):
    return make_rival_transporter(session)


@pytest.fixture
def two_legs(api, world, batch, rival, session):
    """Issued: leg 1 by the world's transporter (driver "driver"), leg 2 by the rival (driver "rival_driver")."""
    leg = {"transporter_id": rival.id, "driver_id": user_named(session, "rival_driver").id,
           "handover_point": "龙游服务区"}
    response = api.issue(world, batch, "100", driver_id=user_named(session, "driver").id, legs=[leg])
    assert response.status_code == 201, response.json
    return response.json["id"]


def _code(api, mid, as_="driver"):
    return api.post(f"/manifests/{mid}/handover-code", as_=as_)


def _picked_up(api, mid):
    assert api.step(mid, "pickup", as_="driver").status_code == 201
    return mid


def _detail(api, mid):
    return api.get(f"/manifests/{mid}", as_="admin").json


def test_a_manifest_is_issued_with_a_second_carrier(api, two_legs, world, rival):
    manifest = _detail(api, two_legs)
    assert manifest["current_leg"] == 1 and manifest["transporter_id"] == world.transporter.id
    legs = manifest["legs"]
    assert [(l["seq"], l["transporter_id"]) for l in legs] == [(1, world.transporter.id), (2, rival.id)]
    assert legs[1]["handover_point"] == "龙游服务区" and legs[0]["started_at"] is None


def test_a_manifest_with_one_carrier_has_no_legs(api, world, batch):
    manifest = _detail(api, api.issue(world, batch, "100").json["id"])
    assert manifest["legs"] == [] and manifest["current_leg"] is None


def test_the_dry_run_gives_each_further_carrier_a_permit_verdict(api, world, batch, rival):
    body = {"lines": [{"batch_id": batch.id, "quantity_kg": "100"}], "receiver_site_id": world.receiver_site.id,
            "transporter_id": world.transporter.id, "planned_pickup_at": "2030-01-01T08:00:00+08:00",
            "legs": [{"transporter_id": rival.id}]}
    verdicts = api.post("/manifests/check", body, as_="producer").json["verdicts"]
    leg = [v for v in verdicts if v["subject"] == "leg:2"]
    assert len(leg) == 1 and leg[0]["rule"] == "transport_permit" and leg[0]["ok"]
    assert "另一家运输公司" in leg[0]["message"]


def test_a_further_carrier_without_a_transport_permit_is_refused(api, world, batch, session):
    unlicensed = make_org(session, name="无证运输队", roles=["transporter"])
    session.commit()
    before = row_count(session, Manifest)
    response = api.issue(world, batch, "100", legs=[{"transporter_id": unlicensed.id}])
    error = assert_refused(response, 422, "PERMIT_INVALID")
    assert "无证运输队" in error["message"]
    assert row_count(session, Manifest) == before


def test_the_next_driver_takes_the_load_over_with_the_current_drivers_code(api, two_legs, rival):
    _picked_up(api, two_legs)
    code = _code(api, two_legs)
    assert code.status_code == 201
    response = api.step(two_legs, "transfer", as_="rival_driver", handover_code=code.json["code"])
    assert response.status_code == 201, response.json
    event = response.json
    assert event["type"] == "transfer" and event["status"] == "in_transit"
    assert event["data"]["leg"] == 2 and event["data"]["to_transporter_id"] == rival.id
    assert event["data"]["handover_confirmed"] is True
    manifest = _detail(api, two_legs)
    assert manifest["current_leg"] == 2 and manifest["status"] == "in_transit"
    assert manifest["legs"][0]["ended_at"] == manifest["legs"][1]["started_at"] == event["occurred_at"]
    assert manifest["events"][-1]["prev_hash"] == manifest["events"][-2]["hash"]
    assert api.get(f"/manifests/{two_legs}/verify", as_="admin").json["ok"]


def test_a_wrong_hand_over_code_is_refused_and_nothing_changes(api, two_legs):
    _picked_up(api, two_legs)
    code = _code(api, two_legs).json["code"]
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    error = assert_refused(api.step(two_legs, "transfer", as_="rival_driver", handover_code=wrong), 422,
                           "HANDOVER_CODE_INVALID")
    assert error["details"]["attempts_left"] == 4
    assert manifest_state(api, two_legs) == ("in_transit", 2) and _detail(api, two_legs)["current_leg"] == 1


def test_a_hand_over_without_a_code_is_refused(api, two_legs):
    _picked_up(api, two_legs)
    assert_refused(api.step(two_legs, "transfer", as_="rival_driver"), 422, "HANDOVER_CODE_REQUIRED")
    assert manifest_state(api, two_legs) == ("in_transit", 2)


def test_only_the_next_legs_driver_takes_the_load_over(api, two_legs):
    _picked_up(api, two_legs)
    code = _code(api, two_legs).json["code"]
    for other in ("driver2", "driver"):  # the first carrier's other driver, and the handing-over driver himself
        assert_refused(api.step(two_legs, "transfer", as_=other, handover_code=code), 403, "FORBIDDEN")
    assert manifest_state(api, two_legs) == ("in_transit", 2) and _detail(api, two_legs)["current_leg"] == 1
    assert api.step(two_legs, "transfer", as_="rival_driver", handover_code=code).status_code == 201


def test_only_the_current_legs_driver_shows_a_hand_over_code(api, two_legs):
    assert_refused(_code(api, two_legs, as_="rival_driver"), 403, "FORBIDDEN")  # before the pickup: the producer's
    _picked_up(api, two_legs)
    for other in ("producer", "rival_driver", "driver2"):
        assert_refused(_code(api, two_legs, as_=other), 403, "FORBIDDEN")
    assert _code(api, two_legs).status_code == 201


def test_only_the_last_legs_driver_delivers(api, two_legs):
    _picked_up(api, two_legs)
    assert_refused(api.step(two_legs, "deliver", as_="driver"), 403, "LEG_NOT_LAST")
    assert_refused(api.step(two_legs, "deliver", as_="rival_driver"), 403, "FORBIDDEN")
    assert manifest_state(api, two_legs) == ("in_transit", 2)
    api.step(two_legs, "transfer", as_="rival_driver", handover_code=_code(api, two_legs).json["code"])
    assert_refused(api.step(two_legs, "deliver", as_="driver"), 403, "FORBIDDEN")
    response = api.step(two_legs, "deliver", as_="rival_driver")
    assert response.status_code == 201 and response.json["status"] == "delivered"
    assert _detail(api, two_legs)["legs"][1]["ended_at"] == response.json["occurred_at"]


def test_the_next_carrier_sees_the_manifest_and_the_first_still_does(api, two_legs, session, rival):
    make_user(session, username="rival_office", role="transporter", org=rival)
    session.commit()
    assert api.get(f"/manifests/{two_legs}", as_="rival_office").status_code == 200
    _picked_up(api, two_legs)
    api.step(two_legs, "transfer", as_="rival_driver", handover_code=_code(api, two_legs).json["code"])
    assert api.get(f"/manifests/{two_legs}", as_="transporter").status_code == 200


def test_a_single_carrier_manifest_has_no_hand_over(api, world, batch):
    mid = api.issue(world, batch, "100").json["id"]
    _picked_up(api, mid)
    assert_refused(_code(api, mid), 403, "FORBIDDEN")
    assert_refused(api.step(mid, "transfer", as_="driver", handover_code="123456"), 403, "FORBIDDEN")
    assert manifest_state(api, mid) == ("in_transit", 2)


# each leg is judged on its own: TRANSIT_OVERDUE and OVERWEIGHT_LOAD

def _anomalies(session, code):
    from sqlalchemy import select

    from wastechain.models import Anomaly

    found = list(session.scalars(select(Anomaly).where(Anomaly.code == code).order_by(Anomaly.id)))
    session.commit()
    return found


def _hand_over(api, mid):
    code = _code(api, mid).json["code"]
    response = api.step(mid, "transfer", as_="rival_driver", handover_code=code)
    assert response.status_code == 201, response.json
    return response


def test_a_leg_that_took_too_long_is_overdue_on_its_own(app, api, two_legs, session, world):
    from datetime import datetime, timedelta, timezone

    from tests.factories import run_checks

    long_ago = (datetime.now(timezone.utc) - timedelta(hours=50)).isoformat()
    assert api.step(two_legs, "pickup", as_="driver", occurred_at=long_ago,
                    handover_exception_reason="门卫不在").status_code == 201
    _hand_over(api, two_legs)  # leg 1 lasted 50 hours
    assert api.step(two_legs, "deliver", as_="rival_driver").status_code == 201  # leg 2 a moment
    run_checks(app)
    [overdue] = _anomalies(session, "TRANSIT_OVERDUE")
    assert overdue.fingerprint == f"TRANSIT_OVERDUE:m:{two_legs}:leg:1" and overdue.evidence["leg"] == 1
    assert overdue.organization_id == world.transporter.id and overdue.evidence["hours_in_transit"] >= 50


def test_the_night_judges_the_leg_that_holds_the_load(api, two_legs, session, rival):
    from datetime import datetime, timedelta, timezone

    from wastechain.domain.anomalies import Thresholds
    from wastechain.domain.timeutil import local_date
    from wastechain.services.reconciliation import run_reconciliation

    now = datetime.now(timezone.utc)
    picked = (now - timedelta(hours=40)).isoformat()
    api.step(two_legs, "pickup", as_="driver", occurred_at=picked, handover_exception_reason="门卫不在")
    _hand_over(api, two_legs)
    run_reconciliation(session, day=local_date(now) + timedelta(days=2), now=now + timedelta(days=3),
                       thresholds=Thresholds(), secret="test-secret")
    [overdue] = _anomalies(session, "TRANSIT_OVERDUE")  # leg 2 from its hand-over, not the whole trip from pickup
    assert overdue.fingerprint == f"TRANSIT_OVERDUE:m:{two_legs}:leg:2" and overdue.evidence["leg"] == 2
    assert overdue.organization_id == rival.id


def test_each_legs_vehicle_carries_the_load_of_its_leg(app, api, world, session, rival):
    from decimal import Decimal

    from tests.factories import make_batch, run_checks
    from wastechain.models import Vehicle

    from sqlalchemy import select

    truck = session.scalar(select(Vehicle).where(Vehicle.organization_id == rival.id))
    truck.max_load_kg = world.vehicle.max_load_kg = Decimal("1000")
    session.commit()
    batch = make_batch(session, world.producer, world.producer_site, kg="3000")
    session.commit()
    leg = {"transporter_id": rival.id, "vehicle_id": truck.id}
    first, second = (api.issue(world, batch, "600", vehicle_id=world.vehicle.id, legs=[leg]).json["id"]
                     for _ in range(2))
    _picked_up(api, first)
    _hand_over(api, first)  # off the first truck, onto the rival's
    _picked_up(api, second)  # 600 kg on the first truck: fine
    run_checks(app)
    assert _anomalies(session, "OVERWEIGHT_LOAD") == []
    _hand_over(api, second)  # 1200 kg on the rival's 1000 kg truck
    run_checks(app)
    [overweight] = _anomalies(session, "OVERWEIGHT_LOAD")
    assert overweight.manifest_id == second and overweight.organization_id == rival.id
    assert overweight.evidence["vehicle"] == truck.plate and overweight.evidence["load_kg"] == "1200.000"


def test_each_driver_finds_the_manifest_in_his_queue_while_his_leg_is_to_come(app, api, two_legs, session):
    from wastechain.services.manifests import driver_queue

    def queued(username):
        with app.extensions["wastechain.sessions"]() as own:
            return two_legs in {m.id for m in driver_queue(own, actor=user_named(own, username))}

    assert queued("driver") and queued("rival_driver") and not queued("driver2")
    _picked_up(api, two_legs)
    _hand_over(api, two_legs)
    assert not queued("driver") and queued("rival_driver")


def test_a_producers_code_left_unused_does_not_hand_the_load_over(api, two_legs):
    producers = api.handover_code(two_legs)  # issued, then the pickup is recorded without it
    assert api.step(two_legs, "pickup", as_="driver", handover_exception_reason="门卫不在").status_code == 201
    assert_refused(api.step(two_legs, "transfer", as_="rival_driver", handover_code=producers), 422,
                   "HANDOVER_CODE_MISSING")
    assert manifest_state(api, two_legs) == ("in_transit", 2) and _detail(api, two_legs)["current_leg"] == 1
