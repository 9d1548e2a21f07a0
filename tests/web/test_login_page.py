"""Reviewer's findings on the pages: the phone's JSON step with odd values, and the login's next redirect."""
import pytest

from tests.factories import PASSWORD
from tests.web.helpers import issue, login, token_of


@pytest.mark.parametrize("body", [
    {"type": 1, "idempotency_key": "abcdefghijk"},
    {"type": "deliver", "idempotency_key": {"k": "abcdefghijk"}},
    {"type": "pickup", "idempotency_key": "abcdefghijk", "handover_code": 1.5, "quantity_kg": "100"},
    {"type": ["deliver"], "idempotency_key": "abcdefghijk"},
])
def test_a_json_step_with_values_of_the_wrong_type_is_a_json_validation_error(api, session, world, client, body):
    manifest = issue(api, session, world)
    login(client, "driver")
    response = client.post(f"/s/{token_of(manifest)}/step", json=body)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.json["error"]["code"] in ("VALIDATION_ERROR", "HANDOVER_CODE_MISSING")


@pytest.mark.parametrize("raw", ["1", '"deliver"', "[1, 2]"])
def test_a_json_step_that_is_not_an_object_is_a_json_validation_error(api, session, world, client, raw):
    manifest = issue(api, session, world)
    login(client, "driver")
    response = client.post(f"/s/{token_of(manifest)}/step", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("target", ["/\\evil.example", "/\\/evil.example", "/\t/evil.example", "/%5Cevil.example",
                                    "\\\\evil.example", "https://evil.example/", "//evil.example"])
def test_login_never_redirects_to_another_host(world, client, target):
    response = client.post("/login", data={"username": "producer", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    # browsers read a backslash as a slash: "/\\evil.example" is "//evil.example", another host
    assert location.startswith("/") and not location.replace("\\", "/").startswith("//"), location
    assert "evil.example" not in location or location.startswith("/%5C"), location


def test_login_still_follows_a_same_site_next(world, client):
    response = client.post("/login", data={"username": "producer", "password": PASSWORD, "next": "/producer?x=1"})
    assert response.headers["Location"] == "/producer?x=1"
