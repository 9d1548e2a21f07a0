"""Organizations, sites, permits, vehicles, users and approvals."""
from wastechain.domain.credit_code import make_credit_code

from tests.factories import JIANGSHAN, KECHENG, QUJIANG, assert_refused, row_count
from wastechain.models import Approval, Organization, Site, User, Vehicle

ORGANIZATIONS_OF_THE_WORLD = 6


def _org(credit_code=None, region=KECHENG, roles=("producer",), name="衢州新登记企业"):
    return {"name": name, "credit_code": credit_code or make_credit_code(region, "MA2DXY7K"), "region_code": region,
            "roles": list(roles)}


def test_an_admin_registers_an_organization(api):
    response = api.post("/organizations", _org(), as_="admin")
    assert response.status_code == 201
    assert response.json["id"] and response.json["roles"] == ["producer"] and response.json["sites"] == []


def test_a_county_regulator_registers_an_organization_in_its_county(api):
    response = api.post("/organizations", _org(), as_="kecheng_regulator")
    assert response.status_code == 201 and response.json["region_code"] == KECHENG
    assert response.json["credit_code"] == _org()["credit_code"]


def test_a_city_regulator_registers_an_organization_in_any_of_its_counties(api):
    response = api.post("/organizations", _org(region=JIANGSHAN), as_="city_regulator")
    assert response.status_code == 201 and response.json["region_code"] == JIANGSHAN


def test_a_bad_credit_code_is_a_validation_error(api, session):
    code = make_credit_code(KECHENG, "MA2DXY7K")
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    response = api.post("/organizations", _org(credit_code=bad), as_="admin")
    assert "校验码" in assert_refused(response, 422, "VALIDATION_ERROR")["message"]
    assert row_count(session, Organization) == ORGANIZATIONS_OF_THE_WORLD


def test_a_credit_code_of_the_wrong_length_is_a_validation_error(api, session):
    response = api.post("/organizations", _org(credit_code="91330802"), as_="admin")
    assert "credit_code" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Organization) == ORGANIZATIONS_OF_THE_WORLD


def test_a_duplicate_credit_code_is_a_conflict(api, session):
    assert api.post("/organizations", _org(), as_="admin").status_code == 201
    response = api.post("/organizations", _org(name="同一代码的另一家"), as_="admin")
    assert_refused(response, 409, "DUPLICATE")
    assert row_count(session, Organization) == ORGANIZATIONS_OF_THE_WORLD + 1
    assert "同一代码的另一家" not in {o["name"] for o in api.get("/organizations?per_page=200", as_="admin").json["items"]}


def test_a_regulator_cannot_register_an_organization_outside_its_jurisdiction(api, session):
    response = api.post("/organizations", _org(region=QUJIANG), as_="kecheng_regulator")
    assert_refused(response, 403, "FORBIDDEN")
    assert row_count(session, Organization) == ORGANIZATIONS_OF_THE_WORLD


def test_an_enterprise_cannot_register_organizations(api, session):
    assert_refused(api.post("/organizations", _org(), as_="producer"), 403, "FORBIDDEN")
    assert row_count(session, Organization) == ORGANIZATIONS_OF_THE_WORLD


def test_an_unknown_region_is_a_validation_error(api, session):
    response = api.post("/organizations", _org(credit_code=make_credit_code("339999", "MA2DXY7K"), region="339999"),
                        as_="admin")
    assert "region_code" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Organization) == ORGANIZATIONS_OF_THE_WORLD


def test_an_unknown_role_is_a_validation_error(api, session):
    response = api.post("/organizations", _org(roles=["smuggler"]), as_="admin")
    assert "roles" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Organization) == ORGANIZATIONS_OF_THE_WORLD


def test_organizations_are_listed_with_filters(api, world):
    body = api.get("/organizations?role=receiver&region=330800", as_="producer").json
    ids = {o["id"] for o in body["items"]}
    assert world.receiver.id in ids and world.county_receiver.id in ids
    assert world.far_receiver.id not in ids and world.producer.id not in ids


# sites

