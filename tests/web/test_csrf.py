"""Pages refuse posts without the CSRF token; the phone's JSON gets a JSON answer it can act on."""
import re

import pytest

from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD
from wastechain import create_app


@pytest.fixture
def csrf_client(database_url, world):
    app = create_app({**TEST_CONFIG, "WTF_CSRF_ENABLED": True, "DATABASE_URL": database_url})
    yield app.test_client()
    app.extensions["wastechain.engine"].dispose()


def _token(client, path="/login") -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_a_form_post_without_the_token_is_refused(csrf_client):
    response = csrf_client.post("/login", data={"username": "driver", "password": PASSWORD})
    assert response.status_code == 400 and "表单已过期" in response.get_data(as_text=True)
    still_out = csrf_client.get("/receiver/")
    assert still_out.status_code == 302 and "/login" in still_out.headers["Location"]  # no one was logged in


def test_a_json_step_without_the_header_is_refused_with_a_json_error(csrf_client):
    token = _token(csrf_client)
    csrf_client.post("/login", data={"username": "driver", "password": PASSWORD, "csrf_token": token})
    response = csrf_client.post("/s/ANYTHING/step", json={"type": "deliver", "idempotency_key": "k" * 10})
    assert response.status_code == 400 and response.json["error"]["code"] == "CSRF_INVALID"
    fresh = csrf_client.get("/csrf-token").json["csrf_token"]
    with_header = csrf_client.post("/s/ANYTHING/step", json={"type": "deliver", "idempotency_key": "k" * 10},
                                   headers={"X-CSRFToken": fresh})
    assert with_header.status_code == 404 and with_header.json["error"]["code"] == "INVALID_QR"
