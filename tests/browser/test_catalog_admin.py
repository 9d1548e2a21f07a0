"""The administrator loads a new catalog edition in a real browser at 360 and 1280 px: the pending 2025 notice, the
upload, the difference, the confirmation."""
from playwright.sync_api import expect

from tests import catalog_editions as e2099
from tests.browser.conftest import look, log_in


def test_an_administrator_checks_and_applies_a_new_edition(phone, world, tmp_path):
    table, mapping = e2099.files(tmp_path)
    page = phone(locale="zh-CN").new_page()
    page.goto("/login?next=/catalog")
    log_in(page, "admin")
    expect(page.locator("#pending-hazardous-2025")).to_contain_text("名录表尚未导入")
    expect(page.locator('[data-edition="general-2020"] .provisional')).to_be_visible()
    look(page, "catalog-editions")
    page.fill("#import-form input[name=edition]", "2099")
    page.fill("#import-form input[name=effective]", "2099-01-01")
    page.set_input_files("#import-form input[name=table]", str(table))
    page.set_input_files("#import-form input[name=mapping]", str(mapping))
    page.locator("#import-form button[type=submit]").tap()
    expect(page.locator("#check-summary")).to_contain_text("全部通过校验")
    expect(page.locator(".diff-split")).to_contain_text(" + ".join(e2099.SPLIT_INTO))
    look(page, "catalog-check")
    page.locator("#apply-form button[type=submit]").tap()
    expect(page.locator('[data-edition="hazardous-2099"]')).to_contain_text("尚未施行")
    expect(page.locator('[data-edition="hazardous-2021"]')).to_contain_text("历史版本")


def test_the_editions_page_in_english(phone, world):
    page = phone(locale="en-US").new_page()
    page.goto("/login?next=/catalog")
    log_in(page, "admin")
    expect(page.locator("#pending-hazardous-2025")).to_contain_text("table is not loaded yet")
    expect(page.locator('[data-edition="general-2020"] .provisional')).to_have_text("Provisional (unverified)")
    look(page, "catalog-editions-en")
