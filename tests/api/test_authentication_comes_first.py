"""The API authenticates before it parses: an anonymous caller is told to log in, whatever its body says."""
import pytest

from sqlalchemy import func, select

from wastechain.models import Manifest

WRITES = [("post", "/api/v1/manifests"), ("post", "/api/v1/batches"), ("post", "/api/v1/organizations"),
          ("post", "/api/v1/manifests/1/events"), ("patch", "/api/v1/anomalies/1"), ("post", "/api/v1/payments"),
          ("post", "/api/v1/containers"), ("post", "/api/v1/reconciliations")]


@pytest.mark.parametrize("method,path", WRITES)
def test_an_anonymous_write_with_an_invalid_body_answers_401_not_422(client, session, method, path):
    response = getattr(client, method)(path, json={})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "UNAUTHORIZED"
    assert session.scalar(select(func.count()).select_from(Manifest)) == 0


def test_an_anonymous_list_with_an_invalid_query_answers_401(client):
    response = client.get("/api/v1/manifests?page=zero")
    assert response.status_code == 401 and response.json["error"]["code"] == "UNAUTHORIZED"


def test_a_logged_in_caller_with_an_invalid_body_gets_the_validation_error(api, world):
    response = api.post("/manifests", {}, as_="producer")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert "lines" in response.json["error"]["details"]
