"""The enterprise's batch work in a real browser, at phone and desktop width, in Chinese and English: register a
batch with the code picker, print its label (the PDF's text checked), bulk import with one bad row refused."""
import io

import pypdf
import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import look, log_in
from tests.factories import row_count
from wastechain.models import Batch

WIDTHS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 800}}
WORDS = {"zh-CN": {"summary": "共读取 3 行，其中 1 行有错误；没有登记任何批次", "problem": "重量（kg）：必须大于 0",
                   "title": "登记废物批次"},
         "en-US": {"summary": "Read 3 rows, 1 with errors; no batch was registered",
                   "problem": "Weight (kg): must be greater than 0", "title": "Register a waste batch"}}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("locale", WORDS)
def test_register_print_and_import_batches(phone, session, world, locale, width):
    site_name = world.producer_site.name
    session.commit()
    name = f"batches-{locale[:2]}-{width}"
    words = WORDS[locale]
    context = phone(locale=locale, viewport=WIDTHS[width], is_mobile=width == "phone")
    page = context.new_page()
    page.goto("/login?next=/batches/new")
    log_in(page, "producer")
    expect(page.locator("h1")).to_have_text(words["title"])

    # the code picker: type part of a name, pick the code from the server's answers
    page.locator("#waste_code").press_sequentially("废矿物油", delay=30)
    expect(page.locator(".code-option").first).to_contain_text("HW08")
    page.fill("#waste_code", "")
    page.locator("#waste_code").press_sequentially("900-249", delay=30)
    option = page.locator(".code-option[data-code='900-249-08']")
    expect(option).to_be_visible()
    look(page, f"{name}-picker")
    option.click()
    expect(page.locator("#waste_code")).to_have_value("900-249-08")
    expect(page.locator("#code-info")).to_contain_text("HW08")
    page.fill("#quantity_kg", "25.5")
    page.select_option("select[name=waste_form]", "liquid")
    page.fill("input[name=main_components]", "废机油")
    page.fill("input[name=hazardous_components]", "多环芳烃")
    page.fill("textarea[name=precautions]", "远离火源")
    page.fill("input[name=contact_name]", "张工")
    page.fill("input[name=contact_phone]", "0570-1234567")
    page.locator("#batch-form button[type=submit]").click()
    unit_code = page.locator("#unit-code").inner_text().strip()
    assert len(unit_code) == 37
    look(page, f"{name}-detail")

    # its label, printed as PDF: every HJ 1276 field in the text
    label = page.request.get(page.locator("#label-pdf").get_attribute("href"))
    assert label.ok and label.headers["content-type"] == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(label.body())).pages[0].extract_text()
    for expected in ("危险废物", "900-249-08", "液态", "废机油", "多环芳烃", "远离火源", "张工 0570-1234567", "25.5 kg",
                     unit_code, "毒性", "易燃性"):
        assert expected in text, expected

    page.goto("/batches")
    expect(page.locator("#batches")).to_contain_text(unit_code)
    look(page, f"{name}-list")

    # bulk import: the template filled with two good rows and one bad one → refused whole, the bad row named
    page.goto("/batches/import")
    template = page.request.get(page.locator("#template-link").get_attribute("href"))
    book = load_workbook(io.BytesIO(template.body()))
    sheet = book.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    for row in (["900-041-49", site_name, 10, "2026-11-30 08:00"], ["900-041-49", site_name, -4, "2026-11-30 08:00"],
                ["900-249-08", site_name, 3.25, "2026-11-30"]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    page.set_input_files("input[type=file]", files=[{"name": "batches.xlsx", "buffer": out.getvalue(),
                                                     "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.locator("#import-form button[type=submit]").click()
    expect(page.locator("#import-summary")).to_contain_text(words["summary"])
    expect(page.locator("#import-problems")).to_contain_text(words["problem"])
    expect(page.locator("#import-problems tbody tr").first.locator("td").first).to_have_text("3")
    look(page, f"{name}-import")
    assert row_count(session, Batch) == 1  # only the batch registered by hand

    # containers: a small box packed with the batch, then put into a big one
    page.goto("/containers")
    for kind in ("small_box", "big_box"):
        page.select_option("#new-container select[name=kind]", kind)
        page.locator("#new-container button[type=submit]").click()
    boxes = page.locator("section.container")
    expect(boxes).to_have_count(2)
    small = boxes.nth(1)  # newest first: the big box, then the small one
    small.locator("summary").click()
    small.locator("select[name=batch_id]").select_option(index=1)
    small.locator("input[name=quantity_kg]").fill("20")
    small.locator("form", has=page.locator("select[name=batch_id]")).locator("button").click()
    big = page.locator("section.container").nth(0)
    big.locator("summary").click()
    big.locator("select[name=child_container_id]").select_option(index=1)
    big.locator("form", has=page.locator("select[name=child_container_id]")).locator("button").click()
    expect(page.locator("section.container").nth(0)).to_contain_text("20 kg")
    look(page, f"{name}-containers")
