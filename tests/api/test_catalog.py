"""GET /regions and /waste-codes."""
from tests.factories import assert_refused


def test_regions_under_a_city_are_its_counties(api):
    response = api.get("/regions?parent=330800", as_="producer")
    assert response.status_code == 200
    codes = {r["code"] for r in response.json["items"]}
    assert {"330802", "330803", "330822", "330824", "330825", "330881"} <= codes
    assert response.json["total"] == len(response.json["items"])
    assert all(r["parent_code"] == "330800" and r["level"] == "county" for r in response.json["items"])


def test_regions_without_a_parent_are_the_provinces(api):
    items = api.get("/regions", as_="producer").json["items"]
    assert {"330000", "110000"} <= {r["code"] for r in items}
    assert all(r["level"] == "province" for r in items)


def test_regions_under_an_unknown_parent_are_empty(api):
    assert api.get("/regions?parent=999999", as_="producer").json == {"items": [], "total": 0}


def test_regions_need_a_login(api):
    assert_refused(api.get("/regions"), 401, "UNAUTHORIZED")


def test_waste_codes_can_be_searched_by_name(api):
    body = api.get("/waste-codes?q=感染性废物", as_="producer").json
    assert any(item["code"] == "841-001-01" for item in body["items"])
    assert set(body["items"][0]) >= {"code", "name", "category", "stream", "hazard"}


def test_waste_codes_can_be_searched_by_code(api):
    items = api.get("/waste-codes?q=900-041-49", as_="producer").json["items"]
    assert [i["code"] for i in items] == ["900-041-49"] and items[0]["stream"] == "hazardous"


def test_waste_codes_filter_by_stream(api):
    body = api.get("/waste-codes?stream=medical&per_page=200", as_="producer").json
    assert body["total"] > 0 and all(i["stream"] == "medical" and i["category"] == "HW01" for i in body["items"])


def test_waste_codes_filter_by_category(api):
    items = api.get("/waste-codes?category=HW08&per_page=200", as_="producer").json["items"]
    assert items and all(i["category"] == "HW08" for i in items)


def test_an_unknown_stream_is_a_validation_error(api):
    response = api.get("/waste-codes?stream=radioactive", as_="producer")
    assert response.status_code == 422 and response.json["error"]["code"] == "VALIDATION_ERROR"


def test_waste_codes_are_paginated_with_a_total(api):
    first = api.get("/waste-codes?stream=hazardous&per_page=10&page=1", as_="producer").json
    second = api.get("/waste-codes?stream=hazardous&per_page=10&page=2", as_="producer").json
    assert len(first["items"]) == 10 and len(second["items"]) == 10
    assert first["total"] == second["total"] > 400
    assert not {i["code"] for i in first["items"]} & {i["code"] for i in second["items"]}


def test_a_page_beyond_the_end_is_empty_but_keeps_the_total(api):
    body = api.get("/waste-codes?stream=medical&page=1000", as_="producer").json
    assert body["items"] == [] and body["total"] > 0


def test_per_page_above_200_is_refused(api):
    response = api.get("/waste-codes?per_page=201", as_="producer")
    assert response.status_code == 422 and response.json["error"]["code"] == "VALIDATION_ERROR"
    assert "per_page" in response.json["error"]["details"]


def test_page_zero_is_refused(api):
    assert "page" in assert_refused(api.get("/waste-codes?page=0", as_="producer"), 422, "VALIDATION_ERROR")["details"]


def test_a_non_numeric_page_is_refused(api):
    response = api.get("/waste-codes?page=abc", as_="producer")
    assert "page" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
