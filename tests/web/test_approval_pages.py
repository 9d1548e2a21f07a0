"""跨区域转移审批 pages: a regulator grants (the form keeps what was typed when refused), reads one with the kg used
and its manifests, revokes with a reason on a confirmation page; the producer reads its own; nobody else's."""
import html
import re
from datetime import timedelta

import pytest

from tests.factories import NOW, make_approval, row_count
from tests.web.helpers import login
from wastechain.domain.timeutil import local_date
from wastechain.models import Approval

TODAY = local_date(NOW)


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _form(world, **extra) -> dict:
    return {"producer_id": str(world.producer.id), "destination_site_id": str(world.far_site.id),
            "waste_codes": "900-041-49, HW08", "max_quantity_kg": "800", "valid_from": TODAY.isoformat(),
            "valid_to": (TODAY + timedelta(days=180)).isoformat(), **extra}


@pytest.fixture
def granted(client, world):
    login(client, "kecheng_regulator")
    response = client.post("/approvals/new", data=_form(world))
    assert response.status_code == 302, _page(response)[:1500]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_the_regulators_menu_leads_to_the_approvals_and_the_grant_form_names_places(client, world):
    login(client, "kecheng_regulator")
    assert 'href="/approvals/"' in client.get("/").get_data(as_text=True)
    form = _page(client.get("/approvals/new"))
    assert "衢州示范化工有限公司 · 衢州市柯城区" in form
    assert "杭州市上城区 · 杭州远方处置公司" in form
    assert "江山另一家制造厂" not in form  # another county's producer


def test_a_granted_approval_shows_what_is_used_of_what_was_granted(client, api, session, world, granted):
    from tests.factories import make_batch

    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    manifest = api.issue(world, batch, "300", receiver_site=world.far_site, approval_id=granted).json
    page = _page(client.get(f"/approvals/{granted}"))
    assert "有效" in page and "900-041-49, HW08" in page and "杭州市上城区" in page
    assert re.search(r'id="approval-used">300 kg<', page) and re.search(r'id="approval-remaining">500 kg<', page)
    assert manifest["number"] in page


def test_a_grant_longer_than_the_cap_is_refused_with_what_was_typed_kept(client, world, session):
    login(client, "kecheng_regulator")
    response = client.post("/approvals/new", data=_form(world, valid_to=(TODAY + timedelta(days=400)).isoformat(),
                                                        max_quantity_kg="750.5"))
    page = _page(response)
    assert response.status_code == 422 and "最长 365 天" in page
    assert 'value="750.5"' in page and 'value="900-041-49, HW08"' in page
    assert re.search(rf'<option value="{world.far_site.id}" selected>', page)
    assert row_count(session, Approval) == 0


def test_a_bad_quantity_is_named_in_words(client, world, session):
    login(client, "kecheng_regulator")
    page = _page(client.post("/approvals/new", data=_form(world, max_quantity_kg="lots")))
    error = re.search(r'id="grant-error">(.*?)</p>', page).group(1)
    assert "最大数量（kg）" in error and "max_quantity_kg" not in error
    assert row_count(session, Approval) == 0


def test_revoking_asks_for_a_reason_on_a_confirmation_page(client, world, session, granted):
    assert "确认撤销" in _page(client.get(f"/approvals/{granted}/revoke"))
    response = client.post(f"/approvals/{granted}/revoke", data={"reason": "  "})
    assert response.status_code == 422 and "原因不能为空" in _page(response)
    assert session.get(Approval, granted).revoked_at is None
    session.commit()
    assert client.post(f"/approvals/{granted}/revoke", data={"reason": "企业违规转移"}).status_code == 302
    page = _page(client.get(f"/approvals/{granted}"))
    assert "已撤销" in page and "企业违规转移" in page and "撤销…" not in page
    assert "共 1 条" in _page(client.get("/approvals/?state=revoked"))
    assert "共 0 条" in _page(client.get("/approvals/?state=active"))


def test_a_county_cannot_revoke_what_the_city_granted(client, world, session):
    city = make_approval(session, producer=world.producer, destination=world.far_site)  # granted by the city
    session.commit()
    login(client, "kecheng_regulator")
    assert "撤销…" not in _page(client.get(f"/approvals/{city.id}"))
    assert client.get(f"/approvals/{city.id}/revoke").status_code == 403
    assert client.post(f"/approvals/{city.id}/revoke", data={"reason": "县局收回"}).status_code == 403


def test_the_producer_reads_its_own_approvals_and_cannot_grant(client, world, granted):
    client.post("/logout")
    login(client, "producer")
    listed = _page(client.get("/approvals/"))
    assert "共 1 条" in listed and "批准新的审批" not in listed
    assert client.get(f"/approvals/{granted}").status_code == 200
    assert client.get("/approvals/new").status_code == 403
    client.post("/logout")
    login(client, "other_producer")
    assert "共 0 条" in _page(client.get("/approvals/"))
    assert client.get(f"/approvals/{granted}").status_code == 404
