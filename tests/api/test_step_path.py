"""Issue 14: a step is one lean transaction (statements counted, not timed), its run-time checks wait in an
outbox for the run-checks worker, and the idempotency key may come as the standard Idempotency-Key header."""
from contextlib import contextmanager
from decimal import Decimal

from sqlalchemy import event, select

from tests.factories import assert_refused, make_batch, manifest_state, row_count, run_checks
from wastechain.models import Anomaly, CheckOutbox, ManifestEvent

PICKUP_DELIVER_BUDGET = 6  # auth (token and user), the locked manifest with replay and last event, code, update, event, outbox
RECEIVE_BUDGET = 12  # the same, plus the receiver with its permits, the lines, the site, lineage flows, containers


@contextmanager
def counted(app):
    """Statements and transactions the app's engine sees meanwhile (an event listener: counts, not timing)."""
    engine = app.extensions["wastechain.engine"]
    seen = {"statements": [], "transactions": 0}

    def statement(_conn, _cursor, sql, *_args):
        if not sql.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE (wastechain.db) is the transaction, counted below
            seen["statements"].append(sql)

    def begin(_conn):
        seen["transactions"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)


def _anomaly_codes(session) -> list[str]:
    codes = list(session.scalars(select(Anomaly.code).order_by(Anomaly.id)))
    session.commit()  # SQLite: end the read, which holds the write lock (BEGIN IMMEDIATE)
    return codes


def _issued(api, world, session) -> int:
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    return api.issue(world, batch, "50").json["id"]


def _post_step(api, manifest_id, body, as_, headers=None):
    return api.client.post(f"/api/v1/manifests/{manifest_id}/events", json=body,
                           headers={"Authorization": f"Bearer {api.token(as_)}", **(headers or {})})


def test_pickup_deliver_and_receive_stay_within_their_statement_budgets(app, api, world, session):
    manifest_id = _issued(api, world, session)
    code = api.handover_code(manifest_id)
    api.token("driver"), api.token("receiver")  # logged in before counting
    site = world.producer_site
    with counted(app) as pickup:
        picked = _post_step(api, manifest_id, {"type": "pickup", "idempotency_key": "count-pickup-1",
                                               "handover_code": code, "lat": site.lat, "lon": site.lon}, "driver")
    with counted(app) as deliver:
        delivered = _post_step(api, manifest_id, {"type": "deliver", "idempotency_key": "count-deliver-1"}, "driver")
    with counted(app) as receive:
        received = _post_step(api, manifest_id, {"type": "receive", "idempotency_key": "count-receive-1",
                                                 "quantity_kg": 50, "accepted_kg": 50}, "receiver")
    assert [r.status_code for r in (picked, delivered, received)] == [201, 201, 201]
    assert picked.json["data"]["handover_confirmed"] is True and received.json["status"] == "received"
    for seen, budget in ((pickup, PICKUP_DELIVER_BUDGET), (deliver, PICKUP_DELIVER_BUDGET), (receive, RECEIVE_BUDGET)):
        assert len(seen["statements"]) <= budget, "\n".join(s[:150] for s in seen["statements"])
        assert seen["transactions"] == 1
    assert len(pickup["statements"]) == 6 and len(deliver["statements"]) == 5
    assert app.test_client().get(f"/api/v1/manifests/{manifest_id}/verify",
                                 headers={"Authorization": f"Bearer {api.token('producer')}"}).json["ok"] is True


def test_a_step_leaves_its_checks_in_the_outbox_and_the_worker_finds_what_the_step_did(app, api, world, session):
    manifest_id = _issued(api, world, session)
    far = {"lat": world.producer_site.lat + 0.05, "lon": world.producer_site.lon}  # ~5.5 km from the gate
    assert api.step(manifest_id, "pickup", as_="driver", **far).status_code == 201
    assert row_count(session, CheckOutbox) == 1 and row_count(session, Anomaly) == 0
    assert run_checks(app) == 1
    assert row_count(session, CheckOutbox) == 0
    assert _anomaly_codes(session) == ["LOCATION_MISMATCH"]
    assert run_checks(app) == 0  # nothing left, nothing found twice


def test_a_refused_step_leaves_nothing_in_the_outbox(api, world, session):
    manifest_id = _issued(api, world, session)
    assert_refused(api.step(manifest_id, "deliver", as_="driver"), 409, "INVALID_TRANSITION")
    assert row_count(session, CheckOutbox) == 0 and manifest_state(api, manifest_id) == ("issued", 1)


def test_the_run_checks_command_drains_the_outbox(app, api, world, session):
    manifest_id = _issued(api, world, session)
    api.step(manifest_id, "pickup", as_="driver", handover_exception_reason="门卫不在")
    result = app.test_cli_runner().invoke(args=["run-checks"])
    assert result.exit_code == 0 and "1 steps checked" in result.output, result.output
    assert row_count(session, CheckOutbox) == 0
    assert _anomaly_codes(session) == ["HANDOVER_UNCONFIRMED"]


def test_the_idempotency_key_may_come_as_the_standard_header(api, world, session):
    manifest_id = _issued(api, world, session)
    code = api.handover_code(manifest_id)
    body = {"type": "pickup", "handover_code": code}
    first = _post_step(api, manifest_id, body, "driver", {"Idempotency-Key": "phone-pickup-0001"})
    again = _post_step(api, manifest_id, body, "driver", {"Idempotency-Key": "phone-pickup-0001"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json["idempotency_key"] == "phone-pickup-0001" and again.json["id"] == first.json["id"]
    assert row_count(session, ManifestEvent) == 2  # issue + one pickup


def test_a_step_without_any_key_or_with_two_different_keys_is_refused(api, world, session):
    manifest_id = _issued(api, world, session)
    missing = _post_step(api, manifest_id, {"type": "deliver"}, "driver")
    assert "idempotency_key" in assert_refused(missing, 422, "VALIDATION_ERROR")["details"]
    differing = _post_step(api, manifest_id, {"type": "deliver", "idempotency_key": "body-key-0001"}, "driver",
                           {"Idempotency-Key": "header-key-0001"})
    assert "idempotency_key" in assert_refused(differing, 422, "VALIDATION_ERROR")["details"]
    too_short = _post_step(api, manifest_id, {"type": "deliver"}, "driver", {"Idempotency-Key": "x"})
    assert "Idempotency-Key" in assert_refused(too_short, 422, "VALIDATION_ERROR")["details"]
    assert manifest_state(api, manifest_id) == ("issued", 1)


def test_the_worker_finds_the_pickup_that_overloads_a_vehicle_once(app, api, world, session):
    world.vehicle.max_load_kg = Decimal("1000")
    session.commit()
    batch = make_batch(session, world.producer, world.producer_site, kg="2000")
    session.commit()
    first, second = (api.issue(world, batch, "600", vehicle_id=world.vehicle.id).json["id"] for _ in range(2))
    assert api.step(first, "pickup", as_="driver").status_code == 201
    assert api.step(second, "pickup", as_="driver").status_code == 201  # 1200 kg on a 1000 kg truck
    assert run_checks(app) == 2
    [anomaly] = session.scalars(select(Anomaly).where(Anomaly.code == "OVERWEIGHT_LOAD")).all()
    assert anomaly.manifest_id == second and anomaly.source == "runtime"
    assert anomaly.evidence["load_kg"] == "1200.000" and anomaly.evidence["max_load_kg"] == "1000.000"
    session.commit()
