"""schemathesis over the whole OpenAPI document, in process: no operation answers 5xx, every answer matches the
documented schema, and data the document calls valid is accepted (or refused for a business reason only). Bounded
(a few examples per operation, derandomized) so it stays part of every run: about 2 minutes on a loaded 2-core
machine, SQLite or PostgreSQL."""
import io
import itertools
import os
from decimal import Decimal
from urllib.parse import unquote

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance, response_schema_conformance
from tests.conftest import TEST_CONFIG
from tests.factories import NOW, make_anomaly, make_approval, make_batch, user_named
from wastechain import create_app
from wastechain.domain.qrtoken import make_token
from wastechain.services.accounts import keys

KEYS = itertools.count()


def _with_idempotency_key(case, headers: dict) -> dict:
    """A fresh Idempotency-Key header when the body carries no key, as a client sends one (a step needs either)."""
    if isinstance(case.body, dict) and case.body.get("idempotency_key"):
        return headers
    return {**headers, "Idempotency-Key": f"fuzz-{next(KEYS):08d}"}

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))  # per operation; raise it for a longer hunt
# Data the document calls valid may still be refused, but only for a reason no request schema can state: the
# credentials are wrong (401), the actor may not do it (403), the id is absent or not visible to them (404), the
# record's state forbids the step or it is a duplicate (409). Not 400, and a 422 only as below.
ACCEPTED = ["2xx", "401", "403", "404", "409"]
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}}})
# The 422 VALIDATION_ERRORs a document cannot rule out, by the field they name: what only the data knows (which
# region, waste code or category the catalog holds; a credit code's check characters; whether a scan's bytes are a
# JPEG, PNG or PDF; whether the organization has the role; which officers may take an anomaly), what depends on
# today (no reconciling or paying in the future) and one field weighed against another (an end before its start,
# one of two fields, a field only some step types take, a handover code or the reason there is none, a note to
# resolve an anomaly with). Any other VALIDATION_ERROR means the document promises more than the API accepts.
# A 422 with a rule's own code (quantity beyond the batch, wrong current password…) is a business refusal.
BEYOND_A_SCHEMA = {"credit_code", "region_code", "waste_codes", "scan", "organization_id", "assignee_id",  # data
                   "date", "paid_at",  # today
                   "valid_to", "to", "body", "type", "lines", "handover_code", "handover_exception_reason", "note"}


def documented_data_is_accepted(ctx, response, case):
    if response.status_code == 422:
        error = response.json()["error"]
        if error["code"] != "VALIDATION_ERROR" or set(error["details"]) and set(error["details"]) <= BEYOND_A_SCHEMA:
            return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [not_a_server_error, response_schema_conformance, documented_data_is_accepted]


def _operations() -> list[tuple[str, str]]:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": "sqlite://"})
    spec = app.test_client().get("/api/v1/openapi.json").json
    app.extensions["wastechain.engine"].dispose()
    return [(method.upper(), path) for path, item in spec["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")]


OPERATIONS = _operations()
NOT_YET_REACHED: list[str] = []  # every operation answers for itself
LOGIN, LOGOUT = "POST /api/v1/auth/token", ("POST", "/api/v1/auth/logout")
WITH_IDS = [(method, path) for method, path in OPERATIONS if "{" in path]


@pytest.fixture
def fuzzed(app, api, world, batch):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)


@pytest.mark.parametrize("method, path", WITH_IDS, ids=[f"{m} {p}" for m, p in WITH_IDS])
def test_no_operation_fails_or_answers_outside_its_schema_with_ids_made_up(fuzzed, api, method, path):
    """The operations without ids are fuzzed the same way below, in the one pass over every operation."""
    operation = fuzzed[path][method]
    headers = {"Authorization": f"Bearer {api.token('admin')}"}

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def call(case):
        case.call_and_validate(headers=_with_idempotency_key(case, headers), checks=CHECKS)

    call()


# ---------------------------------------------------------------- every operation, with real ids from the links

@pytest.fixture
def seeded(app, api, world, session, tmp_path):
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
    payment = api.post("/payments", {"manifest_id": closed, "payee_id": world.receiver.id,
                                     "amount": Decimal("300"),
                                     "paid_at": NOW.isoformat()}, as_="producer")
    producer = user_named(session, "producer")
    producer.org_admin = True
    _key, key = keys.create_key(session, actor=producer, name="ERP", now=NOW)
    session.commit()
    correction = api.post(f"/manifests/{closed}/corrections", {"field": "pickup_kg", "pickup_kg": "99",
                                                               "reason": "地磅读数抄错"}, as_="transporter")
    app.config["PAPER_SCAN_DIR"] = str(tmp_path / "scans")
    paper_batch = make_batch(session, world.producer, world.producer_site, kg="10")
    session.commit()
    on_paper = api.issue(world, paper_batch, "10").json["id"]
    client = api.client
    client.post(f"/api/v1/manifests/{on_paper}/paper-entries", headers={"Authorization": f"Bearer {api.token('driver')}"},
                data={"type": "pickup", "occurred_at": NOW.isoformat(), "idempotency_key": "paper-seeded",
                      "scan": (io.BytesIO(b"%PDF-1.4 paper form"), "form.pdf")}, content_type="multipart/form-data")
    # ids no list of the API offers: the site, the user, the container, the payment and the API key made above, and a QR token
    return {"site_id": world.producer_site.id, "user_id": producer.id, "payee_id": world.receiver.id,
            "receiver_site_id": world.receiver_site.id, "transporter_id": world.transporter.id,
            "vehicle_id": world.vehicle.id, "driver_id": user_named(session, "driver").id, "key_id": key.id,
            "payment_id": payment.json["id"], "correction_id": correction.json["id"],
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


def test_every_operation_is_reached_with_documented_data_and_real_ids(fuzzed, api, client, seeded):
    headers = {"Authorization": f"Bearer {api.token('admin')}"}
    ids = {**seeded, **_ids_from_links(fuzzed.raw_schema, client, headers)}
    assert {"manifest_id", "batch_id", "org_id", "anomaly_id", "disposal_id"} <= set(ids)
    answered: dict[str, set[int]] = {}
    for method, path in sorted(OPERATIONS, key=lambda op: op == LOGOUT):  # logging out ends the token: last
        operation = fuzzed[path][method]

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            case.path_parameters = {name: ids[name] for name in case.path_parameters or {}}
            if isinstance(case.body, dict):  # the ids a body names (a payment's manifest, a manifest's containers)
                case.body.update({name: ids[name] for name in case.body if name in ids})
                if "container_ids" in case.body:
                    case.body["container_ids"] = [ids["container_id"]]
            response = case.call_and_validate(headers=_with_idempotency_key(case, headers), checks=CHECKS)
            answered.setdefault(f"{method} {path}", set()).add(response.status_code)

        call()
    # reached: the operation itself answered (2xx, or refused what it was given for a business reason), not 404 and
    # not 401 (except the login's own answer to a wrong password)
    reached = sorted(op for op, statuses in answered.items() if statuses - ({404} if op == LOGIN else {401, 404}))
    succeeded = sorted(op for op, statuses in answered.items() if any(200 <= s < 300 for s in statuses))
    print(f"\n{len(reached)} of {len(OPERATIONS)} operations reached with documented data and real ids,",
          f"{len(succeeded)} of them answered 2xx (as admin); none answered 5xx, outside its schema or",
          "refused documented data as invalid")
    print("  no 2xx:", *sorted((op, sorted(s)) for op, s in answered.items() if op not in succeeded), sep="\n    ")
    assert sorted(set(answered) - set(reached)) == NOT_YET_REACHED


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
