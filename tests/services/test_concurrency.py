"""Concurrent requests on the suite's database (SQLite or, for real, PostgreSQL): exactly one transition per step,
no over-drawn batch, gap-free manifest serials."""
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.factories import NOW, make_batch
from wastechain.models import Batch, Manifest, ManifestEvent, ManifestLine

THREADS = 8


def _together(app, calls):
    """Runs each call(client) on its own thread and test client, all released at once; returns the responses."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        client = app.test_client()
        barrier.wait()
        return call(client)

    with ThreadPoolExecutor(len(calls)) as pool:
        responses = list(pool.map(run, calls))
    for response in responses:
        assert response.status_code < 500, response.get_data(as_text=True)
    return responses


def _auth(api, username):
    return {"Authorization": f"Bearer {api.token(username)}"}


def _issue_body(world, batch, kg):
    return {"lines": [{"batch_id": batch.id, "quantity_kg": Decimal(kg)}], "receiver_site_id": world.receiver_site.id,
            "transporter_id": world.transporter.id, "planned_pickup_at": NOW.isoformat()}


@pytest.fixture
def issued(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    return api.issue(world, batch).json["id"]


def _pickups(session, manifest_id):
    session.rollback()
    count = session.scalar(select(func.count()).select_from(ManifestEvent)
                           .where(ManifestEvent.manifest_id == manifest_id, ManifestEvent.type == "pickup"))
    session.commit()
    return count


def test_concurrent_pickups_with_different_keys_make_exactly_one_transition(app, api, session, issued):
    headers = _auth(api, "driver")
    calls = [lambda c, i=i: c.post(f"/api/v1/manifests/{issued}/events", headers=headers,
                                   json={"type": "pickup", "idempotency_key": f"device-{i:04d}-key",
                                         "handover_exception_reason": "门卫不在"})
             for i in range(THREADS)]
    statuses = sorted(r.status_code for r in _together(app, calls))
    assert statuses == [201] + [409] * (THREADS - 1)
    assert _pickups(session, issued) == 1
    assert api.get(f"/manifests/{issued}/verify", as_="driver").json["ok"] is True


def test_concurrent_retries_with_the_same_key_record_one_event(app, api, session, issued):
    headers = _auth(api, "driver")
    body = {"type": "pickup", "idempotency_key": "same-device-retry", "handover_exception_reason": "门卫不在"}
    responses = _together(app, [lambda c: c.post(f"/api/v1/manifests/{issued}/events", headers=headers, json=body)]
                          * THREADS)
    assert sorted(r.status_code for r in responses) == [200] * (THREADS - 1) + [201]
    assert len({r.json["id"] for r in responses}) == 1
    assert _pickups(session, issued) == 1


def test_concurrent_manifests_never_overdraw_a_batch(app, api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    headers = _auth(api, "producer")
    body = _issue_body(world, batch, "150")
    responses = _together(app, [lambda c: c.post("/api/v1/manifests", headers=headers, json=body)] * THREADS)
    created = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code != 201]
    assert len(created) == 6 and all(r.json["error"]["code"] == "INSUFFICIENT_QUANTITY" for r in refused)
    session.expire_all()
    stored = session.get(Batch, batch.id)
    issued_kg = session.scalar(select(func.sum(ManifestLine.quantity_kg)).where(ManifestLine.batch_id == batch.id))
    session.commit()
    assert issued_kg == Decimal("900") and stored.remaining_kg == Decimal("100")
    assert issued_kg + stored.remaining_kg == stored.quantity_kg


def test_concurrent_manifests_in_one_city_get_consecutive_serials(app, api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    first = api.issue(world, batch, "1").json["number"]
    headers = _auth(api, "producer")
    body = _issue_body(world, batch, "1")
    responses = _together(app, [lambda c: c.post("/api/v1/manifests", headers=headers, json=body)] * THREADS)
    assert all(r.status_code == 201 for r in responses)
    session.rollback()
    numbers = session.scalars(select(Manifest.number).order_by(Manifest.id)).all()
    session.commit()
    assert numbers[0] == first and len(set(numbers)) == THREADS + 1
    serials = [int(n[8:]) for n in numbers]
    assert serials == list(range(serials[0], serials[0] + THREADS + 1))  # increasing with issue order, no gap
    assert all(n[:8] == first[:8] for n in numbers)


def test_concurrent_manifests_never_exceed_a_receivers_annual_capacity(app, api, world, session):
    for permit in world.receiver.permits:
        permit.annual_capacity_kg = Decimal("500")
    batches = [make_batch(session, world.producer, world.producer_site, kg="100") for _ in range(THREADS)]
    session.commit()
    headers = _auth(api, "producer")
    calls = [lambda c, b=b: c.post("/api/v1/manifests", headers=headers, json=_issue_body(world, b, "100"))
             for b in batches]
    responses = _together(app, calls)
    refused = [r.json["error"]["code"] for r in responses if r.status_code != 201]
    assert len(refused) == THREADS - 5 and set(refused) == {"PERMIT_INVALID"}
