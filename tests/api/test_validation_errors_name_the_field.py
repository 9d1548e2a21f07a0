"""A refused input names its field as a person knows it, in the request's language (Chinese by default, English on
request), while `details` stays keyed by the JSON field for programs (API.md)."""
from tests.factories import assert_refused, row_count
from wastechain.models import ManifestEvent

EN = {"Accept-Language": "en"}


def _step(api, manifest_id, body, headers=None):
    return api.client.post(f"/api/v1/manifests/{manifest_id}/events", json=body,
                           headers={**api._headers("driver"), **(headers or {})})


def test_a_too_short_key_is_named_in_chinese_with_its_limits(api, session, world, batch):
    manifest = api.issue(world, batch, "100").json
    error = assert_refused(_step(api, manifest["id"], {"type": "deliver", "idempotency_key": "short"}), 422,
                           "VALIDATION_ERROR")
    assert error["message"] == "请求内容未通过校验：「幂等键」长度应为 8–100 个字符"
    assert "idempotency_key" in error["details"]
    assert row_count(session, ManifestEvent) == 1  # only the issue


def test_the_same_refusal_reads_in_english_on_request(api, session, world, batch):
    manifest = api.issue(world, batch, "100").json
    error = assert_refused(_step(api, manifest["id"], {"type": "deliver", "idempotency_key": "short"}, EN), 422,
                           "VALIDATION_ERROR")
    assert error["message"] == "The request did not pass validation: “Idempotency key” must be 8–100 characters long"
    assert "idempotency_key" in error["details"]


def test_a_missing_field_is_named_in_both_languages(api, world, batch):
    manifest = api.issue(world, batch, "100").json
    no_type = {"idempotency_key": "missing-type-1"}
    chinese = assert_refused(_step(api, manifest["id"], no_type), 422, "VALIDATION_ERROR")
    assert chinese["message"] == "请求内容未通过校验：「环节」必须填写"
    english = assert_refused(_step(api, manifest["id"], no_type, EN), 422, "VALIDATION_ERROR")
    assert english["message"] == "The request did not pass validation: “Step” is required"
    no_key = assert_refused(_step(api, manifest["id"], {"type": "deliver"}), 422, "VALIDATION_ERROR")
    assert no_key["message"] == "缺少幂等键：请在请求体 idempotency_key 或 Idempotency-Key 头中提供"
    english = assert_refused(_step(api, manifest["id"], {"type": "deliver"}, EN), 422, "VALIDATION_ERROR")
    assert english["message"] == "Missing idempotency key: send idempotency_key in the body or the Idempotency-Key header"


def test_a_bad_quantity_is_named_once_by_its_human_name(api, world, batch):
    manifest = api.issue(world, batch, "100").json
    body = {"type": "pickup", "idempotency_key": "pickup-negative-1", "quantity_kg": -5, "handover_code": "123456"}
    chinese = assert_refused(_step(api, manifest["id"], body), 422, "VALIDATION_ERROR")
    assert chinese["message"] == "请求内容未通过校验：重量（kg）必须大于 0：-5"
    assert "quantity_kg" in chinese["details"]
    english = assert_refused(_step(api, manifest["id"], body, EN), 422, "VALIDATION_ERROR")
    assert english["message"] == "The request did not pass validation: Weight (kg) must be greater than 0: -5"


def test_a_nested_line_names_its_field(api, world, batch):
    response = api.client.post("/api/v1/manifests", json={
        "lines": [{"batch_id": batch.id, "quantity_kg": "abc"}], "receiver_site_id": world.receiver_site.id,
        "transporter_id": world.transporter.id}, headers={**api._headers("producer"), **EN})
    error = assert_refused(response, 422, "VALIDATION_ERROR")
    assert "Weight (kg)" in error["message"] and "quantity_kg" not in error["message"]
    assert "lines" in error["details"]
