"""POST /manifests: each rule refused with its own code and a message naming what is wrong."""
from decimal import Decimal

import pytest

from tests.factories import (HANGZHOU_SHANGCHENG, KECHENG, assert_refused, batch_state, make_approval,
                             make_batch, make_rival_transporter, make_site, make_vehicle, row_count, user_named)
from wastechain.models import Manifest


@pytest.fixture
def general_batch(session, world):
    batch = make_batch(session, world.producer, world.producer_site, code="SW01", kg="1000")
    session.commit()
    return batch


def _error(response, status, code):
    return assert_refused(response, status, code)


def _nothing_issued(api, session, batch, remaining="1000", *, manifests=0):
    """A refused issue leaves no manifest behind and reserves nothing from the batch."""
    assert row_count(session, Manifest) == manifests
    assert batch_state(api, batch.id)[0] == Decimal(remaining)


def test_a_producer_issues_a_manifest_that_reserves_the_quantity(api, world, batch):
    response = api.issue(world, batch, "120.5")
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "issued" and len(body["number"]) == 14 and body["number"][4:8] == "3308"
    assert body["qr_url"].startswith("http://testserver/s/")
    assert body["lines"][0]["quantity_kg"] == Decimal("120.500") and body["total_kg"] == Decimal("120.500")
    batch_after = api.get(f"/batches/{batch.id}", as_="producer").json
    assert batch_after["remaining_kg"] == Decimal("879.500") and batch_after["status"] == "partially_shipped"


def test_issuing_all_that_remains_ships_the_batch(api, world, batch):
    api.issue(world, batch, "1000")
    assert api.get(f"/batches/{batch.id}", as_="producer").json["status"] == "shipped"


def test_the_issue_is_the_first_event_of_the_manifest(api, world, batch):
    mid = api.issue(world, batch).json["id"]
    events = api.get(f"/manifests/{mid}", as_="producer").json["events"]
    assert [e["type"] for e in events] == ["issue"] and events[0]["prev_hash"] == "0" * 64


def test_manifest_numbers_in_one_city_count_up(api, world, batch):
    first = api.issue(world, batch, "1").json["number"]
    second = api.issue(world, batch, "1").json["number"]
    assert int(second) == int(first) + 1


def test_hazardous_waste_cannot_leave_its_city(api, world, batch, session):
    error = _error(api.issue(world, batch, receiver_site=world.far_site), 422, "JURISDICTION_VIOLATION")
    # regions by name, not by code
    assert "衢州市柯城区" in error["message"] and "杭州市上城区" in error["message"] and "危险废物不出市" in error["message"]
    assert error["details"]["origin_region"] == KECHENG and error["details"]["destination_region"] == HANGZHOU_SHANGCHENG
    _nothing_issued(api, session, batch)


def test_a_refused_manifest_changes_nothing(api, world, batch):
    api.issue(world, batch, receiver_site=world.far_site)
    assert api.get(f"/batches/{batch.id}", as_="producer").json["remaining_kg"] == Decimal("1000")
    assert api.get("/manifests", as_="producer").json["total"] == 0


def test_hazardous_waste_may_go_to_another_county_of_its_city(api, world, batch):
    response = api.issue(world, batch, receiver_site=world.receiver_site)  # 柯城 → 衢江
    assert response.status_code == 201 and response.json["status"] == "issued"
    assert response.json["receiver_site_id"] == world.receiver_site.id
    assert batch_state(api, batch.id) == (Decimal("900"), "partially_shipped")


def test_general_waste_cannot_leave_its_county(api, world, general_batch, session):
    error = _error(api.issue(world, general_batch, receiver_site=world.receiver_site), 422, "JURISDICTION_VIOLATION")
    assert "衢州市柯城区" in error["message"] and "衢州市衢江区" in error["message"] and "一般固体废物不出县" in error["message"]
    _nothing_issued(api, session, general_batch)


