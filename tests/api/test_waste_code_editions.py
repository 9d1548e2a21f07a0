"""The catalog API with editions: every code says its edition, dates and whether the table is verified; after a new
edition a removed code is refused for batches produced after it, naming its successor, in Chinese and English."""
from datetime import date, datetime, timezone

from tests import catalog_editions as e2099
from tests.factories import Api, assert_refused, row_count
from wastechain.models import Batch
from wastechain.services.catalog import imports


def _apply_2099(session):
    imports.apply_import(session, actor=None, kind="hazardous", edition="2099", effective_from=e2099.EFFECTIVE,
                         rows=e2099.numbered(e2099.edition_2099()), mapping=e2099.numbered(e2099.mapping_rows()))


def test_every_code_carries_its_edition_dates_and_verified_flag(api):
    item = api.get("/waste-codes?q=900-041-49", as_="producer").json["items"][0]
    assert (item["edition"], item["effective_from"], item["effective_to"], item["verified"]) == (
        "2021", "2021-01-01", "2024-12-31", True)
    assert item["edition_title"] == "国家危险废物名录（2021年版）"
    general = api.get("/waste-codes?q=SW01", as_="producer").json["items"][0]
    assert (general["code"], general["verified"], general["effective_to"]) == ("SW01", False, None)


def test_the_codes_in_force_on_a_day_are_listed_by_their_edition(api, session):
    _apply_2099(session)
    assert api.get(f"/waste-codes?q={e2099.REMOVED}", as_="producer").json["items"] == []
    then = api.get(f"/waste-codes?q={e2099.REMOVED}&on=2030-01-01", as_="producer").json["items"]
    assert [(i["code"], i["edition"]) for i in then] == [(e2099.REMOVED, "2021")]
    added = api.get(f"/waste-codes?q={e2099.ADDED}", as_="producer").json["items"]
    assert [(i["edition"], i["effective_from"]) for i in added] == [("2099", "2099-01-01")]


def test_a_batch_of_a_merged_code_produced_after_the_edition_is_refused_with_its_successor(clocked, clock):
    app, session, world = clocked
    _apply_2099(session)
    clock.now = datetime(2099, 3, 2, tzinfo=timezone.utc)
    api = Api(app.test_client())
    body = {"waste_code": e2099.MERGED_AWAY, "quantity_kg": 100, "generated_at": "2099-03-01T09:00:00+08:00",
            "site_id": world.producer_site.id}
    error = assert_refused(api.post("/batches", body, as_="producer"), 422, "VALIDATION_ERROR")
    assert e2099.MERGED_INTO in error["message"] and "2099-01-01" in error["message"]
    assert error["details"]["successors"] == [e2099.MERGED_INTO]
    english = api.client.post("/api/v1/batches", json=body, headers={**api._headers("producer"),
                                                                      "Accept-Language": "en"})
    assert english.json["error"]["message"] == (
        f"Waste code {e2099.MERGED_AWAY} was changed to {e2099.MERGED_INTO} by “国家危险废物名录（2099年版）” from "
        "2099-01-01: use the new code for batches produced since then")
    assert row_count(session, Batch) == 0
    old = {**body, "generated_at": "2098-12-31T09:00:00+08:00"}
    assert api.post("/batches", old, as_="producer").status_code == 201
    assert date(2099, 1, 1) == e2099.EFFECTIVE