def _site(region=KECHENG, kind="production"):
    return {"name": "二号车间", "kind": kind, "region_code": region, "address": "衢州市柯城区某路 1 号",
            "lat": 28.97, "lon": 118.87}


def test_an_organization_adds_its_own_site(api, world):
    response = api.post(f"/organizations/{world.producer.id}/sites", _site(), as_="producer")
    assert response.status_code == 201 and response.json["organization_id"] == world.producer.id


def _sites_of(session, org) -> int:
    from sqlalchemy import func, select

    count = session.scalar(select(func.count()).select_from(Site).where(Site.organization_id == org.id))
    session.commit()
    return count


def test_a_regulator_adds_a_site_in_its_jurisdiction(api, world, session):
    response = api.post(f"/organizations/{world.producer.id}/sites", _site(), as_="kecheng_regulator")
    assert response.status_code == 201 and response.json["organization_id"] == world.producer.id
    assert response.json["name"] == "二号车间" and _sites_of(session, world.producer) == 2


def test_another_enterprise_cannot_add_a_site_and_does_not_learn_it_exists(api, world, session):
    response = api.post(f"/organizations/{world.producer.id}/sites", _site(), as_="other_producer")
    assert_refused(response, 404, "NOT_FOUND")
    assert _sites_of(session, world.producer) == 1


def test_a_regulator_cannot_add_a_site_outside_its_jurisdiction(api, world, session):
    response = api.post(f"/organizations/{world.producer.id}/sites", _site(), as_="jiangshan_regulator")
    assert_refused(response, 403, "FORBIDDEN")
    assert _sites_of(session, world.producer) == 1


def test_a_site_must_lie_in_a_county(api, world, session):
    response = api.post(f"/organizations/{world.producer.id}/sites", _site(region="330800"), as_="producer")
    assert assert_refused(response, 422, "VALIDATION_ERROR")["details"]["region_code"] == "not a county"
    assert _sites_of(session, world.producer) == 1


def test_a_site_of_an_unknown_kind_is_refused(api, world, session):
    response = api.post(f"/organizations/{world.producer.id}/sites", _site(kind="dump"), as_="producer")
    assert "kind" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert _sites_of(session, world.producer) == 1


def test_a_site_for_a_missing_organization_is_not_found(api, session):
    sites = row_count(session, Site)
    assert_refused(api.post("/organizations/999999/sites", _site(), as_="admin"), 404, "NOT_FOUND")
    assert row_count(session, Site) == sites


# permits

def _permit(number="浙危废经第3308001号", kind="hw_operation", codes=("HW08", "900-041-49"), **extra):
    return {"number": number, "kind": kind, "valid_from": "2026-01-01", "valid_to": "2030-12-31",
            "waste_codes": list(codes), "methods": ["R4", "D10"], "annual_capacity_kg": 50000.5, **extra}


def test_a_regulator_records_a_permit_with_codes_and_categories(api, world):
    response = api.post(f"/organizations/{world.county_receiver.id}/permits", _permit(), as_="kecheng_regulator")
    assert response.status_code == 201
    assert response.json["waste_codes"] == ["HW08", "900-041-49"] and str(response.json["annual_capacity_kg"]) == "50000.500"


def _permits_of(api, org) -> int:
    return api.get(f"/organizations/{org.id}/permits", as_="admin").json["total"]


def test_an_enterprise_cannot_record_its_own_permit(api, world):
    response = api.post(f"/organizations/{world.receiver.id}/permits", _permit(), as_="receiver")
    assert_refused(response, 403, "FORBIDDEN")
    assert _permits_of(api, world.receiver) == 1


def test_a_permit_with_an_unknown_waste_code_is_refused(api, world):
    response = api.post(f"/organizations/{world.receiver.id}/permits", _permit(codes=["HW99", "999-999-99"]),
                        as_="admin")
    assert "HW99" in assert_refused(response, 422, "VALIDATION_ERROR")["message"]
    assert _permits_of(api, world.receiver) == 1


