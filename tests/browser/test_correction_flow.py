"""A weight correction in a real browser, at 360 and 1280 px: the carrier files it (a refused form keeps what was
typed), the producer and the receiver each approve on the confirmation page, and the manifest page shows the
history with the old and the new weight."""
from datetime import timedelta

from playwright.sync_api import expect

from tests.browser.conftest import look, log_in
from tests.factories import NOW, make_batch


def _picked_up(api, session, world):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000", generated_at=NOW - timedelta(hours=3))
    session.commit()
    manifest = api.issue(world, batch, "100").json
    assert api.step(manifest["id"], "pickup", as_="driver", quantity_kg="100").status_code == 201
    return manifest


def _approve(phone, username: str, manifest_id: int, shot: str) -> None:
    page = phone().new_page()
    page.goto("/tasks")
    log_in(page, username)
    expect(page.locator("#task-corrections")).to_contain_text("100 kg → 98.5 kg")
    look(page, f"correction-tasks-{username}")
    page.locator("#task-corrections a").first.click()
    expect(page.locator(".change .after")).to_have_text("98.5 kg")
    look(page, shot)
    page.locator("#approve").click()
    expect(page.locator("#corrections")).to_be_visible()
    page.close()


def test_the_carrier_corrects_the_weight_and_the_producer_and_receiver_approve(phone, api, session, world):
    manifest = _picked_up(api, session, world)
    page = phone().new_page()
    page.goto(f"/carrier/manifests/{manifest['id']}")
    log_in(page, "transporter")
    page.locator("#new-correction").click()
    page.fill("input[name=pickup_kg]", "98,5")  # a comma: refused, and what was typed stays
    page.fill("textarea[name=reason]", "地磅读数抄错，实际为 98.5 kg")
    page.locator("#submit-correction").click()
    expect(page.locator("#correction-error")).to_be_visible()
    expect(page.locator("input[name=pickup_kg]")).to_have_value("98,5")
    expect(page.locator("textarea[name=reason]")).to_have_value("地磅读数抄错，实际为 98.5 kg")
    look(page, "correction-form-error")
    page.fill("input[name=pickup_kg]", "98.5")
    page.locator("#submit-correction").click()
    expect(page.locator(".correction-status")).to_have_text("待各方确认")
    look(page, "correction-pending")

    _approve(phone, "producer", manifest["id"], "correction-decide")
    assert float(api.get(f"/manifests/{manifest['id']}", as_="producer").json["pickup_kg"]) == 100
    _approve(phone, "receiver", manifest["id"], "correction-decide-last")

    page.goto(f"/carrier/manifests/{manifest['id']}")
    history = page.locator("#corrections")
    expect(history.locator(".correction-status")).to_have_text("已生效")
    expect(history.locator(".before")).to_have_text("100 kg")
    expect(history.locator(".after")).to_have_text("98.5 kg")
    expect(history.locator(".decisions li")).to_have_count(2)
    expect(page.locator('.timeline li[data-type="correct"]')).to_contain_text("100 kg → 98.5 kg")
    look(page, "correction-applied")
    assert float(api.get(f"/manifests/{manifest['id']}", as_="producer").json["pickup_kg"]) == 98.5
