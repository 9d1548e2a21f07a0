"""Odd input (deep nesting, Unicode digits, years 1 and 9999, ids beyond 32 bits): a clear JSON error, not a 500."""
from tests.factories import assert_refused, batch_state, make_batch, row_count
from wastechain.models import ApiToken, Batch, Manifest


def test_deeply_nested_json_is_a_bad_request_not_a_crash(api, world, client, session):
    response = client.post("/api/v1/batches", data="[" * 5000, content_type="application/json",
                           headers={"Authorization": f"Bearer {api.token('producer')}"})
    assert_refused(response, 400, "BAD_REQUEST")
    assert row_count(session, Batch) == 0


def test_deeply_nested_json_on_the_token_endpoint_is_a_bad_request(api, client, session):
    response = client.post("/api/v1/auth/token", data="[" * 5000, content_type="application/json")
    assert_refused(response, 400, "BAD_REQUEST")
    assert row_count(session, ApiToken) == 0


def test_a_unicode_digit_in_label_ids_is_a_validation_error(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    response = api.get("/batches/labels.pdf", as_="producer", query_string={"ids": f"{batch.id},²"})
    assert_refused(response, 422, "VALIDATION_ERROR")


def test_a_manifest_list_from_year_one_is_a_validation_error(api, world):
    for query in ({"from": "0001-01-01"}, {"from": "0001-01-01T00:00:00+14:00"},
                  {"to": "9999-12-31T23:59:59-12:00"}):
        assert_refused(api.get("/manifests", as_="producer", query_string=query), 422, "VALIDATION_ERROR")


def test_a_ledger_of_year_one_is_a_validation_error(api, world):
    response = api.get(f"/sites/{world.producer_site.id}/ledger", as_="producer",
                       query_string={"from": "0001-01-01", "to": "0001-01-02"})
    assert_refused(response, 422, "VALIDATION_ERROR")


def test_a_manifest_planned_in_year_9999_is_not_a_crash(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    response = api.issue(world, batch, "1", planned_pickup_at="9999-06-01T00:00:00+08:00")
    # a time the user gives lies in 2000–2100: refused before any rule looks at it
    assert_refused(response, 422, "VALIDATION_ERROR")
    assert row_count(session, Manifest) == 0 and batch_state(api, batch.id)[0] == batch.quantity_kg


def test_an_id_beyond_32_bits_in_a_body_is_still_a_validation_error(api, world, session):
    """The handler for times out of range must not swallow the database's own out-of-range errors."""
    response = api.post("/batches", {"site_id": 2**31, "waste_code": "900-041-49", "quantity_kg": 1,
                                      "generated_at": "2026-11-01T08:00:00+08:00"}, as_="producer")
    assert_refused(response, 422, "VALIDATION_ERROR")
    assert row_count(session, Batch) == 0