def test_a_permit_ending_before_it_starts_is_refused(api, world):
    body = _permit(valid_from="2030-01-01", valid_to="2026-01-01")
    response = api.post(f"/organizations/{world.receiver.id}/permits", body, as_="admin")
    assert "valid_to" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert _permits_of(api, world.receiver) == 1


def test_a_permit_with_a_bad_method_code_is_refused(api, world):
    body = _permit(methods=["burn"])
    response = api.post(f"/organizations/{world.receiver.id}/permits", body, as_="admin")
    assert "methods" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert _permits_of(api, world.receiver) == 1


def test_a_duplicate_permit_number_is_a_conflict(api, world):
    assert api.post(f"/organizations/{world.receiver.id}/permits", _permit(), as_="admin").status_code == 201
    assert_refused(api.post(f"/organizations/{world.receiver.id}/permits", _permit(), as_="admin"), 409, "DUPLICATE")
    assert _permits_of(api, world.receiver) == 2


def test_a_transport_permit_needs_no_waste_codes(api, world):
    body = _permit(number="浙交危运001", kind="hw_transport", codes=[], methods=[], annual_capacity_kg=None)
    response = api.post(f"/organizations/{world.transporter.id}/permits", body, as_="admin")
    assert response.status_code == 201 and response.json["kind"] == "hw_transport"
    assert response.json["waste_codes"] == [] and _permits_of(api, world.transporter) == 2


def test_permits_are_listed(api, world):
    body = api.get(f"/organizations/{world.receiver.id}/permits", as_="producer").json
    assert body["total"] == 1 and body["items"][0]["kind"] == "hw_operation"


# vehicles

def test_a_transporter_registers_its_vehicle(api, world):
    response = api.post(f"/organizations/{world.transporter.id}/vehicles", {"plate": "浙H6789D"}, as_="transporter")
    assert response.status_code == 201 and response.json["plate"] == "浙H6789D"


def test_a_driver_cannot_register_a_vehicle(api, world, session):
    response = api.post(f"/organizations/{world.transporter.id}/vehicles", {"plate": "浙H6789D"}, as_="driver")
    assert_refused(response, 403, "FORBIDDEN")
    assert row_count(session, Vehicle) == 1


def test_a_bad_plate_is_refused(api, world, session):
    response = api.post(f"/organizations/{world.transporter.id}/vehicles", {"plate": "ABC"}, as_="transporter")
    assert "plate" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Vehicle) == 1


def test_a_duplicate_plate_is_a_conflict(api, world, session):
    response = api.post(f"/organizations/{world.transporter.id}/vehicles", {"plate": "浙H12345"}, as_="admin")
    assert_refused(response, 409, "DUPLICATE")
    assert row_count(session, Vehicle) == 1


def test_a_vehicle_cannot_belong_to_a_producer(api, world, session):
    response = api.post(f"/organizations/{world.producer.id}/vehicles", {"plate": "浙H6789D"}, as_="admin")
    assert_refused(response, 422, "VALIDATION_ERROR")
    assert row_count(session, Vehicle) == 1


def test_vehicles_are_listed(api, world):
    assert api.get(f"/organizations/{world.transporter.id}/vehicles", as_="producer").json["total"] == 1


# users

def test_an_admin_creates_a_driver_who_can_log_in(api, world):
    body = {"username": "new_driver", "password": "longpassword", "role": "driver", "organization_id": world.transporter.id}
    response = api.post("/users", body, as_="admin")
    assert response.status_code == 201 and "password" not in response.json
    assert api.post("/auth/token", {"username": "new_driver", "password": "longpassword"}).status_code == 200


def test_a_regulator_creates_a_county_regulator_in_its_city(api):
    body = {"username": "longyou_reg", "password": "longpassword", "role": "regulator", "region_code": "330825"}
    response = api.post("/users", body, as_="city_regulator")
    assert response.status_code == 201 and response.json["region_code"] == "330825"


USERS_OF_THE_WORLD = 13


def test_a_county_regulator_cannot_create_a_regulator_for_its_city(api, session):
    body = {"username": "city2", "password": "longpassword", "role": "regulator", "region_code": "330800"}
    assert_refused(api.post("/users", body, as_="kecheng_regulator"), 403, "FORBIDDEN")
    assert row_count(session, User) == USERS_OF_THE_WORLD


