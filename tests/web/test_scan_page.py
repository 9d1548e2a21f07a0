"""The scan page /s/<token> and the driver's steps on it: each refusal is a plain message and records nothing."""
from datetime import timedelta

import pytest

from tests.factories import NOW
from tests.factories import manifest_state
from tests.web.helpers import SECRET, events, forged, handover_code, issue, login, refused_page, token_of
from wastechain.services.manifests import handover


def _pickup(client, token: str, code: str, key: str = "phone-key-0001", **extra):
    body = {"type": "pickup", "idempotency_key": key, "quantity_kg": "100", "handover_code": code,
            "lat": 28.97, "lon": 118.87, **extra}
    return client.post(f"/s/{token}/step", json=body)


def test_anyone_sees_what_a_qr_is_and_its_status_but_nothing_about_the_parties(client, api, session, world):
    manifest = issue(api, session, world)
    page = client.get(f"/s/{token_of(manifest)}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert manifest["number"] in text and "已开具" in text and "登录后提货" in text
    assert world.producer.name not in text and world.transporter.name not in text


def test_a_forged_token_gets_a_plain_message_and_records_nothing(client, api, session, world):
    manifest = issue(api, session, world)
    page = client.get(f"/s/{forged('manifest', manifest['id'])}")
    assert page.status_code == 404 and "二维码无效" in page.get_data(as_text=True)
    login(client, "driver")
    refused = _pickup(client, forged("manifest", manifest["id"]), "123456")
    assert refused.status_code == 404 and refused.json["error"]["code"] == "INVALID_QR"
    assert len(events(api, manifest["id"])) == 1


def test_the_driver_picks_up_with_the_producers_code_and_the_event_carries_gps_and_the_handover(client, api, session, world):
    manifest = issue(api, session, world)
    code = handover_code(client, manifest["id"])
    login(client, "driver")
    page = client.get(f"/s/{token_of(manifest)}").get_data(as_text=True)
    assert "确认提货" in page and "交接码" in page
    response = _pickup(client, token_of(manifest), code)
    assert response.status_code == 201, response.json
    assert response.json["status"] == "in_transit"
    [pickup] = events(api, manifest["id"], "pickup")
    assert float(pickup["lat"]) == 28.97 and float(pickup["lon"]) == 118.87
    assert pickup["data"]["handover_confirmed"] is True


def test_a_plain_form_post_works_without_scripts(client, api, session, world):
    manifest = issue(api, session, world)
    code = handover_code(client, manifest["id"])
    login(client, "driver")
    response = client.post(f"/s/{token_of(manifest)}/step", data={
        "type": "pickup", "idempotency_key": "form-key-0001", "quantity_kg": "99.5", "handover_code": code})
    assert response.status_code == 302
    assert "提货已记录" in client.get(response.location).get_data(as_text=True)
    assert events(api, manifest["id"], "pickup")[0]["quantity_kg"] == 99.5


def test_a_driver_of_the_transporter_not_named_on_the_manifest_cannot_pick_up(client, api, session, world):
    from sqlalchemy import select

    from wastechain.models import User

    driver = session.scalar(select(User).where(User.username == "driver"))
    manifest = issue(api, session, world, driver_id=driver.id)
    code = handover_code(client, manifest["id"])
    login(client, "driver2")
    assert "已指定其他驾驶员" in client.get(f"/s/{token_of(manifest)}").get_data(as_text=True)
    refused = _pickup(client, token_of(manifest), code)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "FORBIDDEN"
    assert events(api, manifest["id"], "pickup") == []
    assert handover.code_state(session, manifest_id=manifest["id"]).failed_attempts == 0


def test_a_step_the_state_does_not_allow_is_refused_with_409(client, api, session, world):
    manifest = issue(api, session, world)
    login(client, "driver")
    refused = client.post(f"/s/{token_of(manifest)}/step", json={"type": "deliver", "idempotency_key": "deliver-0001"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "INVALID_TRANSITION"
    assert "不能执行「送达」" in refused.json["error"]["message"]
    assert len(events(api, manifest["id"])) == 1


def test_a_driver_of_another_transporter_is_told_plainly(client, api, session, world):
    from tests.factories import make_org, make_user

    other = make_org(session, name="别家物流", roles=["transporter"])
    make_user(session, username="outsider", role="driver", org=other)
    session.commit()
    manifest = issue(api, session, world)
    login(client, "outsider")
    assert "不属于您所在的运输单位" in client.get(f"/s/{token_of(manifest)}").get_data(as_text=True)
    refused = _pickup(client, token_of(manifest), "123456")
    assert refused.status_code == 404 and refused.json["error"]["code"] == "NOT_FOUND"
    assert manifest_state(api, manifest["id"]) == ("issued", 1)


def test_a_wrong_code_is_refused_and_counts(client, api, session, world):
    manifest = issue(api, session, world)
    code = handover_code(client, manifest["id"])
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    login(client, "driver")
    refused = _pickup(client, token_of(manifest), wrong)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "HANDOVER_CODE_INVALID"
    assert refused.json["error"]["details"]["attempts_left"] == 4
    assert events(api, manifest["id"], "pickup") == []


def test_five_wrong_codes_lock_the_code_until_the_producer_issues_a_new_one(client, api, session, world):
    manifest = issue(api, session, world)
    code = handover_code(client, manifest["id"])
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    login(client, "driver")
    codes = [_pickup(client, token_of(manifest), wrong, key=f"guess-key-{i:04d}").json["error"]["code"] for i in range(5)]
    assert codes == ["HANDOVER_CODE_INVALID"] * 4 + ["HANDOVER_CODE_LOCKED"]
    locked = _pickup(client, token_of(manifest), code, key="right-key-0001")
    assert locked.status_code == 422 and locked.json["error"]["code"] == "HANDOVER_CODE_LOCKED"
    assert manifest_state(api, manifest["id"]) == ("issued", 1)
    client.post("/logout")
    fresh = handover_code(client, manifest["id"])
    login(client, "driver")
    assert _pickup(client, token_of(manifest), fresh, key="right-key-0002").status_code == 201


def test_an_expired_code_is_refused(client, api, session, world):
    from sqlalchemy import select

    from wastechain.models import User

    manifest = issue(api, session, world)
    producer = session.scalar(select(User).where(User.username == "producer"))
    old = handover.issue_code(session, actor=producer, manifest_id=manifest["id"], secret=SECRET,
                              now=NOW - timedelta(minutes=30))
    login(client, "driver")
    refused = _pickup(client, token_of(manifest), old.code)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "HANDOVER_CODE_EXPIRED"
    assert events(api, manifest["id"], "pickup") == []


def test_a_pickup_queued_offline_is_accepted_later_if_the_code_was_valid_at_the_device_time(client, api, session, world):
    from datetime import datetime, timezone

    from sqlalchemy import select

    from wastechain.models import User

    manifest = issue(api, session, world)
    producer = session.scalar(select(User).where(User.username == "producer"))
    at_gate = datetime.now(timezone.utc) - timedelta(minutes=40)
    issued = handover.issue_code(session, actor=producer, manifest_id=manifest["id"], secret=SECRET, now=at_gate)
    login(client, "driver")
    occurred = (at_gate + timedelta(minutes=3)).isoformat()
    first = _pickup(client, token_of(manifest), issued.code, key="offline-key-01", occurred_at=occurred)
    again = _pickup(client, token_of(manifest), "", key="offline-key-01", occurred_at=occurred)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["event"]["id"] == first.json["event"]["id"]
    [pickup] = events(api, manifest["id"], "pickup")
    assert pickup["occurred_at"].startswith((at_gate + timedelta(minutes=3)).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M"))


def test_a_code_is_bound_to_its_manifest_and_used_once(client, api, session, world):
    first, second = issue(api, session, world), issue(api, session, world)
    code = handover_code(client, first["id"])
    handover_code(client, second["id"])
    login(client, "driver")
    elsewhere = _pickup(client, token_of(second), code, key="other-key-001")
    assert elsewhere.status_code == 422 and elsewhere.json["error"]["code"] == "HANDOVER_CODE_INVALID"
    assert manifest_state(api, second["id"]) == ("issued", 1)
    assert handover.code_state(session, manifest_id=second["id"]).failed_attempts == 1
    session.commit()
    picked = _pickup(client, token_of(first), code, key="first-key-001")
    assert picked.status_code == 201 and picked.json["status"] == "in_transit"
    from wastechain.models import HandoverCode

    row = session.query(HandoverCode).filter_by(manifest_id=first["id"]).one()
    assert row.used_at is not None and code not in row.code_hash


def test_only_the_issuing_producer_can_generate_a_code(client, api, session, world):
    manifest = issue(api, session, world)
    login(client, "driver")
    refused = client.post(f"/producer/manifests/{manifest['id']}/handover-code")
    assert refused_page(refused, 403) == "当前角色（驾驶员）不能使用此页面"
    client.post("/logout")
    login(client, "other_producer")
    hidden = client.post(f"/producer/manifests/{manifest['id']}/handover-code")
    assert refused_page(hidden, 404) == f"联单 {manifest['id']} 不存在或无权查看"
    assert handover.code_state(session, manifest_id=manifest["id"]) is None
    session.commit()


def test_an_api_pickup_with_a_stated_exception_is_marked_unconfirmed(api, session, world):
    manifest = issue(api, session, world)
    picked = api.step(manifest["id"], "pickup", as_="driver", handover_exception_reason="产生单位门卫不在岗")
    assert picked.status_code == 201 and picked.json["status"] == "in_transit"
    assert events(api, manifest["id"], "pickup")[0]["data"]["handover_confirmed"] is False


def test_a_logged_out_phone_gets_json_401_so_it_keeps_the_step_queued(client, api, session, world):
    manifest = issue(api, session, world)
    refused = _pickup(client, token_of(manifest), "123456")
    assert refused.status_code == 401 and refused.json["error"]["code"] == "UNAUTHORIZED"
    assert manifest_state(api, manifest["id"]) == ("issued", 1)


def test_the_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and "javascript" in response.content_type
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert client.get("/offline").status_code == 200


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
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert manifest_state(api, manifest["id"]) == ("issued", 1)


@pytest.mark.parametrize("raw", ["1", '"deliver"', "[1, 2]"])
def test_a_json_step_that_is_not_an_object_is_a_json_validation_error(api, session, world, client, raw):
    manifest = issue(api, session, world)
    login(client, "driver")
    response = client.post(f"/s/{token_of(manifest)}/step", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert response.json["error"]["code"] == "VALIDATION_ERROR"
    assert manifest_state(api, manifest["id"]) == ("issued", 1)
