"""POST /manifests/{id}/events: every step right and wrong, idempotency, device time, receipt and disposal."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.factories import (as_database_administrator, assert_refused, batch_state, make_rival_transporter,
                             manifest_state, row_count, user_named)

CHINA = timezone(timedelta(hours=8))


@pytest.fixture
def issued(api, world, batch):
    return api.issue(world, batch, "100").json["id"]


def _advance(api, mid, to: str):
    """Moves an issued manifest along the happy path up to the named status."""
    path = [("in_transit", "pickup", "driver", {}), ("delivered", "deliver", "driver", {}),
            ("received", "receive", "receiver", {"accepted_kg": 100}),
            ("closed", "dispose", "receiver", {"quantity_kg": 100, "method": "D10"})]
    for status, step, actor, fields in path:
        response = api.step(mid, step, as_=actor, **fields)
        assert response.status_code == 201, response.json
        if status == to:
            return response
    raise AssertionError(to)


def _status(api, mid):
    return api.get(f"/manifests/{mid}", as_="producer").json["status"]


def _events(api, mid):
    return api.get(f"/manifests/{mid}", as_="producer").json["events"]


# the happy path, one step at a time

def test_the_driver_picks_up_an_issued_manifest(api, issued):
    response = api.step(issued, "pickup", as_="driver", quantity_kg=99.5, lat=28.97, lon=118.87)
    assert response.status_code == 201
    event = response.json
    assert event["type"] == "pickup" and event["status"] == "in_transit" and event["quantity_kg"] == Decimal("99.500")
    assert len(event["hash"]) == 64 and event["prev_hash"] == _events(api, issued)[0]["hash"]


def test_a_pickup_without_a_weight_records_the_manifests_quantity(api, issued):
    assert api.step(issued, "pickup", as_="driver").json["quantity_kg"] == Decimal("100")


def test_the_same_transporters_driver_delivers(api, issued):
    api.step(issued, "pickup", as_="driver")
    response = api.step(issued, "deliver", as_="driver", lat=28.98, lon=118.95)
    assert response.status_code == 201 and response.json["status"] == "delivered"


def test_the_receiver_receives_what_was_delivered(api, issued):
    _advance(api, issued, "delivered")
    response = api.step(issued, "receive", as_="receiver", quantity_kg=100, accepted_kg=100)
    assert response.status_code == 201 and response.json["status"] == "received"
    manifest = api.get(f"/manifests/{issued}", as_="receiver").json
    assert manifest["accepted_kg"] == Decimal("100") and manifest["rejected_kg"] == Decimal("0")


def test_a_partial_refusal_needs_a_reason(api, issued):
    _advance(api, issued, "delivered")
    response = api.step(issued, "receive", as_="receiver", accepted_kg=80, rejected_kg=20)
    assert assert_refused(response, 422, "VALIDATION_ERROR")["details"]["reason"]
    assert manifest_state(api, issued) == ("delivered", 3)


def test_a_partial_refusal_with_a_reason_is_received(api, issued):
    _advance(api, issued, "delivered")
    response = api.step(issued, "receive", as_="receiver", accepted_kg=80, rejected_kg=20, reason="包装破损")
    assert response.status_code == 201 and response.json["status"] == "received"
    assert response.json["rejected_kg"] == Decimal("20") and response.json["reason"] == "包装破损"


def test_a_total_refusal_rejects_the_manifest(api, issued):
    _advance(api, issued, "delivered")
    response = api.step(issued, "receive", as_="receiver", accepted_kg=0, rejected_kg=100, reason="与联单不符")
    assert response.status_code == 201 and response.json["status"] == "rejected"


def test_receive_needs_an_accepted_quantity(api, issued):
    _advance(api, issued, "delivered")
    error = assert_refused(api.step(issued, "receive", as_="receiver"), 422, "VALIDATION_ERROR")
    assert error["details"] == {"accepted_kg": "required"}
    assert manifest_state(api, issued) == ("delivered", 3)


def test_accepted_and_refused_must_add_up_to_the_weighed_quantity(api, issued):
    _advance(api, issued, "delivered")
    response = api.step(issued, "receive", as_="receiver", quantity_kg=100, accepted_kg=90, rejected_kg=5, reason="x")
    error = assert_refused(response, 422, "VALIDATION_ERROR")
    assert error["details"]["quantity_kg"] == "100.000"
    assert manifest_state(api, issued) == ("delivered", 3)


def test_nothing_weighed_cannot_be_received(api, issued):
    _advance(api, issued, "delivered")
    assert_refused(api.step(issued, "receive", as_="receiver", accepted_kg=0), 422, "VALIDATION_ERROR")
    assert manifest_state(api, issued) == ("delivered", 3)


def test_the_receipt_rechecks_the_receivers_permit(api, issued, session, world):
    from datetime import date

    _advance(api, issued, "delivered")
    for permit in world.receiver.permits:
        permit.valid_to = date(2021, 1, 1)
    session.commit()
    assert_refused(api.step(issued, "receive", as_="receiver", accepted_kg=100), 422, "PERMIT_INVALID")
    assert manifest_state(api, issued) == ("delivered", 3)


def test_a_refusal_of_everything_needs_no_valid_permit(api, issued, session, world):
    from datetime import date

    _advance(api, issued, "delivered")
    for permit in world.receiver.permits:
        permit.valid_to = date(2021, 1, 1)
    session.commit()
    response = api.step(issued, "receive", as_="receiver", accepted_kg=0, rejected_kg=100, reason="许可证过期，退回")
    assert response.status_code == 201 and response.json["status"] == "rejected"
    assert response.json["rejected_kg"] == Decimal("100") and manifest_state(api, issued) == ("rejected", 4)


def test_disposing_all_the_accepted_quantity_closes_the_loop(api, issued):
    _advance(api, issued, "received")
    response = api.step(issued, "dispose", as_="receiver", quantity_kg=100, method="D10")
    assert response.status_code == 201 and response.json["status"] == "closed"


def test_disposal_in_parts_closes_only_when_everything_is_treated(api, issued):
    _advance(api, issued, "delivered")
    api.step(issued, "receive", as_="receiver", accepted_kg=80)  # weighed light; a refused part: test_return_and_redirect
    first = api.step(issued, "dispose", as_="receiver", quantity_kg=30, method="r4")
    assert first.status_code == 201 and first.json["status"] == "received" and first.json["method"] == "R4"
    second = api.step(issued, "dispose", as_="receiver", quantity_kg=50, method="D10")
    assert second.json["status"] == "closed"
    assert api.get(f"/manifests/{issued}", as_="receiver").json["disposed_kg"] == Decimal("80")


def test_disposing_more_than_was_accepted_is_refused(api, issued):
    _advance(api, issued, "received")
    response = api.step(issued, "dispose", as_="receiver", quantity_kg=100.001, method="D10")
    assert_refused(response, 422, "INSUFFICIENT_QUANTITY")
    assert manifest_state(api, issued) == ("received", 4)
    assert api.get(f"/manifests/{issued}", as_="receiver").json["disposed_kg"] == Decimal("0")


def test_disposal_needs_a_method(api, issued):
    _advance(api, issued, "received")
    error = assert_refused(api.step(issued, "dispose", as_="receiver", quantity_kg=100), 422, "VALIDATION_ERROR")
    assert "method" in error["details"]
    assert manifest_state(api, issued) == ("received", 4)


def test_disposal_by_a_method_the_permit_does_not_allow_is_refused(api, issued):
    _advance(api, issued, "received")
    response = api.step(issued, "dispose", as_="receiver", quantity_kg=100, method="D1")
    assert_refused(response, 422, "PERMIT_INVALID")
    assert manifest_state(api, issued) == ("received", 4)


def test_the_issuer_cancels_with_a_reason_and_the_quantity_returns(api, issued, batch):
    response = api.step(issued, "cancel", as_="producer", reason="计划变更")
    assert response.status_code == 201 and response.json["status"] == "cancelled"
    assert api.get(f"/batches/{batch.id}", as_="producer").json["remaining_kg"] == Decimal("1000")
    assert api.get(f"/batches/{batch.id}", as_="producer").json["status"] == "stored"


def test_a_cancel_needs_a_reason(api, issued, batch):
    error = assert_refused(api.step(issued, "cancel", as_="producer"), 422, "VALIDATION_ERROR")
    assert error["details"] == {"reason": "required"}
    assert manifest_state(api, issued) == ("issued", 1)
    assert batch_state(api, batch.id) == (Decimal("900"), "partially_shipped")


def test_a_regulator_of_the_origin_cancels(api, issued, batch):
    response = api.step(issued, "cancel", as_="kecheng_regulator", reason="违规")
    assert response.status_code == 201 and response.json["status"] == "cancelled" and response.json["reason"] == "违规"
    assert batch_state(api, batch.id) == (Decimal("1000"), "stored")


# wrong steps: 409, and nothing changes

WRONG = [
    ("issued", "deliver", "driver"), ("issued", "receive", "receiver"), ("issued", "dispose", "receiver"),
    ("in_transit", "pickup", "driver"), ("in_transit", "cancel", "producer"), ("in_transit", "receive", "receiver"),
    ("in_transit", "dispose", "receiver"),
    ("delivered", "pickup", "driver"), ("delivered", "deliver", "driver"), ("delivered", "cancel", "producer"),
    ("delivered", "dispose", "receiver"),
    ("received", "pickup", "driver"), ("received", "deliver", "driver"), ("received", "receive", "receiver"),
    ("received", "cancel", "producer"),
    ("closed", "dispose", "receiver"), ("closed", "receive", "receiver"), ("closed", "cancel", "producer"),
    ("closed", "pickup", "driver"),
]


@pytest.mark.parametrize("status, step, actor", WRONG)
def test_a_step_the_state_does_not_allow_is_refused_with_409(api, issued, status, step, actor):
    if status != "issued":
        _advance(api, issued, status)
    before = len(_events(api, issued))
    response = api.step(issued, step, as_=actor, quantity_kg=1, accepted_kg=1, method="D10", reason="x")
    assert response.status_code == 409 and response.json["error"]["code"] == "INVALID_TRANSITION"
    assert _status(api, issued) == status and len(_events(api, issued)) == before


@pytest.mark.parametrize("step, actor", [("pickup", "driver"), ("deliver", "driver"), ("receive", "receiver"),
                                         ("dispose", "receiver"), ("cancel", "producer")])
def test_a_cancelled_manifest_allows_no_step(api, issued, batch, step, actor):
    api.step(issued, "cancel", as_="producer", reason="作废")
    response = api.step(issued, step, as_=actor, accepted_kg=1, quantity_kg=1, method="D10", reason="x")
    assert_refused(response, 409, "INVALID_TRANSITION")
    assert manifest_state(api, issued) == ("cancelled", 2)
    assert batch_state(api, batch.id) == (Decimal("1000"), "stored")


def test_a_rejected_manifest_allows_no_disposal(api, issued):
    _advance(api, issued, "delivered")
    api.step(issued, "receive", as_="receiver", accepted_kg=0, rejected_kg=100, reason="不符")
    response = api.step(issued, "dispose", as_="receiver", quantity_kg=1, method="D10")
    assert_refused(response, 409, "INVALID_TRANSITION")
    assert manifest_state(api, issued) == ("rejected", 4)


def test_issue_is_not_a_step_of_the_events_endpoint(api, issued):
    error = assert_refused(api.step(issued, "issue", as_="producer"), 422, "VALIDATION_ERROR")
    assert "type" in error["details"]
    assert manifest_state(api, issued) == ("issued", 1)


# wrong actors: 403 (a party that may see the manifest) or 404 (one that may not)

def test_the_receiver_cannot_pick_up(api, issued):
    assert_refused(api.step(issued, "pickup", as_="receiver"), 403, "FORBIDDEN")
    assert manifest_state(api, issued) == ("issued", 1)


def test_the_producer_cannot_pick_up(api, issued):
    assert_refused(api.step(issued, "pickup", as_="producer"), 403, "FORBIDDEN")
    assert manifest_state(api, issued) == ("issued", 1)


def test_the_transporters_office_account_cannot_pick_up(api, issued):
    assert_refused(api.step(issued, "pickup", as_="transporter"), 403, "FORBIDDEN")
    assert manifest_state(api, issued) == ("issued", 1)


def test_a_driver_not_named_on_the_manifest_cannot_pick_up(api, world, batch, session):
    mid = api.issue(world, batch, driver_id=user_named(session, "driver").id).json["id"]
    assert_refused(api.step(mid, "pickup", as_="driver2"), 403, "FORBIDDEN")
    assert manifest_state(api, mid) == ("issued", 1)
    picked = api.step(mid, "pickup", as_="driver")
    assert picked.status_code == 201 and picked.json["status"] == "in_transit"


def test_a_driver_of_another_transporter_cannot_pick_up_and_does_not_see_the_manifest(api, issued, session):
    make_rival_transporter(session)
    assert_refused(api.step(issued, "pickup", as_="rival_driver"), 404, "NOT_FOUND")
    assert manifest_state(api, issued) == ("issued", 1)


def test_the_driver_cannot_receive(api, issued):
    _advance(api, issued, "delivered")
    assert_refused(api.step(issued, "receive", as_="driver", accepted_kg=100), 403, "FORBIDDEN")
    assert manifest_state(api, issued) == ("delivered", 3)


def test_the_producer_cannot_dispose(api, issued):
    _advance(api, issued, "received")
    assert_refused(api.step(issued, "dispose", as_="producer", quantity_kg=100, method="D10"), 403, "FORBIDDEN")
    assert manifest_state(api, issued) == ("received", 4)


def test_the_driver_cannot_cancel(api, issued, batch):
    assert_refused(api.step(issued, "cancel", as_="driver", reason="不想拉"), 403, "FORBIDDEN")
    assert manifest_state(api, issued) == ("issued", 1)
    assert batch_state(api, batch.id) == (Decimal("900"), "partially_shipped")


def test_the_receiver_cannot_cancel(api, issued, batch):
    assert_refused(api.step(issued, "cancel", as_="receiver", reason="不想收"), 403, "FORBIDDEN")
    assert manifest_state(api, issued) == ("issued", 1)
    assert batch_state(api, batch.id) == (Decimal("900"), "partially_shipped")


def test_a_regulator_of_the_destination_county_cannot_cancel(api, world, session, issued, batch):
    from tests.factories import make_user

    make_user(session, username="qujiang_regulator", role="regulator", region="330803")
    session.commit()
    assert_refused(api.step(issued, "cancel", as_="qujiang_regulator", reason="x"), 403, "FORBIDDEN")
    assert manifest_state(api, issued) == ("issued", 1)
    assert batch_state(api, batch.id) == (Decimal("900"), "partially_shipped")


def test_an_outsider_gets_404(api, issued):
    assert_refused(api.step(issued, "pickup", as_="other_producer"), 404, "NOT_FOUND")
    assert manifest_state(api, issued) == ("issued", 1)


def test_a_step_on_a_missing_manifest_is_404(api, world, session):
    from wastechain.models import ManifestEvent

    assert_refused(api.step(999999, "pickup", as_="driver"), 404, "NOT_FOUND")
    assert row_count(session, ManifestEvent) == 0


# idempotency

def test_the_same_key_again_returns_the_first_event_and_records_nothing(api, issued):
    first = api.step(issued, "pickup", as_="driver", key="pickup-retry-0001", quantity_kg=100)
    again = api.step(issued, "pickup", as_="driver", key="pickup-retry-0001", quantity_kg=100)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json["id"] == first.json["id"] and again.json["hash"] == first.json["hash"]
    assert [e["type"] for e in _events(api, issued)] == ["issue", "pickup"] and _status(api, issued) == "in_transit"


def test_a_retry_after_the_next_step_still_returns_the_first_event(api, issued):
    first = api.step(issued, "pickup", as_="driver", key="pickup-retry-0002")
    api.step(issued, "deliver", as_="driver")
    again = api.step(issued, "pickup", as_="driver", key="pickup-retry-0002")
    assert again.status_code == 200 and again.json["id"] == first.json["id"] and again.json["status"] == "delivered"


def test_the_same_key_for_another_step_is_a_conflict(api, issued):
    api.step(issued, "pickup", as_="driver", key="shared-key-0003")
    response = api.step(issued, "deliver", as_="driver", key="shared-key-0003")
    assert assert_refused(response, 409, "IDEMPOTENCY_KEY_REUSED")["details"]["first_type"] == "pickup"
    assert manifest_state(api, issued) == ("in_transit", 2)


def test_one_key_may_be_used_on_two_manifests(api, world, batch):
    first = api.issue(world, batch).json["id"]
    second = api.issue(world, batch).json["id"]
    assert api.step(first, "pickup", as_="driver", key="device-key-0004").status_code == 201
    assert api.step(second, "pickup", as_="driver", key="device-key-0004").status_code == 201
    assert manifest_state(api, first) == manifest_state(api, second) == ("in_transit", 2)


def test_a_short_idempotency_key_is_refused(api, issued):
    error = assert_refused(api.step(issued, "pickup", as_="driver", key="abc"), 422, "VALIDATION_ERROR")
    assert "idempotency_key" in error["details"]
    assert manifest_state(api, issued) == ("issued", 1)


def test_a_missing_idempotency_key_is_refused(api, issued):
    response = api.post(f"/manifests/{issued}/events", {"type": "pickup"}, as_="driver")
    assert "idempotency_key" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert manifest_state(api, issued) == ("issued", 1)


# occurred_at (a pickup hours or days ago cannot carry a code issued now: those state the offline exception)

OFFLINE = {"handover_exception_reason": "离线补录：交接时无网络"}

def test_a_device_time_in_china_time_is_kept(api, issued):
    at = (datetime.now(CHINA) - timedelta(hours=3)).replace(microsecond=0)
    response = api.step(issued, "pickup", as_="driver", occurred_at=at.isoformat(), **OFFLINE)
    assert response.status_code == 201 and datetime.fromisoformat(response.json["occurred_at"]) == at
    assert datetime.fromisoformat(response.json["recorded_at"]) > at


def test_a_device_time_six_days_old_is_accepted(api, issued):
    at = (datetime.now(CHINA) - timedelta(days=6)).replace(microsecond=0)
    response = api.step(issued, "pickup", as_="driver", occurred_at=at.isoformat(), **OFFLINE)
    assert response.status_code == 201 and response.json["status"] == "in_transit"
    assert datetime.fromisoformat(response.json["occurred_at"]) == at


def test_a_device_time_older_than_seven_days_is_refused(api, issued):
    at = datetime.now(CHINA) - timedelta(days=7, minutes=1)
    response = api.step(issued, "pickup", as_="driver", occurred_at=at.isoformat())
    assert assert_refused(response, 422, "VALIDATION_ERROR")["details"]["occurred_at"]
    assert manifest_state(api, issued) == ("issued", 1)


def test_a_device_time_more_than_five_minutes_ahead_is_refused(api, issued):
    at = datetime.now(CHINA) + timedelta(minutes=6)
    response = api.step(issued, "pickup", as_="driver", occurred_at=at.isoformat())
    assert assert_refused(response, 422, "VALIDATION_ERROR")["details"]["occurred_at"]
    assert manifest_state(api, issued) == ("issued", 1)


def test_a_device_time_a_minute_ahead_is_accepted(api, issued):
    at = (datetime.now(CHINA) + timedelta(minutes=1)).replace(microsecond=0)
    response = api.step(issued, "pickup", as_="driver", occurred_at=at.isoformat())
    assert response.status_code == 201 and response.json["status"] == "in_transit"
    assert datetime.fromisoformat(response.json["occurred_at"]) == at


def test_a_device_time_without_offset_is_refused(api, issued):
    response = api.step(issued, "pickup", as_="driver", occurred_at="2026-01-01T08:00:00")
    assert "occurred_at" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert manifest_state(api, issued) == ("issued", 1)


@pytest.mark.parametrize("field, value", [("lat", 91), ("lon", -181), ("quantity_kg", -1), ("quantity_kg", "1.2345"),
                                          ("method", "X1"), ("occurred_at", "yesterday")])
def test_bad_step_fields_are_validation_errors(api, issued, field, value):
    response = api.step(issued, "pickup", as_="driver", **{field: value})
    assert field in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert manifest_state(api, issued) == ("issued", 1)


# the hash chain

def test_a_whole_loop_verifies_with_device_times_in_china_time(api, issued):
    at = datetime.now(CHINA) - timedelta(hours=2)
    api.step(issued, "pickup", as_="driver", occurred_at=at.isoformat(), **OFFLINE, lat=28.97, lon=118.87,
             quantity_kg=100.25)
    api.step(issued, "deliver", as_="driver", occurred_at=(at + timedelta(hours=1)).isoformat())
    api.step(issued, "receive", as_="receiver", accepted_kg=100, rejected_kg=0.25, reason="含水")
    api.step(issued, "dispose", as_="receiver", quantity_kg=100, method="D10")
    check = api.get(f"/manifests/{issued}/verify", as_="producer").json
    assert {key: check[key] for key in ("ok", "events", "broken_at", "status_ok", "seals_ok", "reasons")} == \
        {"ok": True, "events": 5, "broken_at": None, "status_ok": True, "seals_ok": True, "reasons": []}
    assert check["sealed_days"] == [] and check["unsealed_days"]  # nothing reconciled yet: today is not sealed


def test_each_event_links_to_the_previous_one(api, issued):
    _advance(api, issued, "closed")
    events = _events(api, issued)
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in zip(events, events[1:]))


def test_verify_detects_an_event_altered_in_the_database(api, issued, session):
    _advance(api, issued, "delivered")
    with as_database_administrator(session):
        session.execute(text("UPDATE manifest_event SET quantity_kg = 1000 WHERE manifest_id = :m AND seq = 2"),
                        {"m": issued})
    session.commit()
    check = api.get(f"/manifests/{issued}/verify", as_="producer").json
    assert (check["ok"], check["events"], check["broken_at"], check["status_ok"]) == (False, 3, 2, True)


def test_verify_detects_an_event_removed_from_the_database(api, issued, session):
    _advance(api, issued, "delivered")
    with as_database_administrator(session):
        session.execute(text("DELETE FROM manifest_event WHERE manifest_id = :m AND seq = 2"), {"m": issued})
    session.commit()
    check = api.get(f"/manifests/{issued}/verify", as_="producer").json
    assert check["ok"] is False and check["broken_at"] == 3


def test_verify_finds_a_deleted_last_event_by_the_manifests_status(api, issued, session):
    _advance(api, issued, "delivered")
    with as_database_administrator(session):
        session.execute(text("DELETE FROM manifest_event WHERE manifest_id = :m AND seq = 3"), {"m": issued})
    session.commit()
    check = api.get(f"/manifests/{issued}/verify", as_="producer").json
    assert (check["ok"], check["events"], check["broken_at"], check["status_ok"]) == (False, 2, None, False)
    assert check["reasons"]


def test_verify_detects_an_altered_actor(api, issued, session):
    _advance(api, issued, "in_transit")
    with as_database_administrator(session):
        session.execute(text("UPDATE manifest_event SET actor_role = 'receiver' WHERE manifest_id = :m AND seq = 2"),
                        {"m": issued})
    session.commit()
    assert api.get(f"/manifests/{issued}/verify", as_="producer").json["ok"] is False


def test_verify_is_for_parties_and_regulators(api, issued):
    check = api.get(f"/manifests/{issued}/verify", as_="receiver").json
    assert (check["ok"], check["events"], check["broken_at"]) == (True, 1, None)
    assert api.get(f"/manifests/{issued}/verify", as_="city_regulator").json["ok"] is True
    assert_refused(api.get(f"/manifests/{issued}/verify", as_="other_producer"), 404, "NOT_FOUND")