def test_a_regulator_cannot_create_an_admin(api, session):
    body = {"username": "boss", "password": "longpassword", "role": "admin"}
    assert_refused(api.post("/users", body, as_="city_regulator"), 403, "FORBIDDEN")
    assert row_count(session, User) == USERS_OF_THE_WORLD


def test_an_enterprise_user_needs_an_organization_of_the_matching_role(api, world, session):
    body = {"username": "fake_driver", "password": "longpassword", "role": "driver", "organization_id": world.producer.id}
    assert_refused(api.post("/users", body, as_="admin"), 422, "VALIDATION_ERROR")
    assert row_count(session, User) == USERS_OF_THE_WORLD


def test_a_short_password_is_refused(api, world, session):
    body = {"username": "shorty", "password": "short", "role": "producer", "organization_id": world.producer.id}
    assert "password" in assert_refused(api.post("/users", body, as_="admin"), 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, User) == USERS_OF_THE_WORLD


def test_a_duplicate_username_is_a_conflict(api, world, session):
    body = {"username": "producer", "password": "longpassword", "role": "producer", "organization_id": world.producer.id}
    assert_refused(api.post("/users", body, as_="admin"), 409, "DUPLICATE")
    assert row_count(session, User) == USERS_OF_THE_WORLD
    assert api.post("/auth/token", {"username": "producer", "password": "longpassword"}).status_code == 401


def test_an_enterprise_cannot_create_users(api, world, session):
    body = {"username": "helper", "password": "longpassword", "role": "producer", "organization_id": world.producer.id}
    assert_refused(api.post("/users", body, as_="producer"), 403, "FORBIDDEN")
    assert row_count(session, User) == USERS_OF_THE_WORLD


# approvals

def _approval(world, **extra):
    return {"producer_id": world.producer.id, "waste_codes": ["900-041-49"], "destination_site_id": world.far_site.id,
            "max_quantity_kg": 500, "valid_from": "2026-01-01", "valid_to": "2026-12-31", **extra}


def test_a_regulator_of_the_producers_region_grants_an_approval(api, world):
    response = api.post("/approvals", _approval(world), as_="kecheng_regulator")
    assert response.status_code == 201
    assert response.json["remaining_kg"] == 500 and response.json["reserved_kg"] == 0


def test_a_regulator_of_another_county_cannot_grant_an_approval(api, world, session):
    assert_refused(api.post("/approvals", _approval(world), as_="jiangshan_regulator"), 404, "NOT_FOUND")
    assert row_count(session, Approval) == 0


def test_an_enterprise_cannot_grant_an_approval(api, world, session):
    assert_refused(api.post("/approvals", _approval(world), as_="producer"), 403, "FORBIDDEN")
    assert row_count(session, Approval) == 0


def test_an_approval_for_an_unknown_code_is_refused(api, world, session):
    response = api.post("/approvals", _approval(world, waste_codes=["000-000-00"]), as_="city_regulator")
    assert "000-000-00" in assert_refused(response, 422, "VALIDATION_ERROR")["message"]
    assert row_count(session, Approval) == 0


def test_an_approval_with_a_negative_quantity_is_refused(api, world, session):
    response = api.post("/approvals", _approval(world, max_quantity_kg=-5), as_="city_regulator")
    assert "max_quantity_kg" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Approval) == 0


def test_the_producer_sees_its_approvals(api, world):
    api.post("/approvals", _approval(world), as_="kecheng_regulator")
    assert api.get("/approvals", as_="producer").json["total"] == 1
    assert api.get("/approvals", as_="other_producer").json["total"] == 0


def test_a_site_name_with_control_characters_is_refused(api, world, session):
    body = {"name": "厂区\x07", "kind": "production", "region_code": "330802"}
    response = api.post(f"/organizations/{world.producer.id}/sites", body, as_="producer")
    assert "name" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert _sites_of(session, world.producer) == 1
