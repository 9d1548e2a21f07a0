"""What a fuzzer sends (lone surrogates, control characters, huge ids and amounts, year 0276): 422, nothing written."""
import json
from decimal import Decimal

import pytest

from tests.factories import NOW, assert_refused, make_batch, manifest_state, row_count
from wastechain.models import Anomaly, AnomalyNote, Batch, Payment


def _raw_post(client, api, path: str, text: str, as_: str):
    """A JSON body as typed, so that escapes such as \\ud800 reach the server unchanged."""
    return client.post("/api/v1" + path, data=text.encode("utf-8"), content_type="application/json",
                       headers={"Authorization": f"Bearer {api.token(as_)}"})


@pytest.fixture
def issued(api, session, world):
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    return api.issue(world, batch, "100").json


def _payment(world, manifest, **changes) -> dict:
    return {"manifest_id": manifest["id"], "payee_id": world.receiver.id, "amount": "300.50",
            "paid_at": NOW.isoformat(), **changes}


def test_a_lone_surrogate_in_a_payment_reference_is_refused(api, client, session, world, issued):
    text = json.dumps(_payment(world, issued)).replace('}', ', "reference": "\\ud800"}')
    response = _raw_post(client, api, "/payments", text, "producer")
    assert "reference" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Payment) == 0


def test_a_lone_surrogate_in_a_step_reason_is_refused(api, client, world, issued):
    before = manifest_state(api, issued["id"])
    text = '{"type": "cancel", "idempotency_key": "cancel-surrogate-1", "reason": "\\udfff\\u00e9"}'
    response = _raw_post(client, api, f"/manifests/{issued['id']}/events", text, "producer")
    assert_refused(response, 422, "VALIDATION_ERROR")
    assert manifest_state(api, issued["id"]) == before


def test_a_lone_surrogate_in_a_json_key_or_a_list_is_refused(api, client, session, world):
    text = '{"site_id": %d, "waste_code": "\\ud83d", "quantity_kg": 1, "generated_at": "%s", "\\ud800": 1}' % (
        world.producer_site.id, NOW.isoformat())
    assert_refused(_raw_post(client, api, "/batches", text, "producer"), 422, "VALIDATION_ERROR")
    assert row_count(session, Batch) == 0


def test_a_nul_character_is_refused_on_every_database(api, client, session, world):
    text = '{"site_id": %d, "waste_code": "900-041-49\\u0000", "quantity_kg": 1, "generated_at": "%s"}' % (
        world.producer_site.id, NOW.isoformat())
    assert_refused(_raw_post(client, api, "/batches", text, "producer"), 422, "VALIDATION_ERROR")
    assert row_count(session, Batch) == 0


def test_control_characters_in_a_payment_reference_are_refused(api, session, world, issued):
    response = api.post("/payments", _payment(world, issued, reference="REF\x1b[31m"), as_="producer")
    assert "reference" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Payment) == 0


def test_control_characters_in_a_step_reason_are_refused(api, world, issued):
    before = manifest_state(api, issued["id"])
    response = api.step(issued["id"], "cancel", as_="producer", reason="取消\x07")
    assert "reason" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert manifest_state(api, issued["id"]) == before


def test_a_note_may_hold_line_breaks_but_not_other_control_characters(api, session, world):
    from tests.factories import make_anomaly
    anomaly = make_anomaly(session)
    session.commit()
    refused = api.post(f"/anomalies/{anomaly.id}/notes", {"note": "第一行\x00"}, as_="kecheng_regulator")
    assert_refused(refused, 422, "VALIDATION_ERROR")
    assert row_count(session, AnomalyNote) == 0
    accepted = api.post(f"/anomalies/{anomaly.id}/notes", {"note": "第一行\r\n第二行"}, as_="kecheng_regulator")
    assert accepted.status_code == 201, accepted.json
    assert row_count(session, Anomaly) == 1


def test_a_control_character_in_a_search_string_is_refused(api, world):
    assert_refused(api.get("/manifests", as_="producer", query_string={"q": "HW\x01"}), 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("field,value", [
    ("payee_id", 2**63), ("payee_id", 2**31), ("payee_id", 0), ("manifest_id", -1), ("manifest_id", 10**30)])
def test_a_payment_to_an_absurd_id_is_refused(api, session, world, issued, field, value):
    response = api.post("/payments", _payment(world, issued, **{field: value}), as_="producer")
    assert field in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Payment) == 0


@pytest.mark.parametrize("amount", [Decimal("1e30"), Decimal("100000000000000000000.01"), 10**20,
                                    Decimal("1000000000000"), Decimal("1e-40")])
def test_a_payment_of_an_absurd_amount_is_refused(api, session, world, issued, amount):
    response = api.post("/payments", _payment(world, issued, amount=amount), as_="producer")
    assert "amount" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Payment) == 0


@pytest.mark.parametrize("paid_at", ["0276-03-01T10:00:00+08:00", "0001-01-01T00:00:00+14:00",
                                     "9999-12-31T23:59:59-12:00", "1999-12-31T12:00:00+08:00"])
def test_a_payment_dated_outside_2000_to_2100_is_refused(api, session, world, issued, paid_at):
    response = api.post("/payments", _payment(world, issued, paid_at=paid_at), as_="producer")
    assert "paid_at" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Payment) == 0


def test_a_reasonable_payment_is_still_recorded(api, session, world, issued):
    response = api.post("/payments", _payment(world, issued, amount=Decimal("999999999999.99")), as_="producer")
    assert response.status_code == 201, response.json
    assert response.json["amount"] == Decimal("999999999999.99") and row_count(session, Payment) == 1


def test_an_absurd_id_in_a_query_string_is_refused(api, world):
    assert_refused(api.get("/batches", as_="producer", query_string={"site_id": 2**40}), 422, "VALIDATION_ERROR")
