"""schemathesis over the whole OpenAPI document, in process: no operation answers 5xx, every answer matches the
documented schema. Bounded (a few examples per operation) so it stays part of every run."""
import os
from decimal import Decimal
from urllib.parse import unquote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from tests.conftest import TEST_CONFIG
from tests.factories import NOW, make_anomaly, make_approval, make_batch, user_named
from wastechain import create_app
from wastechain.domain.qrtoken import make_token
from wastechain.services.accounts import keys

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))  # per operation; raise it for a longer hunt
CHECKS = [not_a_server_error, response_schema_conformance]


def _operations() -> list[tuple[str, str]]:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite://"})
    spec = app.test_client().get("/api/v1/openapi.json").json
    app.extensions["wastechain.engine"].dispose()
    return [(method.upper(), path) for path, item in spec["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")]


OPERATIONS = _operations()


@pytest.fixture
def fuzzed(app, api, world, batch):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_operation_fails_or_answers_outside_its_schema(fuzzed, api, method, path):
    operation = fuzzed[path][method]
    headers = {"Authorization": f"Bearer {api.token('admin')}"}

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    call()


# ---------------------------------------------------------------- links: real ids for every operation that takes one

@pytest.fixture
def seeded(app, api, world, session):
    """Something behind every id: a manifest through to its disposal, one waiting for pickup, a container and an
    anomaly; the lists the links start from then have items."""
    batch = make_batch(session, world.producer, world.producer_site, kg="100")
    session.commit()
    closed = api.issue(world, batch, "100").json["id"]
    api.step(closed, "pickup", as_="driver")
    api.step(closed, "deliver", as_="driver")
    api.step(closed, "receive", as_="receiver", accepted_kg=Decimal("100"))
    api.step(closed, "dispose", as_="receiver", method="R4", quantity_kg=Decimal("100"))
    make_anomaly(session, manifest_id=closed, org=world.producer)
    make_approval(session, producer=world.producer, destination=world.far_site)
    session.commit()
    container = api.post("/containers", {"site_id": world.producer_site.id, "kind": "small_box"}, as_="producer")
    payment = api.post("/payments", {"manifest_id": closed, "payee_id": world.receiver.id, "amount": Decimal("300"),
                                     "paid_at": NOW.isoformat()}, as_="producer")
    producer = user_named(session, "producer")
    producer.org_admin = True
    _key, key = keys.create_key(session, actor=producer, name="ERP", now=NOW)
    session.commit()
    # ids no list of the API offers: the site, the user, the container, the payment and the API key made above, and a QR token
    return {"site_id": world.producer_site.id, "user_id": producer.id, "key_id": key.id,
            "payment_id": payment.json["id"],
            "container_id": container.json["id"],
            "token": make_token(app.extensions["wastechain.settings"].secret_key, "manifest", closed)}


def _follow(expression: str, body):
    """`$response.body#/items/0/id` read from an answer's body (the only kind of link expression we publish)."""
    value = body
    for part in expression.split("#", 1)[1].strip("/").split("/"):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def _ids_from_links(spec: dict, client, headers) -> dict:
    """Each id parameter's value, taken by following the links of the lists (GET without parameters)."""
    ids = {}
    for path, item in spec["paths"].items():
        responses = item.get("get", {}).get("responses", {})
        links = [link for response in responses.values() for link in response.get("links", {}).values()]
        if not links or "{" in path:
            continue
        body = client.get(path, headers=headers).json
        for link in links:
            for parameter, expression in link["parameters"].items():
                ids.setdefault(parameter, _follow(expression, body))
    return ids


def test_links_carry_real_ids_to_every_operation_that_takes_one(fuzzed, api, client, seeded):
    headers = {"Authorization": f"Bearer {api.token('admin')}"}
    ids = {**seeded, **_ids_from_links(fuzzed.raw_schema, client, headers)}
    assert {"manifest_id", "batch_id", "org_id", "anomaly_id", "disposal_id"} <= set(ids)
    answered: dict[str, set[int]] = {}
    with_ids = [(method, path) for method, path in OPERATIONS if "{" in path]
    for method, path in with_ids:
        operation = fuzzed[path][method]

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.path_parameters = {name: ids[name] for name in case.path_parameters}
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            answered.setdefault(f"{method} {path}", set()).add(response.status_code)

        call()
    only_404 = [op for op, statuses in answered.items() if statuses == {404}]
    succeeded = sorted(op for op, statuses in answered.items() if any(200 <= s < 300 for s in statuses))
    print(f"\n{len(succeeded)} of {len(with_ids)} operations taking ids answered 2xx with real ids;",
          f"all {len(OPERATIONS)} operations fuzzed without a 5xx or a schema violation")
    print("  no 2xx:", *sorted((op, sorted(s)) for op, s in answered.items() if op not in succeeded), sep="\n    ")
    assert len(answered) == len(with_ids) and only_404 == []


def test_every_link_names_an_operation_of_the_document_and_a_parameter_it_takes(client):
    spec = client.get("/api/v1/openapi.json").json
    links = [link for item in spec["paths"].values() for operation in item.values() if isinstance(operation, dict)
             for response in operation.get("responses", {}).values() for link in response.get("links", {}).values()]
    assert len(links) >= 50
    for link in links:
        pointer, method = link["operationRef"].removeprefix("#/paths/").rsplit("/", 1)
        path = unquote(pointer).replace("~1", "/").replace("~0", "~")
        declared = spec["paths"][path].get("parameters", []) + spec["paths"][path][method].get("parameters", [])
        parameters = {p["name"] for p in declared if p["in"] == "path"}
        assert set(link["parameters"]) <= parameters, (path, link)
