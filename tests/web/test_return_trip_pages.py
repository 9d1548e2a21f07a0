"""Refused waste on the pages (issue 10 items 1–2): the producer's manifest says what is in the carrier's custody
and issues the return manifest after a confirmation; the return trip is taken back into stock; My tasks tells the
producer and the carrier until it has left."""
from decimal import Decimal

import pytest

from tests.factories import lines_body, make_batch, manifest_state
from tests.web.helpers import login

D = Decimal


@pytest.fixture
def refused(api, world, session):
    a = make_batch(session, world.producer, world.producer_site, kg="100")
    b = make_batch(session, world.producer, world.producer_site, code="900-249-08", kg="100")
    session.commit()
    issued = api.post("/manifests", lines_body(world, [(a.id, "60"), (b.id, "40")], world.receiver_site),
                      as_="producer").json
    api.step(issued["id"], "pickup", as_="driver")
    api.step(issued["id"], "deliver", as_="driver")
    line_a, line_b = (line["id"] for line in issued["lines"])
    api.step(issued["id"], "receive", as_="receiver", lines=[
        {"line_id": line_a, "accepted_kg": 60}, {"line_id": line_b, "accepted_kg": 0, "rejected_kg": 40,
                                                 "reason": "桶体破损"}])
    return issued


def _stock(api, world, code):
    items = api.get(f"/sites/{world.producer_site.id}/stock", as_="producer").json["items"]
    return next((i["quantity_kg"] for i in items if i["waste_code"] == code), D(0))


def test_the_producer_sees_the_refused_line_and_issues_the_return_manifest_after_confirming(client, api, world,
                                                                                           refused):
    login(client, "producer")
    page = client.get(f"/producer/manifests/{refused['id']}").get_data(as_text=True)
    assert 'id="refused-waste"' in page and "拒收 40 kg：桶体破损" in page and "衢州安运物流" in page
    confirm = client.get(f"/producer/manifests/{refused['id']}/return").get_data(as_text=True)
    assert 'id="confirm-return"' in confirm and "40 kg" in confirm
    assert api.get("/manifests", as_="producer").json["total"] == 1  # the confirmation page wrote nothing
    done = client.post(f"/producer/manifests/{refused['id']}/return", follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "已开具退运联单" in page and "联单二维码" in page
    back = api.get("/manifests", as_="producer").json["items"][0]
    assert (back["receiver_id"], back["total_kg"]) == (world.producer.id, D("40"))


def test_a_second_return_is_refused_in_words_and_issues_nothing(client, api, world, refused):
    login(client, "producer")
    client.post(f"/producer/manifests/{refused['id']}/return")
    again = client.post(f"/producer/manifests/{refused['id']}/return")
    assert again.status_code == 422 and "没有待运离的拒收废物" in again.get_data(as_text=True)
    assert api.get("/manifests", as_="producer").json["total"] == 2


def test_the_return_trip_is_taken_back_into_the_producers_stock(client, api, world, refused):
    login(client, "producer")
    client.post(f"/producer/manifests/{refused['id']}/return")
    back = api.get("/manifests", as_="producer").json["items"][0]["id"]
    assert 'id="take-back-form"' not in client.get(f"/producer/manifests/{back}").get_data(as_text=True)
    api.step(back, "pickup", as_="driver")
    api.step(back, "deliver", as_="driver")
    assert _stock(api, world, "900-249-08") == D("60")
    tasks = client.get("/tasks").get_data(as_text=True)
    assert 'id="task-returned"' in tasks and f"/producer/manifests/{back}" in tasks
    page = client.post(f"/producer/manifests/{back}/take-back", data={"quantity_kg": "40"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已收回入库" in page and "已闭环" in page
    assert _stock(api, world, "900-249-08") == D("100")
    assert manifest_state(api, back) == ("closed", 4)


def test_a_bad_weight_at_take_back_is_refused_and_changes_nothing(client, api, world, refused):
    login(client, "producer")
    client.post(f"/producer/manifests/{refused['id']}/return")
    back = api.get("/manifests", as_="producer").json["items"][0]["id"]
    api.step(back, "pickup", as_="driver")
    api.step(back, "deliver", as_="driver")
    page = client.post(f"/producer/manifests/{back}/take-back", data={"quantity_kg": "-4"},
                       follow_redirects=True).get_data(as_text=True)
    assert "必须大于 0：-4" in page.split('class="flash error"')[1][:200]
    assert manifest_state(api, back) == ("delivered", 3)


@pytest.mark.parametrize("user", ["producer", "transporter"])
def test_my_tasks_tell_the_producer_and_the_carrier_until_the_refused_waste_has_left(client, api, refused, user):
    login(client, user)
    page = client.get("/tasks").get_data(as_text=True)
    assert 'id="task-refused"' in page and refused["number"] in page and "保管中 40 kg" in page
    login(client, "producer")
    client.post(f"/producer/manifests/{refused['id']}/return")
    login(client, user)
    assert 'id="task-refused"' not in client.get("/tasks").get_data(as_text=True)


def test_the_regulator_reads_a_refusal_in_words_with_its_lines_and_reasons(app, client, api, refused):
    from tests.factories import run_checks

    run_checks(app)
    anomaly = api.get("/anomalies?code=REFUSED", as_="kecheng_regulator").json["items"][0]
    login(client, "kecheng_regulator")
    page = client.get(f"/regulator/anomalies/{anomaly['id']}").get_data(as_text=True)
    assert "拒收" in page and "桶体破损" in page and "拒收或不符的行" in page and "拒收量（kg）" in page
    for raw in ("rejected_kg", "refusal_reason", "waste_code:", "lines"):
        assert raw not in page.split("<main")[1].split("</main>")[0], raw
