"""The corrections pages: the carrier files on a form that keeps typed values on a refusal, each party approves or
refuses on a confirmation page, the 修订记录 shows on every manifest page, a regulator asks for a correction."""
import html
import re

import pytest

from tests.web.helpers import issue, login


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _plain(page: str) -> str:
    """What a reader sees: the page without its tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


@pytest.fixture
def picked_up(api, session, world):
    manifest = issue(api, session, world, "100")
    assert api.step(manifest["id"], "pickup", as_="driver", quantity_kg="100").status_code == 201
    return manifest["id"]


def _pickup_kg(api, manifest_id) -> float:
    return float(api.get(f"/manifests/{manifest_id}", as_="producer").json["pickup_kg"])


def _file(client, manifest_id, **form):
    login(client, "transporter")
    data = {"field": "pickup_kg", "pickup_kg": "98.5", "reason": "地磅读数抄错", **form}
    response = client.post(f"/corrections/manifests/{manifest_id}/new", data=data)
    client.post("/logout")
    return response


def _correction_id(api, manifest_id) -> int:
    return api.get(f"/manifests/{manifest_id}/corrections", as_="producer").json["items"][-1]["id"]


def _decide(client, username, correction_id, decision="approve", reason=""):
    login(client, username)
    response = client.post(f"/corrections/{correction_id}/decide", data={"decision": decision, "reason": reason})
    client.post("/logout")
    return response


def test_the_carrier_files_the_producer_and_receiver_approve_and_every_page_shows_it(client, api, picked_up):
    assert _file(client, picked_up).status_code == 302
    correction_id = _correction_id(api, picked_up)
    assert _pickup_kg(api, picked_up) == 100
    login(client, "producer")
    page = _text(client.get(f"/producer/manifests/{picked_up}"))
    assert "修订记录" in page and "100 kg → 98.5 kg" in _plain(page) and "等待接收单位确认" in page
    assert f'id="decide-{correction_id}"' in page
    confirm = _text(client.get(f"/corrections/{correction_id}/decide"))
    assert "同意修订" in confirm and "拒绝修订" in confirm and 'name="csrf_token"' in confirm
    client.post("/logout")
    assert _decide(client, "producer", correction_id).status_code == 302
    assert _pickup_kg(api, picked_up) == 100
    assert _decide(client, "receiver", correction_id).status_code == 302
    assert _pickup_kg(api, picked_up) == 98.5
    for username, path in (("producer", f"/producer/manifests/{picked_up}"),
                           ("receiver", f"/receiver/manifests/{picked_up}"),
                           ("transporter", f"/carrier/manifests/{picked_up}"),
                           ("kecheng_regulator", f"/corrections/manifests/{picked_up}")):
        login(client, username)
        page = _text(client.get(path))
        client.post("/logout")
        history = _plain(page.split('id="corrections"')[1])
        assert "已生效" in history and "100 kg → 98.5 kg" in history, username
        assert re.search(r"产生单位 producer 于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d 同意", history), username
        assert "T0" not in history and "pickup_kg" not in history, username
        assert 'data-type="correct"' in page, username  # the timeline shows the correction event


def test_a_refused_form_keeps_what_was_typed_and_files_nothing(client, api, picked_up):
    response = _file(client, picked_up, pickup_kg="98,5kg", reason="读数抄错了")
    assert response.status_code == 422
    page = _text(response)
    assert 'id="correction-error"' in page and 'value="98,5kg"' in page and "读数抄错了" in page
    assert api.get(f"/manifests/{picked_up}/corrections", as_="producer").json["items"] == []


def test_a_refusal_without_a_reason_is_refused_then_with_one_it_closes_the_correction(client, api, picked_up):
    _file(client, picked_up)
    correction_id = _correction_id(api, picked_up)
    bare = _decide(client, "producer", correction_id, "refuse")
    assert bare.status_code == 422 and 'id="decision-error"' in _text(bare)
    assert api.get(f"/corrections/{correction_id}", as_="producer").json["status"] == "pending"
    assert _decide(client, "producer", correction_id, "refuse", "我方过磅是 100 kg").status_code == 302
    assert api.get(f"/corrections/{correction_id}", as_="producer").json["status"] == "refused"
    login(client, "receiver")
    page = _text(client.get(f"/receiver/manifests/{picked_up}"))
    assert "拒绝：我方过磅是 100 kg" in page and "已被拒绝" in page
    assert _pickup_kg(api, picked_up) == 100


def test_an_outsider_gets_no_page_and_a_driver_cannot_file(client, api, picked_up):
    login(client, "other_producer")
    assert client.get(f"/corrections/manifests/{picked_up}").status_code == 404
    client.post("/logout")
    login(client, "driver")
    refused = client.post(f"/corrections/manifests/{picked_up}/new",
                          data={"field": "pickup_kg", "pickup_kg": "90", "reason": "x"})
    assert refused.status_code == 422 and "只有联单的产生、运输或接收单位" in _text(refused)
    assert api.get(f"/manifests/{picked_up}/corrections", as_="producer").json["items"] == []


def test_a_regulator_asks_and_the_carrier_sees_it_in_my_tasks(client, api, picked_up):
    login(client, "kecheng_regulator")
    assert client.post(f"/corrections/manifests/{picked_up}/ask",
                       data={"party": "carrier", "reason": "请核对提货重量"}).status_code == 302
    client.post("/logout")
    login(client, "transporter")
    tasks = _text(client.get("/tasks"))
    assert "请核对提货重量" in tasks and f"/corrections/manifests/{picked_up}/new?ask_id=" in tasks


def test_the_regulator_reaches_the_corrections_from_an_anomaly_of_the_manifest(client, api, session, world,
                                                                              picked_up):
    from tests.factories import make_anomaly

    anomaly = make_anomaly(session, manifest_id=picked_up, org=world.producer,
                           evidence={"manifest": {"number": "x", "status": "in_transit"}})
    session.commit()
    login(client, "kecheng_regulator")
    page = _text(client.get(f"/regulator/anomalies/{anomaly.id}"))
    assert f'href="/corrections/manifests/{picked_up}"' in page
