"""The receiver's workbench: the weigh-in deadline, a refused weigh-in that keeps every typed value, methods by
name, the certificate PDF (parties with credit codes, tables, verification QR, signature block) and the public
page its QR opens."""
import html
import io
import re

from pypdf import PdfReader

from tests.factories import manifest_state
from tests.web.helpers import events, issue, login


def _delivered(api, session, world, kg="100") -> dict:
    manifest = issue(api, session, world, kg)
    api.step(manifest["id"], "pickup", as_="driver")
    api.step(manifest["id"], "deliver", as_="driver")
    return manifest


def _closed_partly_refused(client, api, session, world) -> dict:
    manifest = _delivered(api, session, world)
    _closed_partly_refused_by(client, manifest)
    return manifest


def test_a_delivery_shows_its_weigh_in_deadline_five_working_days_later(client, api, session, world):
    manifest = _delivered(api, session, world)
    login(client, "receiver")
    page = client.get("/receiver/").get_data(as_text=True)
    assert manifest["number"] in page and "接收期限" in page
    assert re.search(r'data-deadline="\d{4}-\d{2}-\d{2}"', page)
    assert 'id="deadline"' in client.get(f"/receiver/manifests/{manifest['id']}").get_data(as_text=True)


def test_a_refused_weigh_in_shows_the_form_again_with_everything_typed(client, api, session, world):
    manifest = _delivered(api, session, world)
    login(client, "receiver")
    line = manifest["lines"][0]["id"]  # the weigh-in line by line; R9 is not on the receiver's permit
    response = client.post(f"/receiver/manifests/{manifest['id']}/receive",
                           data={"line_id": str(line), f"accepted_kg-{line}": "95", f"rejected_kg-{line}": "10",
                                 f"reason-{line}": "桶盖破损，三桶渗漏", f"method-{line}": "R9",
                                 "idempotency_key": "web-keep-1"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'value="95"' in page and 'value="10"' in page and "桶盖破损，三桶渗漏</textarea>" in page
    assert "R9" in page.split('id="form-error"')[1][:200]  # the permit's refusal names the method
    assert 'value="web-keep-1"' in page  # the same form: a second press cannot record twice
    assert 'id="form-error"' in page
    assert events(api, manifest["id"], "receive") == [] and manifest_state(api, manifest["id"])[0] == "delivered"


def test_the_disposal_form_names_the_methods(client, api, session, world):
    manifest = _delivered(api, session, world)
    login(client, "receiver")
    client.post(f"/receiver/manifests/{manifest['id']}/receive",
                data={"quantity_kg": "100", "accepted_kg": "100", "idempotency_key": "web-m-1"})
    page = client.get(f"/receiver/manifests/{manifest['id']}").get_data(as_text=True)
    assert "D10 焚烧" in page


def test_the_certificate_is_a_document_with_parties_tables_qr_and_signatures(client, api, session, world):
    manifest = _closed_partly_refused(client, api, session, world)
    page = client.get(f"/receiver/manifests/{manifest['id']}").get_data(as_text=True)
    assert f"/certificates/manifests/{manifest['id']}.pdf" in page and "D10" in page
    response = client.get(f"/certificates/manifests/{manifest['id']}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    for expected in ("危险废物利用处置证明", manifest["number"], world.producer.credit_code,
                     world.receiver.credit_code, "焚烧", "经办人", "/certificates/verify/"):
        assert expected in text, expected
    # the producer opens the same certificate; a stranger does not
    client.post("/logout")
    login(client, "producer")
    assert client.get(f"/certificates/manifests/{manifest['id']}.pdf").status_code == 200
    client.post("/logout")
    login(client, "far_receiver")
    assert client.get(f"/certificates/manifests/{manifest['id']}.pdf").status_code == 404


def test_the_certificate_qr_opens_the_record_for_anyone_and_a_forged_one_does_not(client, api, session, world):
    manifest = _closed_partly_refused(client, api, session, world)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        client.get(f"/certificates/manifests/{manifest['id']}.pdf").data)).pages)
    token = re.search(r"/certificates/verify/([A-Z2-7]+)", text.replace("\n", "")).group(1)
    client.post("/logout")
    page = client.get(f"/certificates/verify/{token}").get_data(as_text=True)
    assert manifest["number"] in page and "已闭环" in page and world.receiver.credit_code in page
    assert client.get("/certificates/verify/AAAAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404


def test_the_work_list_is_searched_and_paged_never_cut_off(client, api, session, world):
    numbers = [_delivered(api, session, world, kg="10")["number"] for _ in range(6)]
    login(client, "receiver")
    first = client.get("/receiver/?per_page=4").get_data(as_text=True)
    assert "（6）" in first and "page_delivered=2" in first
    second = client.get("/receiver/?per_page=4&page_delivered=2").get_data(as_text=True)
    assert sum(n in first for n in numbers) + sum(n in second for n in numbers) == 6
    assert numbers[0] in first  # oldest delivery, nearest its deadline, first
    found = client.get(f"/receiver/?q={numbers[4]}").get_data(as_text=True)
    assert numbers[4] in found and numbers[5] not in found


def test_the_producer_finds_the_certificate_on_its_manifest_page_once_something_was_disposed(
        client, api, session, world):
    manifest = _delivered(api, session, world)
    login(client, "producer")
    assert 'id="certificate-link"' not in client.get(f"/producer/manifests/{manifest['id']}").get_data(as_text=True)
    receiver = client.application.test_client()
    _closed_partly_refused_by(receiver, manifest)
    page = client.get(f"/producer/manifests/{manifest['id']}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" id="certificate-link"', page).group(1)
    document = client.get(link)
    assert document.status_code == 200 and document.mimetype == "application/pdf"
    assert manifest["number"] in PdfReader(io.BytesIO(document.data)).pages[0].extract_text()


def _closed_partly_refused_by(client, manifest) -> None:
    login(client, "receiver")
    base = f"/receiver/manifests/{manifest['id']}"
    client.post(f"{base}/receive", data={"quantity_kg": "100", "accepted_kg": "90", "rejected_kg": "10",
                                         "reason": "包装破损", "idempotency_key": "web-r-2"})
    client.post(f"{base}/dispose", data={"method": "D10", "quantity_kg": "90", "idempotency_key": "web-d-2"})
