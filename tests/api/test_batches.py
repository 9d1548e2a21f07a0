"""POST /batches and GET /batches/{id}."""
from datetime import timedelta

from tests.factories import NOW, assert_refused, row_count
from wastechain.models import Batch


def _refused(api, body, *, as_="producer", status=422, code="VALIDATION_ERROR", session) -> dict:
    """The batch is refused with this code and none is registered."""
    error = assert_refused(api.post("/batches", body, as_=as_), status, code)
    assert row_count(session, Batch) == 0
    return error


def _batch(world, **extra):
    return {"site_id": world.producer_site.id, "waste_code": "900-041-49", "quantity_kg": 1234.567,
            "generated_at": (NOW - timedelta(hours=3)).isoformat(), **extra}


def test_a_producer_registers_a_batch_with_a_37_character_unit_code(api, world):
    response = api.post("/batches", _batch(world), as_="producer")
    assert response.status_code == 201
    body = response.json
    assert len(body["unit_code"]) == 37 and body["unit_code"].startswith(world.producer.credit_code + "90004149")
    assert body["unit_code"].endswith("001") and body["status"] == "stored"
    assert str(body["remaining_kg"]) == "1234.567"
    assert body["qr_url"].startswith("http://testserver/s/")


def test_batches_of_one_code_on_one_day_are_numbered_in_order(api, world):
    first = api.post("/batches", _batch(world), as_="producer").json["unit_code"]
    second = api.post("/batches", _batch(world), as_="producer").json["unit_code"]
    assert first[:34] == second[:34] and int(second[34:]) == int(first[34:]) + 1


def test_a_quantity_with_four_decimals_is_refused(api, world, session):
    assert "quantity_kg" in _refused(api, _batch(world, quantity_kg="1.0001"), session=session)["details"]


def test_a_zero_quantity_is_refused(api, world, session):
    assert "quantity_kg" in _refused(api, _batch(world, quantity_kg=0), session=session)["details"]


def test_an_unknown_waste_code_is_refused(api, world, session):
    error = _refused(api, _batch(world, waste_code="999-999-99"), session=session)
    assert "999-999-99" in error["message"] and error["details"] == {"waste_code": "unknown"}


def test_a_batch_at_another_organizations_site_is_refused(api, world, session):
    error = _refused(api, _batch(world, site_id=world.other_site.id), session=session)
    assert error["details"] == {"site_id": "not your site"}


def test_a_batch_generated_in_the_future_is_refused(api, world, session):
    body = _batch(world, generated_at=(NOW + timedelta(days=1)).isoformat())
    assert "generated_at" in _refused(api, body, session=session)["details"]


def test_a_batch_time_without_offset_is_refused(api, world, session):
    assert "generated_at" in _refused(api, _batch(world, generated_at="2026-01-01T08:00:00"), session=session)["details"]


def test_a_driver_cannot_register_a_batch(api, world, session):
    _refused(api, _batch(world), as_="driver", status=403, code="FORBIDDEN", session=session)


def test_the_owner_reads_its_batch(api, world):
    created = api.post("/batches", _batch(world), as_="producer").json
    assert api.get(f"/batches/{created['id']}", as_="producer").json["unit_code"] == created["unit_code"]


def test_the_owners_batches_are_listed(api, world):
    api.post("/batches", _batch(world), as_="producer")
    assert api.get("/batches", as_="producer").json["total"] == 1
    assert api.get("/batches", as_="other_producer").json["total"] == 0