def test_general_waste_may_move_within_its_county_without_any_permit(api, world, general_batch):
    response = api.issue(world, general_batch, receiver_site=world.county_site)
    assert response.status_code == 201 and response.json["status"] == "issued"
    assert response.json["receiver_site_id"] == world.county_site.id


def test_an_approval_lets_hazardous_waste_leave_the_city_and_reserves_its_quantity(api, world, batch, session):
    approval = make_approval(session, producer=world.producer, destination=world.far_site, kg="500")
    session.commit()
    response = api.issue(world, batch, "200", receiver_site=world.far_site, approval_id=approval.id)
    assert response.status_code == 201 and response.json["approval_id"] == approval.id
    session.refresh(approval)
    assert approval.reserved_kg == Decimal("200")


def test_an_approval_cannot_be_overdrawn(api, world, batch, session):
    approval = make_approval(session, producer=world.producer, destination=world.far_site, kg="500")
    session.commit()
    assert api.issue(world, batch, "400", receiver_site=world.far_site, approval_id=approval.id).status_code == 201
    error = _error(api.issue(world, batch, "101", receiver_site=world.far_site, approval_id=approval.id), 422,
                   "JURISDICTION_VIOLATION")
    assert "剩余量" in error["message"] and error["details"]["approval_id"] == approval.id
    _nothing_issued(api, session, batch, "600", manifests=1)
    session.refresh(approval)
    session.commit()
    assert approval.reserved_kg == Decimal("400")


def test_cancelling_releases_the_approvals_quantity(api, world, batch, session):
    approval = make_approval(session, producer=world.producer, destination=world.far_site, kg="500")
    session.commit()
    mid = api.issue(world, batch, "500", receiver_site=world.far_site, approval_id=approval.id).json["id"]
    assert api.step(mid, "cancel", as_="producer", reason="计划取消").status_code == 201
    session.refresh(approval)
    session.commit()
    assert approval.reserved_kg == 0
    assert api.issue(world, batch, "500", receiver_site=world.far_site, approval_id=approval.id).status_code == 201


def test_an_approval_for_another_destination_does_not_help(api, world, batch, session):
    other = make_site(session, world.far_receiver, kind="facility", region=HANGZHOU_SHANGCHENG)
    approval = make_approval(session, producer=world.producer, destination=other)
    session.commit()
    error = _error(api.issue(world, batch, receiver_site=world.far_site, approval_id=approval.id), 422,
                   "JURISDICTION_VIOLATION")
    assert "目的地不符" in error["message"]
    _nothing_issued(api, session, batch)


def test_an_approval_for_another_waste_code_does_not_help(api, world, batch, session):
    approval = make_approval(session, producer=world.producer, destination=world.far_site, codes=["HW08"])
    session.commit()
    error = _error(api.issue(world, batch, receiver_site=world.far_site, approval_id=approval.id), 422,
                   "JURISDICTION_VIOLATION")
    assert "900-041-49" in error["message"]
    _nothing_issued(api, session, batch)


def test_an_expired_approval_does_not_help(api, world, batch, session):
    from datetime import date

    approval = make_approval(session, producer=world.producer, destination=world.far_site,
                             valid_from=date(2020, 1, 1), valid_to=date(2021, 1, 1))
    session.commit()
    error = _error(api.issue(world, batch, receiver_site=world.far_site, approval_id=approval.id), 422,
                   "JURISDICTION_VIOLATION")
    assert "有效期" in error["message"]
    _nothing_issued(api, session, batch)


def test_an_approval_granted_to_another_producer_is_refused(api, world, batch, session):
    approval = make_approval(session, producer=world.other_producer, destination=world.far_site)
    session.commit()
    error = _error(api.issue(world, batch, receiver_site=world.far_site, approval_id=approval.id), 422,
                   "VALIDATION_ERROR")
    assert error["details"] == {"approval_id": "unknown"}  # another producer's approval is not shown to exist
    _nothing_issued(api, session, batch)
    session.refresh(approval)
    session.commit()
    assert approval.reserved_kg == 0


