"""The ledger (台账), stock at a date, and storage time against the stream's limits."""
import io
from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook

from tests.api.test_trace import chain, deliver  # noqa: F401  (the shared scenario)
from tests.factories import NOW, assert_refused, make_batch
from wastechain.domain.timeutil import local_date
from wastechain.models import Batch

D = Decimal
TODAY = local_date(NOW)
RANGE = f"from={TODAY - timedelta(days=3)}&to={TODAY}"


def totals(ledger):
    inflow = sum(r["inflow_kg"] for r in ledger["rows"])
    outflow = sum(r["outflow_kg"] for r in ledger["rows"])
    closing = {}
    for r in ledger["rows"]:
        closing[r["waste_code"]] = r["closing_kg"]
    return inflow, outflow, sum(closing.values())


def test_the_collector_ledger_balances_with_what_it_holds(api, chain, world, session):
    site = world.extra["collector_site"]
    ledger = api.get(f"/sites/{site.id}/ledger?{RANGE}", as_="collector").json
    # 330 received, 310 shipped; the 10 kg refused downstream are in the carrier's custody, in no site's ledger
    assert totals(ledger) == (D("330"), D("310"), D("20"))
    held = sum(b.remaining_kg for b in session.query(Batch).filter_by(site_id=site.id))
    assert held == D("20")


def test_every_site_in_the_chain_balances(api, chain, world):
    expected = {world.producer_site.id: D("200"), world.other_site.id: D("0"), world.receiver_site.id: D("0"),
                world.extra["small_site"].id: D("0")}
    for site_id, closing in expected.items():
        ledger = api.get(f"/sites/{site_id}/ledger?{RANGE}", as_="city_regulator").json
        inflow, outflow, end = totals(ledger)
        assert end == closing == inflow - outflow + (ledger["rows"][0]["opening_kg"] if ledger["rows"] else 0)


def test_the_receivers_ledger_shows_acceptance_and_disposal(api, chain, world):
    ledger = api.get(f"/sites/{world.receiver_site.id}/ledger?{RANGE}&period=month", as_="receiver").json
    assert ledger["period"] == "month"
    assert totals(ledger) == (D("320"), D("320"), D("0"))


def test_stock_at_a_date_sees_the_batch_before_it_was_shipped(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, kg="75", generated_at=NOW - timedelta(days=3))
    session.commit()
    mid = api.issue(world, batch, "75").json["id"]
    before = api.get(f"/sites/{world.producer_site.id}/stock?at={TODAY - timedelta(days=1)}", as_="producer").json
    now = api.get(f"/sites/{world.producer_site.id}/stock", as_="producer").json
    assert before["stock_kg"] == D("75") and now["stock_kg"] == D("0")
    api.step(mid, "cancel", as_="producer", reason="改期")
    assert api.get(f"/sites/{world.producer_site.id}/stock", as_="producer").json["stock_kg"] == D("75")


def test_the_ledger_exports_as_csv_and_xlsx(api, chain, world):
    site = world.extra["collector_site"]
    csv_response = api.get(f"/sites/{site.id}/ledger?{RANGE}&format=csv", as_="collector")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    text = csv_response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("期间,废物代码") and "900-041-49" in text
    xlsx = api.get(f"/sites/{site.id}/ledger?{RANGE}&format=xlsx", as_="collector")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(2, 1).value == "期间" and sheet.cell(3, 2).value == "900-041-49"


def test_a_ledger_is_not_found_for_other_enterprises_and_refuses_bad_ranges(api, world):
    assert_refused(api.get(f"/sites/{world.producer_site.id}/ledger?{RANGE}", as_="other_producer"), 404, "NOT_FOUND")
    assert_refused(api.get(f"/sites/{world.producer_site.id}/ledger?{RANGE}", as_="hangzhou_regulator"), 404,
                   "NOT_FOUND")
    bad = api.get(f"/sites/{world.producer_site.id}/ledger?from={TODAY}&to={TODAY - timedelta(days=1)}",
                  as_="producer")
    assert bad.status_code == 422 and bad.json["error"]["code"] == "VALIDATION_ERROR"


def test_medical_waste_is_overdue_after_48_hours_and_hazardous_after_a_year(api, world, session):
    make_batch(session, world.producer, world.producer_site, code="841-001-01", kg="5",
               generated_at=NOW - timedelta(hours=49))
    make_batch(session, world.producer, world.producer_site, code="841-001-01", kg="5",
               generated_at=NOW - timedelta(hours=20))
    make_batch(session, world.producer, world.producer_site, kg="5", generated_at=NOW - timedelta(days=200))
    session.commit()
    storage = api.get(f"/sites/{world.producer_site.id}/storage", as_="producer").json
    overdue = sorted((b["waste_code"], b["overdue"], b["limit_hours"]) for b in storage["batches"])
    assert overdue == [("841-001-01", False, 48), ("841-001-01", True, 48), ("900-041-49", False, 365 * 24)]
    assert storage["stock_kg"] == D("15") and storage["overdue_count"] == 1
