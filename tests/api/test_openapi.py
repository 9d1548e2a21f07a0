"""The OpenAPI document, its browsable view, and the error shape for malformed requests."""
import pytest

from tests.factories import assert_refused, row_count
from wastechain.models import ApiToken, Batch, Manifest

IN_SCOPE = [
    ("post", "/api/v1/auth/token"), ("get", "/api/v1/regions"), ("get", "/api/v1/waste-codes"),
    ("post", "/api/v1/organizations"), ("post", "/api/v1/organizations/{org_id}/sites"),
    ("post", "/api/v1/organizations/{org_id}/permits"), ("post", "/api/v1/organizations/{org_id}/vehicles"),
    ("post", "/api/v1/users"), ("post", "/api/v1/approvals"), ("post", "/api/v1/batches"),
    ("get", "/api/v1/batches/{batch_id}"), ("post", "/api/v1/manifests"), ("get", "/api/v1/manifests"),
    ("get", "/api/v1/manifests/{manifest_id}"), ("get", "/api/v1/manifests/{manifest_id}/qr.png"),
    ("get", "/api/v1/manifests/{manifest_id}/qr.svg"), ("post", "/api/v1/manifests/{manifest_id}/events"),
    ("get", "/api/v1/scan/{token}"), ("get", "/api/v1/manifests/{manifest_id}/verify"),
]


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


@pytest.mark.parametrize("method, path", IN_SCOPE)
def test_the_openapi_document_describes_each_endpoint(spec, method, path):
    assert method in spec["paths"][path]


def test_every_api_route_of_the_app_is_in_the_document(app, spec):
    documented = {path.replace("{", "<").replace("}", ">") for path in spec["paths"]}
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<int:", "<")
        if path.startswith("/api/v1/") and not path.startswith(("/api/v1/openapi", "/api/v1/docs")):
            assert path in documented, path


def test_request_bodies_have_schemas(spec):
    issue = spec["paths"]["/api/v1/manifests"]["post"]
    assert issue["requestBody"]["content"]["application/json"]["schema"]
    assert "ManifestIn" in spec["components"]["schemas"]


def test_bearer_auth_is_declared(spec):
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_docs_page_renders_every_path(client, spec):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "/api/v1/manifests/{manifest_id}/events" in page and "openapi.json" in page


def test_malformed_json_is_a_400_with_the_error_shape(api, world):
    response = api.client.post("/api/v1/manifests", data='{"lines": [', content_type="application/json",
                               headers={"Authorization": f"Bearer {api.token('producer')}"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "BAD_REQUEST" and response.json["error"]["message"]


def test_malformed_json_on_login_is_a_400(api):
    response = api.client.post("/api/v1/auth/token", data="{oops", content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == "BAD_REQUEST"


def test_a_json_body_that_is_not_an_object_is_a_validation_error(api, world):
    response = api.client.post("/api/v1/auth/token", data="[1, 2]", content_type="application/json")
    assert response.status_code == 422 and response.json["error"]["code"] == "VALIDATION_ERROR"


def test_invalid_utf8_is_a_400(api, session):
    response = api.client.post("/api/v1/auth/token", data=b'{"username": "\xff"}', content_type="application/json")
    assert_refused(response, 400, "BAD_REQUEST")
    assert row_count(session, ApiToken) == 0


def test_an_unknown_api_path_is_a_json_404(api):
    response = api.get("/nothing-here")
    assert response.status_code == 404 and response.json["error"]["code"] == "NOT_FOUND"


def test_a_wrong_method_is_a_json_405(api):
    response = api.client.delete("/api/v1/manifests")
    assert response.status_code == 405 and response.json["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_unknown_fields_are_refused(api, world, session):
    response = api.post("/auth/token", {"username": "producer", "password": "password123", "admin": True})
    assert "admin" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, ApiToken) == 0


@pytest.mark.parametrize("path", ["/manifests/99999999999999999999999", "/batches/99999999999999999999999",
                                  "/manifests/99999999999999999999999/verify"])
def test_ids_beyond_any_integer_column_are_not_found(api, world, path):
    assert_refused(api.get(path, as_="producer"), 404, "NOT_FOUND")


def test_huge_ids_in_a_body_are_refused_without_a_server_error(api, world, session):
    body = {"lines": [{"batch_id": 10**30, "quantity_kg": 1}], "receiver_site_id": 10**30,
            "transporter_id": 10**30, "vehicle_id": 10**30, "planned_pickup_at": "2026-12-01T09:00:00+08:00"}
    assert_refused(api.post("/manifests", body, as_="producer"), 422, "VALIDATION_ERROR")
    assert row_count(session, Manifest) == 0


def test_a_huge_container_count_is_refused_without_a_server_error(api, world, session):
    body = {"site_id": world.producer_site.id, "waste_code": "900-041-49", "quantity_kg": 1,
            "generated_at": "2026-01-01T08:00:00+08:00", "container_count": 10**20}
    response = api.post("/batches", body, as_="producer")
    assert assert_refused(response, 422, "VALIDATION_ERROR")["message"] == "数值超出允许范围"
    assert row_count(session, Batch) == 0