def test_an_approval_lets_general_waste_leave_its_county(api, world, general_batch, session):
    approval = make_approval(session, producer=world.producer, destination=world.receiver_site, codes=["SW01"])
    session.commit()
    response = api.issue(world, general_batch, receiver_site=world.receiver_site, approval_id=approval.id)
    assert response.status_code == 201 and response.json["approval_id"] == approval.id
    session.refresh(approval)
    session.commit()
    assert approval.reserved_kg == Decimal("100")


def test_a_receiver_without_a_permit_is_refused_for_hazardous_waste(api, world, batch, session):
    error = _error(api.issue(world, batch, receiver_site=world.county_site), 422, "PERMIT_INVALID")
    assert world.county_receiver.name in error["message"] and "900-041-49" in error["message"]
    _nothing_issued(api, session, batch)


def test_a_receiver_with_an_expired_permit_is_refused(api, world, batch, session):
    from datetime import date

    for permit in world.receiver.permits:
        permit.valid_to = date(2021, 12, 31)
    session.commit()
    error = _error(api.issue(world, batch), 422, "PERMIT_INVALID")
    assert "没有有效" in error["message"]
    _nothing_issued(api, session, batch)


def test_a_receiver_whose_permit_does_not_cover_the_code_is_refused(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, code="900-000-29" if False else "261-084-45")
    session.commit()
    error = _error(api.issue(world, batch), 422, "PERMIT_INVALID")
    assert "不覆盖" in error["message"] and "261-084-45" in error["message"]
    _nothing_issued(api, session, batch)


def test_a_permit_covering_the_category_covers_the_code(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, code="841-001-01")  # HW01 on the permit
    session.commit()
    response = api.issue(world, batch)
    assert response.status_code == 201 and response.json["status"] == "issued"
    assert response.json["lines"][0]["waste_code"] == "841-001-01"


def test_a_receiver_whose_annual_capacity_is_exhausted_is_refused(api, world, batch, session):
    for permit in world.receiver.permits:
        permit.annual_capacity_kg = Decimal("150")
    session.commit()
    assert api.issue(world, batch, "100").status_code == 201
    error = _error(api.issue(world, batch, "50.001"), 422, "PERMIT_INVALID")
    assert "经营规模不足" in error["message"] and "150.000 kg" in error["message"]
    _nothing_issued(api, session, batch, "900", manifests=1)


def test_a_cancelled_manifest_gives_its_capacity_back(api, world, batch, session):
    for permit in world.receiver.permits:
        permit.annual_capacity_kg = Decimal("150")
    session.commit()
    mid = api.issue(world, batch, "150").json["id"]
    api.step(mid, "cancel", as_="producer", reason="改期")
    again = api.issue(world, batch, "150")
    assert again.status_code == 201 and again.json["status"] == "issued" and again.json["total_kg"] == Decimal("150")


def test_capacity_counts_every_line_of_one_manifest(api, world, session):
    for permit in world.receiver.permits:
        permit.annual_capacity_kg = Decimal("150")
    first = make_batch(session, world.producer, world.producer_site, kg="100")
    second = make_batch(session, world.producer, world.producer_site, code="900-249-08", kg="100")
    session.commit()
    body = {"lines": [{"batch_id": first.id, "quantity_kg": 100}, {"batch_id": second.id, "quantity_kg": 100}],
            "receiver_site_id": world.receiver_site.id, "transporter_id": world.transporter.id,
            "planned_pickup_at": "2026-12-01T09:00:00+08:00"}
    _error(api.post("/manifests", body, as_="producer"), 422, "PERMIT_INVALID")
    _nothing_issued(api, session, first, "100")
    _nothing_issued(api, session, second, "100")


def test_a_transporter_without_a_transport_permit_is_refused_for_hazardous_waste(api, world, batch, session):
    for permit in world.transporter.permits:
        session.delete(permit)
    session.commit()
    error = _error(api.issue(world, batch), 422, "PERMIT_INVALID")
    assert world.transporter.name in error["message"] and "运输许可" in error["message"]
    _nothing_issued(api, session, batch)


