"""The producer's pages: issuing through the receiver chooser and the dry run, drafts, cancelling after a
confirmation, the searched and paged list, the manifest PDF — in Chinese and in English."""
import html
import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from tests.factories import batch_state, make_approval, make_batch, manifest_state, row_count
from tests.web.helpers import issue, login
from wastechain.models import Manifest, ManifestDraft

PLANNED = "2030-06-01T09:00"


def _form(world, batch, kg="100", site=None, action="check", **extra):
    form = {"batch_id": str(batch.id), f"qty_{batch.id}": kg, "planned_at": PLANNED,
            "transporter_id": str(world.transporter.id), "action": action, **extra}
    if site is not None:
        form["receiver_site_id"] = str(site.id)
    return form


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def producer(client, world):
    login(client, "producer")
    return client


def test_the_chooser_lists_who_can_take_the_load_and_why_and_who_cannot(producer, world, batch):
    page = _text(producer.post("/producer/manifests/new", data=_form(world, batch, action="receivers")))
    can, cannot = page.split('id="cannot"')
    assert "衢州危废处置中心" in can and "同在衢州市" in can and "年度经营规模剩余" in can
    assert "杭州远方处置公司" in cannot and "危险废物不出市" in cannot and "杭州市上城区" in cannot
    assert "330102" not in page
    # the general-waste works in 柯城 holds no hazardous permit
    assert "柯城区一般固废利用厂" in cannot and "没有有效的危险废物经营许可证" in cannot


def test_the_dry_run_shows_the_refusal_then_the_success_and_writes_nothing(producer, world, batch, session):
    refused = _text(producer.post("/producer/manifests/new", data=_form(world, batch, site=world.far_site)))
    assert "不能开具" in refused and 'data-ok="no"' in refused and "危险废物不出市" in refused
    assert 'value="100"' in refused  # the typed quantity stays
    passed = _text(producer.post("/producer/manifests/new", data=_form(world, batch, site=world.receiver_site)))
    assert "全部规则通过" in passed and 'data-ok="no"' not in passed
    assert row_count(session, Manifest) == 0


def test_the_dry_run_agrees_with_the_issue(producer, api, world, batch, session):
    refused = producer.post("/producer/manifests/new", data=_form(world, batch, site=world.far_site, action="issue"))
    assert refused.status_code == 422 and "危险废物不出市" in _text(refused)
    assert row_count(session, Manifest) == 0 and batch_state(api, batch.id)[0] == 1000
    issued = producer.post("/producer/manifests/new", data=_form(world, batch, site=world.receiver_site,
                                                                  action="issue"))
    assert issued.status_code == 302
    page = _text(producer.get(issued.headers["Location"]))
    assert "已开具" in page and "manifest.pdf" in page
    assert batch_state(api, batch.id)[0] == 900


def test_an_approval_found_by_the_chooser_lets_the_load_cross(producer, world, batch, session):
    approval = make_approval(session, producer=world.producer, destination=world.far_site)
    session.commit()
    page = _text(producer.post("/producer/manifests/new", data=_form(world, batch, action="receivers")))
    can = page.split('id="cannot"')[0]
    assert "杭州远方处置公司" in can and f'name="approval_for_{world.far_site.id}" value="{approval.id}"' in page
    issued = producer.post("/producer/manifests/new", data={**_form(world, batch, site=world.far_site, action="issue"),
                                                            f"approval_for_{world.far_site.id}": str(approval.id)})
    assert issued.status_code == 302


def test_a_draft_is_saved_edited_and_issued_later(producer, world, batch, session):
    saved = producer.post("/producer/manifests/new", data=_form(world, batch, "40", action="save"))
    assert saved.status_code == 302 and row_count(session, Manifest) == 0
    draft_id = int(re.search(r"draft=(\d+)", saved.headers["Location"]).group(1))
    page = _text(producer.get(saved.headers["Location"]))
    assert 'value="40"' in page and "草稿" in page
    producer.post("/producer/manifests/new", data=_form(world, batch, "60", action="save", draft_id=str(draft_id)))
    assert 'value="60"' in _text(producer.get(f"/producer/manifests/new?draft={draft_id}"))
    assert f"草稿 #{draft_id}" in _text(producer.get("/producer"))
    issued = producer.post("/producer/manifests/new", data=_form(world, batch, "60", site=world.receiver_site,
                                                                  action="issue", draft_id=str(draft_id)))
    assert issued.status_code == 302
    assert row_count(session, Manifest) == 1 and row_count(session, ManifestDraft) == 0


def test_another_company_cannot_open_a_draft(client, producer, world, batch, session):
    producer.post("/producer/manifests/new", data=_form(world, batch, action="save"))
    draft_id = session.query(ManifestDraft).one().id
    session.commit()
    client.post("/logout")
    login(client, "other_producer")
    assert client.get(f"/producer/manifests/new?draft={draft_id}").status_code == 404


