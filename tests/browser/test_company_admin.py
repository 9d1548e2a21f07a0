"""The enterprise workbench's administration in a real browser, at 360 and 1280 px, in Chinese and English: a carrier's
admin adds a driver who then logs in; a producer's admin creates an API key on the page (shown once) that works for
GET /api/v1/manifests and stops once revoked; my tasks with the header badge (payments to confirm, declarations
due); an anomaly answered from its page; the carrier's manifests and fleet."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import look, log_in
from tests.factories import NOW, make_anomaly, make_batch, user_named
from wastechain.models import User
from wastechain.services.anomalies import payments

LOCALES = {"zh": "zh-CN", "en": "en-US"}


@pytest.fixture
def admins(session, world):
    for name in ("producer", "transporter"):
        session.scalar(select(User).where(User.username == name)).org_admin = True
    session.commit()
    return world


def _browser(phone, lang):
    return phone(locale=LOCALES[lang]).new_page()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_carrier_admin_adds_a_driver_who_then_logs_in(phone, admins, lang):
    page = _browser(phone, lang)
    page.goto("/login?next=/company")
    log_in(page, "transporter")
    expect(page.locator("#users")).to_contain_text("driver2")
    look(page, f"company-users-{lang}")
    page.fill("#add-user input[name=username]", f"new_driver_{lang}")
    page.fill("#add-user input[name=password]", "longpassword")
    page.fill("#add-user input[name=display_name]", "赵磊")
    page.select_option("#add-user select[name=role]", "driver")
    page.locator("#add-user button[type=submit]").tap()
    expect(page.locator("p.flash.info")).to_contain_text(f"new_driver_{lang}")
    expect(page.locator(f"tr[data-username=new_driver_{lang}]")).to_contain_text("赵磊")
    look(page, f"company-users-named-{lang}")
    page.locator(f"tr[data-username=new_driver_{lang}] a").tap()
    expect(page.locator("#member")).to_contain_text(f"new_driver_{lang}")
    look(page, f"company-user-{lang}")
    page.goto("/carrier/fleet")
    expect(page.locator("#fleet-drivers")).to_contain_text(f"new_driver_{lang}")
    look(page, f"carrier-fleet-{lang}")

    driver = _browser(phone, lang)
    driver.goto("/login")
    driver.fill("input[name=username]", f"new_driver_{lang}")
    driver.fill("input[name=password]", "longpassword")
    driver.locator("button[type=submit].primary").tap()
    expect(driver.locator("#account-link")).to_have_text("赵磊")  # the header names the person, not the login
    driver.goto("/account")
    expect(driver.locator("#account")).to_contain_text(f"new_driver_{lang}")
    look(driver, f"account-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_api_key_made_on_the_page_works_until_revoked(phone, admins, api, session, live_url, lang):
    batch = make_batch(session, admins.producer, admins.producer_site)
    session.commit()
    assert api.issue(admins, batch, "10").status_code == 201
    page = _browser(phone, lang)
    page.goto("/login?next=/company/keys")
    log_in(page, "producer")
    page.fill("#create-key input[name=name]", "ERP")
    page.locator("#create-key button[type=submit]").tap()
    key = page.locator("#key-value").input_value()
    assert key.startswith("wck_")
    look(page, f"company-key-shown-{lang}")

    http = page.context.request
    answer = http.get(f"{live_url}/api/v1/manifests", headers={"Authorization": f"Bearer {key}"})
    assert answer.status == 200 and answer.json()["total"] == 1

    page.goto("/company/keys")
    expect(page.locator("#new-key")).to_have_count(0)  # shown once: never again
    assert key not in page.content()
    expect(page.locator("#keys li[data-key-name=ERP]")).to_contain_text(key[:12])
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#keys li[data-key-name=ERP] button[type=submit]").tap()
    expect(page.locator("p.flash.info")).to_be_visible()
    look(page, f"company-keys-{lang}")
    answer = http.get(f"{live_url}/api/v1/manifests", headers={"Authorization": f"Bearer {key}"})
    assert answer.status == 401


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_my_tasks_with_the_badge_and_an_anomaly_answered(phone, admins, api, session, lang):
    batch = make_batch(session, admins.producer, admins.producer_site)
    session.commit()
    manifest = api.issue(admins, batch, "10").json
    anomaly = make_anomaly(session, org=admins.producer, manifest_id=manifest["id"])
    page = _browser(phone, lang)
    page.goto("/login?next=/tasks")
    log_in(page, "producer")
    expect(page.locator("#task-badge")).to_have_text("3")
    expect(page.locator("#task-codes")).to_contain_text(manifest["number"])
    look(page, f"tasks-{lang}")
    page.locator(f"#task-anomalies a[href$='/anomalies/{anomaly.id}']").tap()
    page.fill("#explain-form textarea[name=note]", "车辆故障，已安排备用车辆" if lang == "zh" else "Truck broke down")
    page.locator("#explain-form button[type=submit]").tap()
    expect(page.locator("#history")).to_contain_text("车辆故障" if lang == "zh" else "Truck broke down")
    expect(page.locator("#task-badge")).to_have_text("2")
    look(page, f"anomaly-explained-{lang}")
    page.goto("/anomalies/")
    expect(page.locator("#enterprise-anomalies")).to_contain_text(anomaly.subject_label)
    look(page, f"anomalies-{lang}")

    carrier = _browser(phone, lang)
    carrier.goto("/login?next=/carrier/")
    log_in(carrier, "transporter")
    expect(carrier.locator("#carrier-manifests")).to_contain_text(manifest["number"])
    look(carrier, f"carrier-manifests-{lang}")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_payments_to_confirm_and_declarations_due_in_my_tasks(phone, admins, api, session, lang):
    make_batch(session, admins.producer, admins.producer_site, kg="120000",
               generated_at=datetime(NOW.year - 1, 6, 1, 4, 0, tzinfo=timezone.utc))  # 重点监管: reports monthly
    batch = make_batch(session, admins.producer, admins.producer_site)
    session.commit()
    manifest = api.issue(admins, batch, "10").json
    payments.record_payment(session, actor=user_named(session, "producer"), manifest_id=manifest["id"],
                            payee_id=admins.receiver.id, amount=Decimal("860.00"), paid_at=NOW, now=NOW)

    producer = _browser(phone, lang)
    producer.goto("/login?next=/tasks")
    log_in(producer, "producer")
    expect(producer.locator("#task-declarations a[data-declaration]")).to_have_count(2)
    expect(producer.locator("#task-badge")).to_have_text("3")  # the code to show and two declarations
    look(producer, f"tasks-declarations-{lang}")
    producer.locator("#task-declarations a[data-declaration=monthly]").tap()
    expect(producer.locator("#monthly-form")).to_be_visible()

    receiver = _browser(phone, lang)
    receiver.goto("/login?next=/tasks")
    log_in(receiver, "receiver")
    expect(receiver.locator("#task-payments")).to_contain_text(manifest["number"])
    badge = int(receiver.locator("#task-badge").inner_text())
    look(receiver, f"tasks-payments-{lang}")
    receiver.locator("#task-payments a.row-link").first.tap()
    receiver.locator("#payments form.confirm-payment button[type=submit]").first.tap()
    expect(receiver.locator("#payments")).to_contain_text("✓")
    receiver.goto("/tasks")
    expect(receiver.locator("#task-payments")).to_have_count(0)
    if badge > 1:
        expect(receiver.locator("#task-badge")).to_have_text(str(badge - 1))
    else:
        expect(receiver.locator("#task-badge")).to_have_count(0)