def test_a_transporter_needs_no_transport_permit_for_general_waste(api, world, general_batch, session):
    for permit in world.transporter.permits:
        session.delete(permit)
    session.commit()
    response = api.issue(world, general_batch, receiver_site=world.county_site)
    assert response.status_code == 201 and response.json["transporter_id"] == world.transporter.id


def test_taking_more_than_the_batch_holds_is_refused(api, world, batch, session):
    error = _error(api.issue(world, batch, "1000.001"), 422, "INSUFFICIENT_QUANTITY")
    assert batch.unit_code in error["message"] and "1,000.000 kg" in error["message"] and "1,000.001 kg" in error["message"]
    _nothing_issued(api, session, batch)


def test_reserved_quantity_is_no_longer_available(api, world, batch, session):
    api.issue(world, batch, "600")
    error = _error(api.issue(world, batch, "400.001"), 422, "INSUFFICIENT_QUANTITY")
    assert "400.000 kg" in error["message"]
    _nothing_issued(api, session, batch, "400", manifests=1)


def test_another_organizations_batch_cannot_be_put_on_a_manifest(api, world, session):
    foreign = make_batch(session, world.other_producer, world.other_site)
    session.commit()
    _error(api.issue(world, foreign), 422, "OWNERSHIP_VIOLATION")
    _nothing_issued(api, session, foreign)


def test_a_missing_batch_is_an_ownership_violation(api, world, batch, session):
    body = {"lines": [{"batch_id": 999999, "quantity_kg": 1}], "receiver_site_id": world.receiver_site.id,
            "transporter_id": world.transporter.id, "planned_pickup_at": "2026-12-01T09:00:00+08:00"}
    _error(api.post("/manifests", body, as_="producer"), 422, "OWNERSHIP_VIOLATION")
    _nothing_issued(api, session, batch)


def test_a_vehicle_of_another_transporter_is_refused(api, world, batch, session):
    rival = make_rival_transporter(session)
    vehicle = make_vehicle(session, rival)
    session.commit()
    error = _error(api.issue(world, batch, vehicle_id=vehicle.id), 422, "OWNERSHIP_VIOLATION")
    assert world.transporter.name in error["message"]
    _nothing_issued(api, session, batch)


def test_a_driver_of_another_transporter_is_refused(api, world, batch, session):
    make_rival_transporter(session)
    driver = user_named(session, "rival_driver")
    _error(api.issue(world, batch, driver_id=driver.id), 422, "OWNERSHIP_VIOLATION")
    _nothing_issued(api, session, batch)


def test_a_user_who_is_not_a_driver_cannot_be_named_driver(api, world, batch, session):
    _error(api.issue(world, batch, driver_id=user_named(session, "transporter").id), 422, "OWNERSHIP_VIOLATION")
    _nothing_issued(api, session, batch)


def test_the_transporters_own_vehicle_and_driver_are_accepted(api, world, batch, session):
    response = api.issue(world, batch, vehicle_id=world.vehicle.id, driver_id=user_named(session, "driver").id)
    assert response.status_code == 201 and response.json["vehicle_id"] == world.vehicle.id


def test_an_organization_that_is_not_a_transporter_is_refused(api, world, batch, session):
    error = _error(api.issue(world, batch, transporter_id=world.producer.id), 422, "VALIDATION_ERROR")
    assert error["details"] == {"transporter_id": "not a transporter"}
    _nothing_issued(api, session, batch)


def test_a_site_that_is_not_a_receivers_is_refused(api, world, batch, session):
    error = _error(api.issue(world, batch, receiver_site=world.other_site), 422, "VALIDATION_ERROR")
    assert error["details"] == {"receiver_site_id": "not a receiver"}
    _nothing_issued(api, session, batch)


