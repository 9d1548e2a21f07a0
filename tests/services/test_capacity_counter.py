"""The receiver's running capacity counter follows every change of what is committed to it (issue 14, item 4)."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import text

from tests.factories import make_batch
from wastechain import schema
from wastechain.services.manifests import capacity

PLANNED = "2026-12-01T09:00:00+08:00"


def _counter(session, world, year: int = 2026) -> Decimal:
    session.rollback()  # a fresh snapshot of what the app's requests committed
    value = capacity.committed(session, receiver_id=world.receiver.id, year=year)
    session.commit()
    return value


def _issue(api, world, batch, kg: str, planned: str = PLANNED):
    return api.issue(world, batch, kg, planned_pickup_at=planned)


def _deliver(api, manifest_id: int) -> None:
    assert api.step(manifest_id, "pickup", as_="driver").status_code == 201
    assert api.step(manifest_id, "deliver", as_="driver").status_code == 201


def _drift(session) -> list:
    session.rollback()
    drift = capacity.counters_drift(session)
    session.commit()
    return drift


def test_issuing_adds_the_hazardous_quantity_to_the_receivers_year(api, world, batch, session):
    assert _counter(session, world) == 0
    assert _issue(api, world, batch, "100").status_code == 201
    assert _issue(api, world, batch, "50.5").status_code == 201
    assert _counter(session, world) == Decimal("150.5")
    assert _drift(session) == []


def test_the_year_is_that_of_the_planned_pickup_in_china(api, world, batch, session):
    # 2026-12-31 20:00 UTC is already 2027 in China
    assert _issue(api, world, batch, "100", planned="2026-12-31T20:00:00+00:00").status_code == 201
    assert _counter(session, world, 2026) == 0 and _counter(session, world, 2027) == 100
    assert _drift(session) == []


def test_a_refused_issue_leaves_the_counter_as_it_was(api, world, batch, session):
    for permit in world.receiver.permits:
        permit.annual_capacity_kg = Decimal("150")
    session.commit()
    assert _issue(api, world, batch, "100").status_code == 201
    refused = _issue(api, world, batch, "60")
    assert refused.status_code == 422 and refused.json["error"]["code"] == "PERMIT_INVALID"
    assert _counter(session, world) == 100


def test_general_waste_does_not_touch_a_receivers_capacity(api, world, session):
    general = make_batch(session, world.producer, world.producer_site, code="SW01")
    session.commit()
    response = api.issue(world, general, "100", receiver_site=world.county_site, planned_pickup_at=PLANNED)
    assert response.status_code == 201
    session.rollback()
    assert capacity.committed(session, receiver_id=world.county_receiver.id, year=2026) == 0
    session.commit()


def test_cancelling_gives_the_quantity_back(api, world, batch, session):
    mid = _issue(api, world, batch, "100").json["id"]
    assert _issue(api, world, batch, "30").status_code == 201
    assert api.step(mid, "cancel", as_="producer", reason="改期").status_code == 201
    assert _counter(session, world) == 30
    assert _drift(session) == []


def test_a_whole_refusal_at_receipt_gives_the_quantity_back(api, world, batch, session):
    mid = _issue(api, world, batch, "100").json["id"]
    _deliver(api, mid)
    refused = api.step(mid, "receive", as_="receiver", accepted_kg=0, rejected_kg=100, reason="包装破损")
    assert refused.status_code == 201 and refused.json["status"] == "rejected"
    assert _counter(session, world) == 0
    assert _drift(session) == []


def test_a_partial_refusal_keeps_the_manifest_counted(api, world, batch, session):
    mid = _issue(api, world, batch, "100").json["id"]
    _deliver(api, mid)
    received = api.step(mid, "receive", as_="receiver", accepted_kg=60, rejected_kg=40, reason="含水过多")
    assert received.status_code == 201
    assert _counter(session, world) == 100
    assert _drift(session) == []


def test_room_freed_by_a_refusal_can_be_committed_again(api, world, batch, session):
    for permit in world.receiver.permits:
        permit.annual_capacity_kg = Decimal("150")
    session.commit()
    mid = _issue(api, world, batch, "150").json["id"]
    assert _issue(api, world, batch, "1").json["error"]["code"] == "PERMIT_INVALID"
    _deliver(api, mid)
    api.step(mid, "receive", as_="receiver", accepted_kg=0, rejected_kg=150, reason="包装破损")
    assert _issue(api, world, batch, "150").status_code == 201


def test_the_migration_fills_the_counter_from_the_history(app, api, world, batch, session):
    kept = _issue(api, world, batch, "100").json["id"]
    cancelled = _issue(api, world, batch, "40").json["id"]
    api.step(cancelled, "cancel", as_="producer", reason="改期")
    assert _issue(api, world, batch, "7", planned="2027-03-01T09:00:00+08:00").status_code == 201
    assert kept
    engine = app.extensions["wastechain.engine"]
    session.close()
    with engine.begin() as connection:  # as if the counter had never been kept
        connection.execute(text("DELETE FROM receiver_capacity"))
    schema.downgrade(engine, "0014_capacity_counters-1")  # the revision before the counters
    schema.upgrade(engine)
    assert _counter(session, world, 2026) == 100 and _counter(session, world, 2027) == 7
    assert _drift(session) == []


def test_rebuild_recomputes_every_counter(api, world, batch, session):
    assert _issue(api, world, batch, "100").status_code == 201
    session.rollback()
    session.execute(text("UPDATE receiver_capacity SET committed_kg = 1"))
    assert capacity.counters_drift(session) != []
    assert capacity.rebuild(session) == 1
    session.commit()
    assert _counter(session, world) == 100 and _drift(session) == []


def test_capacity_year_is_the_china_year():
    from datetime import timezone

    assert capacity.capacity_year(datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc)) == 2027
    assert capacity.capacity_year(datetime(2026, 12, 31, 15, 59, tzinfo=timezone.utc)) == 2026


def test_a_load_refused_whole_does_not_count_again_when_its_return_trip_closes_it(api, world, batch, session):
    from tests.factories import lines_body

    mid = _issue(api, world, batch, "100").json["id"]
    _deliver(api, mid)
    api.step(mid, "receive", as_="receiver", accepted_kg=0, rejected_kg=100, reason="包装破损")
    custody = next(b for b in api.get("/batches", as_="producer").json["items"] if b["refused_from_id"] == mid)
    back = api.post("/manifests", lines_body(world, [(custody["id"], "100")], world.producer_site),
                    as_="producer").json["id"]
    _deliver(api, back)
    assert api.step(back, "receive", as_="producer", accepted_kg=100).json["status"] == "closed"
    assert api.get(f"/manifests/{mid}", as_="receiver").json["status"] == "closed"  # rejected → closed
    assert _counter(session, world) == 0  # the receiver never took it
    assert _drift(session) == []


def test_a_return_trip_counts_against_no_one_even_when_cancelled(api, world, batch, session):
    from tests.factories import lines_body

    mid = _issue(api, world, batch, "100").json["id"]
    _deliver(api, mid)
    api.step(mid, "receive", as_="receiver", accepted_kg=0, rejected_kg=100, reason="包装破损")
    custody = next(b for b in api.get("/batches", as_="producer").json["items"] if b["refused_from_id"] == mid)
    back = api.post("/manifests", lines_body(world, [(custody["id"], "100")], world.producer_site),
                    as_="producer").json["id"]
    assert api.step(back, "cancel", as_="producer", reason="改运").json["status"] == "cancelled"
    assert _drift(session) == []  # no counter of the producer's went below zero