def test_deleting_a_draft_asks_first(producer, world, batch, session):
    producer.post("/producer/manifests/new", data=_form(world, batch, action="save"))
    draft_id = session.query(ManifestDraft).one().id
    session.commit()
    assert "确认删除" in _text(producer.get(f"/producer/drafts/{draft_id}/delete"))
    assert row_count(session, ManifestDraft) == 1
    producer.post(f"/producer/drafts/{draft_id}/delete")
    assert row_count(session, ManifestDraft) == 0


def test_cancelling_asks_for_a_reason_on_a_confirmation_page(producer, api, session, world):
    manifest = issue(api, session, world, "100")
    assert "作废联单" in _text(producer.get(f"/producer/manifests/{manifest['id']}"))
    confirm = _text(producer.get(f"/producer/manifests/{manifest['id']}/cancel"))
    assert "确认作废" in confirm and "不能撤销" in confirm
    without = producer.post(f"/producer/manifests/{manifest['id']}/cancel", data={"reason": "  "})
    assert without.status_code == 422 and "必须说明原因" in _text(without)
    assert manifest_state(api, manifest["id"]) == ("issued", 1)
    done = producer.post(f"/producer/manifests/{manifest['id']}/cancel", data={"reason": "客户取消"},
                         follow_redirects=True)
    assert "已作废" in _text(done) and "作废原因：客户取消" in _text(done)
    assert manifest_state(api, manifest["id"]) == ("cancelled", 2)


def test_the_list_pages_with_a_total_and_searches(producer, api, session, world):
    batch = make_batch(session, world.producer, world.producer_site, kg="10000")
    general = make_batch(session, world.producer, world.producer_site, code="SW01")
    session.commit()
    numbers = [api.issue(world, batch, "10").json["number"] for _ in range(23)]
    api.issue(world, general, receiver_site=world.county_site)
    first = _text(producer.get("/producer"))
    assert "共 24 张联单" in first and "第 1 / 2 页" in first and numbers[0] not in first
    second = _text(producer.get("/producer?page=2"))
    assert numbers[0] in second and numbers[3] in second
    by_code = _text(producer.get("/producer?waste_code=SW01"))
    assert "共 1 张联单" in by_code and "柯城区一般固废利用厂" in by_code
    assert "共 1 张联单" in _text(producer.get(f"/producer?q={numbers[5]}"))
    assert "共 23 张联单" in _text(producer.get("/producer?party=危废处置&status=issued"))
    assert "共 0 张联单" in _text(producer.get("/producer?from=2001-01-01&to=2001-01-02"))
    bad = _text(producer.get("/producer?from=yesterday"))
    assert "开具日期（起）" in bad and "from" not in bad.split("<main>")[1].split("</form>")[1][:200]


def test_the_manifest_pdf_opens_for_the_parties_only(producer, client, api, session, world):
    manifest = issue(api, session, world, "100")
    response = producer.get(f"/manifests/{manifest['id']}/manifest.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(response.data)).pages)
    assert manifest["number"] in text and "统一社会信用代码" in text and world.receiver.credit_code in text
    client.post("/logout")
    login(client, "receiver")
    assert client.get(f"/manifests/{manifest['id']}/manifest.pdf").status_code == 200
    client.post("/logout")
    login(client, "other_producer")
    assert client.get(f"/manifests/{manifest['id']}/manifest.pdf").status_code == 404


def test_the_pages_speak_english(producer, api, session, world, batch):
    manifest = issue(api, session, world, "100")
    headers = {"Accept-Language": "en"}
    producer.post("/language", data={"lang": "en"})
    listing = _text(producer.get("/producer", headers=headers))
    assert "Issued" in listing and "已开具" not in listing
    refused = _text(producer.post("/producer/manifests/new", data=_form(world, batch, site=world.far_site)))
    assert "cannot" in refused and "危险废物不出市" not in refused
    page = _text(producer.get(f"/producer/manifests/{manifest['id']}"))
    assert "Print the manifest (PDF)" in page
    pdf = producer.get(f"/manifests/{manifest['id']}/manifest.pdf")
    assert "Unified social credit code" in "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)


@pytest.mark.parametrize("lang, expected", [("zh", ["数量（kg）：必须大于 0", "接收单位：请填写或选择"]),
                                            ("en", ["Quantity (kg): must be greater than 0",
                                                    "Receiver: please fill in or choose"])])
def test_a_refused_field_is_named_in_the_page_language_and_the_form_kept(producer, world, batch, lang, expected):
    headers = {"Accept-Language": lang}
    producer.post("/language", data={"lang": lang})
    bad_quantity = _text(producer.post("/producer/manifests/new", data=_form(world, batch, "-1", action="receivers"),
                                       headers=headers))
    assert expected[0] in bad_quantity and "quantity_kg" not in bad_quantity.replace('name="qty_', "")
    assert 'value="-1"' in bad_quantity
    no_receiver = _text(producer.post("/producer/manifests/new", data=_form(world, batch), headers=headers))
    assert expected[1] in no_receiver and "Missing data" not in no_receiver
