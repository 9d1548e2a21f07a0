"""The receiver's and the enterprise's workbench in a real browser, at 360 and 1280 px, in Chinese and English:
a weigh-in (line by line) refused for a missing reason keeps everything typed; a partial refusal; the disposal; the certificate PDF
(text checked); the ledger with its chart drawn and its XLSX export; a declaration prefilled from the ledger;
a payment recorded by the producer and confirmed by the receiver."""
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import look, log_in
from tests.factories import NOW, make_batch
from wastechain.domain.timeutil import local_date

LOCALES = {"zh": "zh-CN", "en": "en-US"}


def _delivered(api, session, world, kg="100"):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000", generated_at=NOW - timedelta(hours=3))
    session.commit()
    manifest = api.issue(world, batch, kg).json
    api.step(manifest["id"], "pickup", as_="driver")
    api.step(manifest["id"], "deliver", as_="driver")
    return manifest


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_weigh_in_refusal_disposal_and_certificate(phone, api, session, world, lang):
    manifest = _delivered(api, session, world)
    page = phone(locale=LOCALES[lang]).new_page()
    page.goto("/receiver/")
    log_in(page, "receiver")
    expect(page.locator("#section-delivered [data-deadline]")).to_have_count(1)
    look(page, f"receiver-list-{lang}")
    page.locator("#section-delivered a", has_text=manifest["number"]).click()
    line = manifest["lines"][0]["id"]  # the weigh-in line by line
    page.fill(f"input[name=accepted_kg-{line}]", "90")
    page.fill(f"input[name=rejected_kg-{line}]", "10")  # refused without a reason: refused
    page.select_option(f"select[name=method-{line}]", "D10")
    page.locator("#receive-form button[type=submit]").click()
    expect(page.locator("#form-error")).to_be_visible()
    expect(page.locator(f"input[name=accepted_kg-{line}]")).to_have_value("90")
    expect(page.locator(f"input[name=rejected_kg-{line}]")).to_have_value("10")
    expect(page.locator(f"select[name=method-{line}]")).to_have_value("D10")
    look(page, f"receiver-weigh-in-error-{lang}")
    page.fill(f"textarea[name=reason-{line}]", "两桶渗漏 / two drums leaking")
    page.locator("#receive-form button[type=submit]").click()
    expect(page.locator("#status")).to_have_text("已接收" if lang == "zh" else "Received")
    expect(page.locator("#dispose-form select[name=method] option", has_text="D10")).to_have_count(1)
    page.select_option("#dispose-form select[name=method]", "D10")
    look(page, f"receiver-dispose-{lang}")
    page.locator("#dispose-form button[type=submit]").click()
    expect(page.locator("#certificate-link")).to_be_visible()
    look(page, f"receiver-closed-{lang}")
    href = page.locator("#certificate-link").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    for expected in ("危险废物利用处置证明", manifest["number"], world.receiver.credit_code, "D10", "焚烧", "经办人"):
        assert expected in text
    verify = text.replace("\n", "").split("/certificates/verify/")[1][:26]
    stranger = phone(locale=LOCALES[lang]).new_page()
    stranger.goto(f"/certificates/verify/{verify}")
    expect(stranger.locator("h1.number")).to_have_text(manifest["number"])
    look(stranger, f"certificate-verify-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ledger_chart_and_export_declaration_and_payment(phone, api, session, world, lang):
    manifest = _delivered(api, session, world, kg="300")
    page = phone(locale=LOCALES[lang]).new_page()
    page.goto("/ledger/")
    log_in(page, "producer")
    expect(page.locator("#ledger-chart canvas")).to_have_count(1)
    expect(page.locator("#ledger-chart")).to_have_attribute("data-drawn", "all")
    look(page, f"ledger-{lang}")
    page.select_option("#chart-code", "900-041-49")
    expect(page.locator("#ledger-chart")).to_have_attribute("data-drawn", "900-041-49")
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref.startswith("A2:F")
    assert sheet["A2"].value == ("期间" if lang == "zh" else "Period")
    assert all(sheet.column_dimensions[c].width >= 8 for c in "ABCDEF")

    year = local_date(NOW).year
    page.goto(f"/declarations/?year={year}")
    expect(page.locator("#annual-form input[name=generated_kg]")).to_have_value("1000")
    expect(page.locator("#tier [data-tier]")).to_be_visible()
    look(page, f"declarations-{lang}")

    page.goto("/declarations/payments")
    page.select_option("#payment-form select[name=manifest_id]", str(manifest["id"]))
    page.fill("#payment-form input[name=amount]", "1500.00")
    page.fill("#payment-form input[name=reference]", "YH-2026-001")
    page.locator("#payment-form button[type=submit]").click()
    expect(page.locator("#payments li")).to_have_count(1)
    look(page, f"payments-recorded-{lang}")

    receiver = phone(locale=LOCALES[lang]).new_page()
    receiver.goto("/declarations/payments")
    log_in(receiver, "receiver")
    receiver.locator("form.confirm-payment button").click()
    expect(receiver.locator("#payments li .ok")).to_have_count(1)
    expect(receiver.locator("form.confirm-payment")).to_have_count(0)
    look(receiver, f"payments-confirmed-{lang}")
    assert api.get("/payments", as_="producer").json["items"][0]["confirmed"] is True
