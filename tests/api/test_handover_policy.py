"""Issue 11, item 7: an API pickup needs the producer's one-time code, or a stated exception that the regulator sees
as HANDOVER_UNCONFIRMED; the producer obtains the code through the API."""
from tests.factories import NOW, assert_refused, make_batch, manifest_state, row_count, run_checks
from wastechain.domain.timeutil import local_date
from wastechain.models import Anomaly, HandoverCode


def _issued(api, world, session) -> int:
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    return api.issue(world, batch, "50").json["id"]


def _unconfirmed(api, manifest_id: int) -> list[dict]:
    items = api.get("/anomalies", as_="kecheng_regulator", query_string={"code": "HANDOVER_UNCONFIRMED"}).json
    return [a for a in items["items"] if a["manifest_id"] == manifest_id]


def test_the_producer_obtains_a_one_time_code_that_is_never_cached(api, world, session):
    manifest_id = _issued(api, world, session)
    response = api.post(f"/manifests/{manifest_id}/handover-code", as_="producer")
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    assert len(response.json["code"]) == 6 and response.json["code"].isdigit() and response.json["expires_at"]


def test_only_the_issuer_obtains_the_code(api, world, session):
    manifest_id = _issued(api, world, session)
    assert_refused(api.post(f"/manifests/{manifest_id}/handover-code", as_="driver"), 403, "FORBIDDEN")
    assert_refused(api.post(f"/manifests/{manifest_id}/handover-code", as_="other_producer"), 404, "NOT_FOUND")
    assert row_count(session, HandoverCode) == 0


def test_no_code_is_issued_once_the_waste_has_left(api, world, session):
    manifest_id = _issued(api, world, session)
    assert api.step(manifest_id, "pickup", as_="driver").status_code == 201
    assert_refused(api.post(f"/manifests/{manifest_id}/handover-code", as_="producer"), 409, "INVALID_TRANSITION")


def test_a_pickup_with_the_code_from_the_api_is_confirmed_and_raises_no_anomaly(app, api, world, session):
    manifest_id = _issued(api, world, session)
    code = api.post(f"/manifests/{manifest_id}/handover-code", as_="producer").json["code"]
    picked = api.step(manifest_id, "pickup", as_="driver", handover_code=code)
    assert picked.status_code == 201 and picked.json["data"]["handover_confirmed"] is True
    assert run_checks(app) == 1  # its run-time checks ran
    assert _unconfirmed(api, manifest_id) == []


def test_a_pickup_with_neither_code_nor_reason_is_refused_and_records_nothing(api, world, session):
    manifest_id = _issued(api, world, session)
    refused = api.step(manifest_id, "pickup", as_="driver", handover_code=None)
    assert_refused(refused, 422, "HANDOVER_CODE_REQUIRED")
    assert manifest_state(api, manifest_id) == ("issued", 1) and row_count(session, Anomaly) == 0


def test_a_pickup_with_a_blank_or_unclean_reason_is_refused(api, world, session):
    manifest_id = _issued(api, world, session)
    for reason in ("   ", "门卫\x00不在"):
        refused = api.step(manifest_id, "pickup", as_="driver", handover_exception_reason=reason)
        assert "handover_exception_reason" in assert_refused(refused, 422, "VALIDATION_ERROR")["details"]
    assert manifest_state(api, manifest_id) == ("issued", 1) and row_count(session, Anomaly) == 0


def test_a_pickup_on_a_stated_exception_is_unconfirmed_and_raises_handover_unconfirmed(app, api, world, session):
    manifest_id = _issued(api, world, session)
    picked = api.step(manifest_id, "pickup", as_="driver", handover_exception_reason=" 产生单位无人值守 ")
    assert picked.status_code == 201 and picked.json["status"] == "in_transit"
    assert picked.json["data"] == {"handover_confirmed": False, "handover_exception_reason": "产生单位无人值守"}
    assert run_checks(app) == 1  # the run-checks worker, off the request path
    [anomaly] = _unconfirmed(api, manifest_id)
    assert anomaly["source"] == "runtime" and anomaly["evidence"]["reason"] == "产生单位无人值守"
    assert anomaly["evidence"]["event_id"] == picked.json["id"]


def test_the_nightly_run_finds_the_same_unconfirmed_handover_once(app, api, world, session):
    manifest_id = _issued(api, world, session)
    api.step(manifest_id, "pickup", as_="driver", handover_exception_reason="门卫不在")
    assert run_checks(app) == 1 and len(_unconfirmed(api, manifest_id)) == 1  # found at run time
    # the business day in China (NOW.date() is the UTC date: a day early in the evening, UTC)
    ran = api.post("/reconciliations", {"date": local_date(NOW).isoformat()}, as_="city_regulator")
    assert ran.status_code == 201, ran.json
    assert len(_unconfirmed(api, manifest_id)) == 1


def test_a_code_and_a_reason_together_are_refused(api, world, session):
    manifest_id = _issued(api, world, session)
    code = api.post(f"/manifests/{manifest_id}/handover-code", as_="producer").json["code"]
    refused = api.step(manifest_id, "pickup", as_="driver", handover_code=code, handover_exception_reason="门卫不在")
    assert_refused(refused, 422, "VALIDATION_ERROR")
    assert manifest_state(api, manifest_id) == ("issued", 1)


def test_a_handover_exception_on_another_step_is_refused(api, world, session):
    manifest_id = _issued(api, world, session)
    api.step(manifest_id, "pickup", as_="driver")
    refused = api.step(manifest_id, "deliver", as_="driver", handover_exception_reason="门卫不在")
    assert_refused(refused, 422, "VALIDATION_ERROR")
    assert manifest_state(api, manifest_id) == ("in_transit", 2)


def test_without_a_code_the_refusal_still_names_a_wrong_driver_or_state_first(api, world, session):
    manifest_id = _issued(api, world, session)
    assert_refused(api.step(manifest_id, "pickup", as_="producer", handover_code=None), 403, "FORBIDDEN")
    api.step(manifest_id, "pickup", as_="driver")
    assert_refused(api.step(manifest_id, "pickup", as_="driver", handover_code=None), 409, "INVALID_TRANSITION")


def test_a_retried_exception_pickup_returns_the_first_event(app, api, world, session):
    manifest_id = _issued(api, world, session)
    first = api.step(manifest_id, "pickup", as_="driver", key="gate-absent-1", handover_exception_reason="门卫不在")
    again = api.step(manifest_id, "pickup", as_="driver", key="gate-absent-1", handover_code=None)
    assert (first.status_code, again.status_code) == (201, 200) and again.json["id"] == first.json["id"]
    assert run_checks(app) == 1  # one step recorded, so one step to check
    assert len(_unconfirmed(api, manifest_id)) == 1
