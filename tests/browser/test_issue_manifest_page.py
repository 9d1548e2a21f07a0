"""Issuing a manifest from the page on a phone, in Chinese and in English: batches and quantities, the receiver
chooser, a dry run that refuses hazardous waste bound for another city, then one that passes, the issue, and the
manifest PDF opened and read."""
import re
from io import BytesIO

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import log_in, look
from tests.factories import make_batch

TEXTS = {
    "zh": {"refusal": "危险废物不出市", "bad": "不能开具", "good": "全部规则通过", "issued": "已开具",
           "pdf": "统一社会信用代码"},
    "en": {"refusal": "Hazardous waste stays in its city", "bad": "Cannot be issued", "good": "Every rule passes",
           "issued": "Issued", "pdf": "Unified social credit code"},
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_producer_issues_a_manifest_through_the_chooser_and_the_dry_run(phone, session, world, lang):
    texts = TEXTS[lang]
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    general = make_batch(session, world.producer, world.producer_site, code="SW01", kg="300")
    session.commit()
    page = phone(locale="zh-CN" if lang == "zh" else "en-US").new_page()
    page.goto("/producer")
    log_in(page, "producer")
    page.locator("#new-manifest").tap()

    page.fill(f"input[name=qty_{batch.id}]", "100")
    page.locator(f"#batch-{batch.id}").check()
    page.locator("#find-receivers").tap()
    expect(page.locator("#step-receiver")).to_contain_text("衢州危废处置中心")
    page.locator("#cannot summary").tap()
    expect(page.locator("#cannot")).to_contain_text("杭州远方处置公司")
    look(page, f"manifest-chooser-{lang}")

    # the far receiver cannot take it: the dry run says why, with the regions by name
    page.locator(f"input[name=receiver_site_id][value='{world.far_site.id}']").check()
    page.select_option("#transporter", str(world.transporter.id))
    page.locator("#dry-run-button").tap()
    expect(page.locator("#dry-run-outcome")).to_contain_text(texts["bad"])
    failing = page.locator("#dry-run li[data-ok=no]")
    expect(failing).to_contain_text(texts["refusal"])
    expect(failing).to_contain_text("杭州市上城区")
    assert "330102" not in page.locator("#dry-run").inner_text()
    expect(page.locator(f"input[name=qty_{batch.id}]")).to_have_value("100")  # what was typed stays
    look(page, f"manifest-dry-run-refused-{lang}")

    page.locator(f"input[name=receiver_site_id][value='{world.receiver_site.id}']").check()
    page.locator("#dry-run-button").tap()
    expect(page.locator("#dry-run-outcome")).to_contain_text(texts["good"])
    assert page.locator("#dry-run li[data-ok=no]").count() == 0
    look(page, f"manifest-dry-run-passed-{lang}")

    page.locator("#issue").tap()
    expect(page.locator("#status")).to_have_text(texts["issued"])
    number = page.locator("h1.number").inner_text().strip()
    look(page, f"manifest-issued-{lang}")

    href = page.locator("#manifest-pdf").get_attribute("href")
    # as the browser opens the link: with its language (Playwright's request context does not add it by itself)
    response = page.request.get(href, headers={"Accept-Language": "zh-CN" if lang == "zh" else "en-US"})
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages)
    assert number in text and texts["pdf"] in text and world.producer.credit_code in text

    page.goto("/producer")
    expect(page.locator("#manifests")).to_contain_text(number)
    look(page, f"manifest-list-{lang}")
    assert general.id  # a second code stays in storage for the next trip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_draft_is_kept_then_issued_and_cancelled_after_a_confirmation(phone, session, world, lang):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    page = phone(locale="zh-CN" if lang == "zh" else "en-US").new_page()
    page.goto("/producer/manifests/new")
    log_in(page, "producer")
    expect(page.locator("#manifest-form")).to_be_visible()
    page.wait_for_load_state("load")  # static/manifests.js (deferred) listens before we type
    page.fill(f"input[name=qty_{batch.id}]", "250")  # typing a quantity ticks its batch (static/manifests.js)
    expect(page.locator(f"#batch-{batch.id}")).to_be_checked()
    page.locator("#save-draft").tap()
    expect(page).to_have_url(re.compile(r"draft=\d+$"))
    expect(page.locator("p.flash")).to_be_visible()
    expect(page.locator(f"input[name=qty_{batch.id}]")).to_have_value("250")
    page.locator("#find-receivers").tap()
    page.locator(f"input[name=receiver_site_id][value='{world.receiver_site.id}']").check()
    page.select_option("#transporter", str(world.transporter.id))
    page.locator("#save-draft").tap()
    expect(page.locator("p.flash")).to_be_visible()  # saved (the page came back) before we leave it
    page.goto("/producer")
    expect(page.locator("#drafts")).to_be_visible()
    look(page, f"manifest-drafts-{lang}")
    page.locator("#drafts a").first.tap()
    expect(page.locator(f"input[name=receiver_site_id][value='{world.receiver_site.id}']")).to_be_checked()
    page.locator("#issue").tap()
    expect(page.locator("#status")).to_have_text("已开具" if lang == "zh" else "Issued")
    page.goto("/producer")
    assert page.locator("#drafts").count() == 0  # the draft became the manifest

    page.locator("#manifests a.button").first.tap()
    page.locator("#cancel-link").tap()
    look(page, f"manifest-cancel-confirm-{lang}")
    page.locator("#confirm-cancel").tap()  # the browser's own check: a reason is required
    expect(page.locator("#cancel-form")).to_be_visible()
    page.fill("textarea[name=reason]", "客户改期" if lang == "zh" else "pickup postponed")
    page.locator("#confirm-cancel").tap()
    expect(page.locator("#status")).to_have_text("已作废" if lang == "zh" else "Cancelled")
    look(page, f"manifest-cancelled-{lang}")