def test_batches_from_two_sites_cannot_share_one_manifest(api, world, session):
    second_site = make_site(session, world.producer)
    first = make_batch(session, world.producer, world.producer_site)
    second = make_batch(session, world.producer, second_site)
    session.commit()
    body = {"lines": [{"batch_id": first.id, "quantity_kg": 1}, {"batch_id": second.id, "quantity_kg": 1}],
            "receiver_site_id": world.receiver_site.id, "transporter_id": world.transporter.id,
            "planned_pickup_at": "2026-12-01T09:00:00+08:00"}
    error = _error(api.post("/manifests", body, as_="producer"), 422, "VALIDATION_ERROR")
    assert error["details"] == {"lines": "several origin sites"}
    _nothing_issued(api, session, first)
    _nothing_issued(api, session, second)


def test_the_same_batch_twice_on_one_manifest_is_refused(api, world, batch, session):
    body = {"lines": [{"batch_id": batch.id, "quantity_kg": 1}, {"batch_id": batch.id, "quantity_kg": 1}],
            "receiver_site_id": world.receiver_site.id, "transporter_id": world.transporter.id,
            "planned_pickup_at": "2026-12-01T09:00:00+08:00"}
    error = _error(api.post("/manifests", body, as_="producer"), 422, "VALIDATION_ERROR")
    assert error["details"] == {"lines": "duplicate batch"}
    _nothing_issued(api, session, batch)


def test_a_manifest_without_lines_is_refused(api, world, session):
    body = {"lines": [], "receiver_site_id": world.receiver_site.id, "transporter_id": world.transporter.id,
            "planned_pickup_at": "2026-12-01T09:00:00+08:00"}
    _error(api.post("/manifests", body, as_="producer"), 422, "VALIDATION_ERROR")
    assert row_count(session, Manifest) == 0


@pytest.mark.parametrize("kg", ["0", "-1", "1.0001", "abc", None, True])
def test_a_line_quantity_must_be_positive_with_three_decimals(api, world, batch, session, kg):
    body = {"lines": [{"batch_id": batch.id, "quantity_kg": kg}], "receiver_site_id": world.receiver_site.id,
            "transporter_id": world.transporter.id, "planned_pickup_at": "2026-12-01T09:00:00+08:00"}
    error = _error(api.post("/manifests", body, as_="producer"), 422, "VALIDATION_ERROR")
    assert error["details"]
    _nothing_issued(api, session, batch)


def test_a_float_artefact_quantity_is_refused(api, world, batch, session):
    body = ('{"lines": [{"batch_id": %d, "quantity_kg": 0.30000000000000004}], "receiver_site_id": %d, '
            '"transporter_id": %d, "planned_pickup_at": "2026-12-01T09:00:00+08:00"}'
            % (batch.id, world.receiver_site.id, world.transporter.id))
    response = api.client.post("/api/v1/manifests", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {api.token('producer')}"})
    _error(response, 422, "VALIDATION_ERROR")
    _nothing_issued(api, session, batch)


def test_a_quantity_sent_as_a_json_number_is_stored_exactly(api, world, batch):
    body = ('{"lines": [{"batch_id": %d, "quantity_kg": 0.1}], "receiver_site_id": %d, '
            '"transporter_id": %d, "planned_pickup_at": "2026-12-01T09:00:00+08:00"}'
            % (batch.id, world.receiver_site.id, world.transporter.id))
    response = api.client.post("/api/v1/manifests", data=body, content_type="application/json",
                               headers={"Authorization": f"Bearer {api.token('producer')}"})
    assert response.status_code == 201 and '"quantity_kg": 0.100' in response.get_data(as_text=True)


def test_a_driver_cannot_issue_a_manifest(api, world, batch, session):
    _error(api.issue(world, batch, as_="driver"), 403, "FORBIDDEN")
    _nothing_issued(api, session, batch)


def test_a_receiver_cannot_issue_a_manifest(api, world, batch, session):
    _error(api.issue(world, batch, as_="receiver"), 403, "FORBIDDEN")
    _nothing_issued(api, session, batch)
