"""The ledger pages (table, chart data, XLSX with frozen header, filters and widths), the declaration forms
prefilled from the ledger, and payments recorded by the payer and confirmed on the receiver's page."""
import html
import io
import json
import re
from datetime import timedelta

from openpyxl import load_workbook

from tests.factories import NOW, make_batch, row_count
from tests.web.helpers import login
from wastechain.domain.timeutil import local_date
from wastechain.models import Declaration, Payment


def _stocked(session, world, kg="1250.5"):
    make_batch(session, world.producer, world.producer_site, kg=kg, generated_at=NOW - timedelta(hours=2))
    session.commit()


def test_the_ledger_page_shows_the_table_and_the_chart_data(client, session, world):
    _stocked(session, world)
    login(client, "producer")
    first = client.get("/ledger/")
    assert first.status_code == 302 and first.location.endswith(f"/ledger/sites/{world.producer_site.id}")
    page = client.get(first.location).get_data(as_text=True)
    assert "900-041-49" in page and "1250.5" in page
    chart = json.loads(html.unescape(re.search(r'data-chart="([^"]*)"', page).group(1)))
    assert chart["codes"] == ["900-041-49"] and chart["total"]["inflow"][-1] == 1250.5
    assert "vendor/echarts.min.js" in page and "ledger.js" in page


def test_the_ledger_exports_an_xlsx_with_frozen_header_filters_and_widths(client, session, world):
    _stocked(session, world)
    login(client, "producer")
    today = local_date(NOW)
    response = client.get(f"/ledger/sites/{world.producer_site.id}.xlsx?from={today.replace(day=1)}&to={today}"
                          "&period=month")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A2"].value == "期间" and sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref.startswith("A2:F")
    assert sheet.column_dimensions["A"].width >= 6 and sheet["D3"].value == 1250.5


def test_a_bad_date_range_names_the_field_and_shows_the_default(client, session, world):
    login(client, "producer")
    page = client.get(f"/ledger/sites/{world.producer_site.id}?from=2026-13-01").get_data(as_text=True)
    assert "起始日期" in page and 'class="flash error"' in page


def test_another_companys_ledger_is_not_shown(client, world):
    login(client, "other_producer")
    assert client.get(f"/ledger/sites/{world.producer_site.id}").status_code == 404


def test_the_declaration_forms_are_prefilled_and_submitted(client, session, world):
    _stocked(session, world, kg="12000")
    login(client, "producer")
    year = local_date(NOW).year
    page = html.unescape(client.get(f"/declarations/?year={year}").get_data(as_text=True))
    assert 'name="generated_kg" inputmode="decimal" value="12000"' in page
    assert "登记管理单位" in page or "简化管理单位" in page or "重点监管单位" in page
    assert f"{year + 1}-03-31" in page
    refused = client.post("/declarations/", data={"period_kind": "annual", "period": str(year),
                                                  "generated_kg": "-5", "note": "我写的说明"})
    text = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and "产生量（kg）" in text and 'value="-5"' in text and "我写的说明" in text
    assert row_count(session, Declaration) == 0
    done = client.post("/declarations/", data={"period_kind": "annual", "period": str(year),
                                               "generated_kg": "12000", "stored_kg": "12000", "note": "x"})
    assert done.status_code == 302 and row_count(session, Declaration) == 1


def test_a_payment_is_recorded_by_the_payer_and_confirmed_by_the_receiver(client, api, session, world):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    manifest = api.issue(world, batch, "100").json
    login(client, "producer")
    refused = client.post("/declarations/payments", data={"manifest_id": manifest["id"], "payee": "receiver",
                                                          "amount": "12.345", "paid_on": local_date(NOW).isoformat(),
                                                          "reference": "YH-001"})
    text = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 422 and 'value="12.345"' in text and 'value="YH-001"' in text
    assert row_count(session, Payment) == 0
    client.post("/declarations/payments", data={"manifest_id": manifest["id"], "payee": "receiver",
                                                "amount": "3000.50", "paid_on": local_date(NOW).isoformat(),
                                                "reference": "YH-001"})
    page = client.get("/declarations/payments").get_data(as_text=True)
    assert "3000.50" in page and "待收款方确认" in page
    client.post("/logout")
    login(client, "receiver")
    payment_id = api.get("/payments", as_="receiver").json["items"][0]["id"]
    assert f"/declarations/payments/{payment_id}/confirm" in client.get("/declarations/payments").get_data(as_text=True)
    client.post(f"/declarations/payments/{payment_id}/confirm")
    assert api.get("/payments", as_="producer").json["items"][0]["confirmed"] is True
    assert "收款方已确认" in client.get("/declarations/payments").get_data(as_text=True)
