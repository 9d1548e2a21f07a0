"""GET /disposals: a page like every list of API.md ({"items": [...], "total": N}, ?page=&per_page=); own records."""
from decimal import Decimal

from tests.factories import assert_refused, make_batch


def _closed_manifest(api, world, session) -> int:
    batch = make_batch(session, world.producer, world.producer_site, kg="100")
    session.commit()
    mid = api.issue(world, batch, "100").json["id"]
    api.step(mid, "pickup", as_="driver")
    api.step(mid, "deliver", as_="driver")
    api.step(mid, "receive", as_="receiver", accepted_kg=Decimal("100"))
    api.step(mid, "dispose", as_="receiver", method="R4", quantity_kg=Decimal("60"))
    api.step(mid, "dispose", as_="receiver", method="D10", quantity_kg=Decimal("40"))
    return mid


def test_the_disposal_list_is_a_page_with_a_total(api, world, session):
    _closed_manifest(api, world, session)
    page = api.get("/disposals", as_="receiver", query_string={"per_page": 1}).json
    assert page["total"] == 2 and len(page["items"]) == 1
    second = api.get("/disposals", as_="receiver", query_string={"per_page": 1, "page": 2}).json
    assert page["items"][0]["id"] != second["items"][0]["id"]
    too_many = api.get("/disposals", as_="receiver", query_string={"per_page": 201})
    assert "per_page" in assert_refused(too_many, 422, "VALIDATION_ERROR")["details"]


def test_the_disposal_list_shows_nothing_of_others(api, world, session):
    _closed_manifest(api, world, session)
    assert api.get("/disposals", as_="other_producer").json == {"items": [], "total": 0}
    assert api.get("/disposals", as_="jiangshan_regulator").json == {"items": [], "total": 0}
    assert api.get("/disposals", as_="kecheng_regulator").json["total"] == 2
