"""The corrections API: file, approve, refuse, ask; a correction applies only with every affected party's approval."""
import pytest


@pytest.fixture
def picked_up(api, world, batch):
    manifest_id = api.issue(world, batch, "100").json["id"]
    assert api.step(manifest_id, "pickup", as_="driver", quantity_kg="100").status_code == 201
    return manifest_id


def _pickup_kg(api, manifest_id):
    return api.get(f"/manifests/{manifest_id}", as_="producer").json["pickup_kg"]


def _file(api, manifest_id, as_="transporter", **body):
    return api.post(f"/manifests/{manifest_id}/corrections",
                    {"field": "pickup_kg", "pickup_kg": "98.5", "reason": "地磅读数抄错", **body}, as_=as_)


def test_the_carrier_files_and_both_other_parties_approve(api, picked_up):
    filed = _file(api, picked_up)
    assert filed.status_code == 201, filed.json
    assert filed.json["status"] == "pending" and filed.json["required"] == ["issuer", "receiver"]
    assert float(_pickup_kg(api, picked_up)) == 100  # one party alone changes nothing
    first = api.post(f"/corrections/{filed.json['id']}/approve", {}, as_="producer")
    assert first.status_code == 200 and first.json["status"] == "pending"
    assert float(_pickup_kg(api, picked_up)) == 100
    last = api.post(f"/corrections/{filed.json['id']}/approve", {}, as_="receiver")
    assert last.json["status"] == "applied" and last.json["event_id"]
    assert float(_pickup_kg(api, picked_up)) == 98.5
    history = api.get(f"/manifests/{picked_up}/corrections", as_="kecheng_regulator").json["items"]
    assert [(d["party"], d["approved"]) for d in history[0]["decisions"]] == [
        ("carrier", True), ("issuer", True), ("receiver", True)]
    assert history[0]["before"]["shown"] == "100 kg" and history[0]["after"]["shown"] == "98.5 kg"
    check = api.get(f"/manifests/{picked_up}/verify", as_="producer").json
    assert check["ok"] is True


def test_a_refusal_needs_a_reason_and_then_closes_the_correction(api, picked_up):
    filed = _file(api, picked_up).json
    bare = api.post(f"/corrections/{filed['id']}/refuse", {"reason": ""}, as_="producer")
    assert bare.status_code == 422 and bare.json["error"]["code"] == "VALIDATION_ERROR"
    assert api.get(f"/corrections/{filed['id']}", as_="producer").json["status"] == "pending"
    refused = api.post(f"/corrections/{filed['id']}/refuse", {"reason": "我方过磅也是 100 kg"}, as_="producer")
    assert refused.json["status"] == "refused"
    late = api.post(f"/corrections/{filed['id']}/approve", {}, as_="receiver")
    assert late.status_code == 409 and late.json["error"]["code"] == "CORRECTION_CLOSED"
    assert float(_pickup_kg(api, picked_up)) == 100


@pytest.mark.parametrize("username, status, code", [
    ("transporter", 403, "NOT_A_REQUIRED_PARTY"),  # the filing party approved by filing
    ("other_producer", 404, "NOT_FOUND"),
    ("driver", 403, "NOT_A_REQUIRED_PARTY"),
])
def test_who_may_not_approve(api, picked_up, username, status, code):
    filed = _file(api, picked_up).json
    answer = api.post(f"/corrections/{filed['id']}/approve", {}, as_=username)
    assert answer.status_code == status and answer.json["error"]["code"] == code
    assert api.get(f"/corrections/{filed['id']}", as_="producer").json["decisions"][1:] == []


@pytest.mark.parametrize("username, body, status, code", [
    ("driver", {}, 403, "NOT_A_PARTY"),
    ("other_producer", {}, 404, "NOT_FOUND"),
    ("transporter", {"field": "waste_code"}, 422, "VALIDATION_ERROR"),
    ("transporter", {"pickup_kg": "100"}, 422, "VALIDATION_ERROR"),
    ("transporter", {"reason": ""}, 422, "VALIDATION_ERROR"),
    ("transporter", {"field": "vehicle_id", "pickup_kg": None, "vehicle_id": 999}, 422, "OWNERSHIP_VIOLATION"),
])
def test_refused_requests_file_nothing(api, picked_up, username, body, status, code):
    answer = _file(api, picked_up, as_=username, **body)
    assert answer.status_code == status and answer.json["error"]["code"] == code
    assert api.get(f"/manifests/{picked_up}/corrections", as_="producer").json["items"] == []


def test_before_pickup_a_manifest_is_not_corrected(api, world, batch):
    manifest_id = api.issue(world, batch, "100").json["id"]
    answer = _file(api, manifest_id, as_="producer")
    assert answer.status_code == 409 and answer.json["error"]["code"] == "NOT_CORRECTABLE"
    assert api.get(f"/manifests/{manifest_id}/corrections", as_="producer").json["items"] == []


def test_a_regulator_asks_the_carrier_who_answers(api, picked_up):
    ask = api.post(f"/manifests/{picked_up}/correction-asks", {"party": "carrier", "reason": "请核对提货重量"},
                   as_="kecheng_regulator")
    assert ask.status_code == 201 and ask.json["status"] == "asked"
    denied = api.post(f"/manifests/{picked_up}/correction-asks", {"party": "carrier", "reason": "x"}, as_="producer")
    assert denied.status_code == 403
    answer = _file(api, picked_up, ask_id=ask.json["id"])
    assert answer.status_code == 201 and answer.json["ask_id"] == ask.json["id"]
    assert api.get(f"/corrections/{ask.json['id']}", as_="transporter").json["status"] == "answered"


def test_a_step_cannot_be_posted_as_a_correction(api, picked_up):
    answer = api.step(picked_up, "correct", as_="driver")
    assert answer.status_code == 422
