"""Refused waste travels (issue 10 item 2): it stays in the carrier's custody until a linked return or redirect
manifest takes it on; the rules are checked again; the refusing manifest closes only when its refused part has
arrived; and the stock follows it, to the gram."""
from decimal import Decimal

import pytest

from tests.factories import (QUJIANG, assert_refused, lines_body, make_batch, make_org, make_permit,
                             make_rival_transporter, make_site, make_user, manifest_state)

D = Decimal


@pytest.fixture
def refused(api, world, session):
    """Delivered 60 kg of 900-041-49 (line A) and 40 kg of 900-249-08 (line B); the receiver took A, refused B."""
    a = make_batch(session, world.producer, world.producer_site, kg="100")
    b = make_batch(session, world.producer, world.producer_site, code="900-249-08", kg="100")
    session.commit()
    issued = api.post("/manifests", lines_body(world, [(a.id, "60"), (b.id, "40")], world.receiver_site),
                      as_="producer").json
    mid = issued["id"]
    api.step(mid, "pickup", as_="driver")
    api.step(mid, "deliver", as_="driver")
    line_a, line_b = (line["id"] for line in issued["lines"])
    received = api.step(mid, "receive", as_="receiver", lines=[
        {"line_id": line_a, "accepted_kg": 60, "method": "D10"},
        {"line_id": line_b, "accepted_kg": 0, "rejected_kg": 40, "reason": "桶体破损"}])
    assert received.status_code == 201, received.json
    custody = [x for x in api.get("/batches", as_="producer").json["items"] if x["refused_from_id"] == mid]
    assert len(custody) == 1
    return {"id": mid, "a": a, "b": b, "custody": custody[0]}


def _stock(api, world, code):
    items = api.get(f"/sites/{world.producer_site.id}/stock", as_="producer").json["items"]
    return next((i["quantity_kg"] for i in items if i["waste_code"] == code), D(0))


def _onward(api, world, refused, site, *, transporter=None, kg="40"):
    body = lines_body(world, [(refused["custody"]["id"], kg)], site)
    if transporter is not None:
        body["transporter_id"] = transporter
    return api.post("/manifests", body, as_="producer")


def _travel(api, mid, receiver, **receipt):
    assert api.step(mid, "pickup", as_="driver").status_code == 201
    assert api.step(mid, "deliver", as_="driver").status_code == 201
    received = api.step(mid, "receive", as_=receiver, **receipt)
    assert received.status_code == 201, received.json
    return received.json


def test_refused_waste_stays_with_the_carrier_and_in_no_ledger(api, world, refused):
    assert refused["custody"]["quantity_kg"] == D("40") and refused["custody"]["site_id"] == world.receiver_site.id
    assert _stock(api, world, "900-249-08") == D("60")  # the 40 kg left on the manifest and have not come back
    receiver_items = api.get(f"/sites/{world.receiver_site.id}/stock", as_="receiver").json["items"]
    assert all(i["waste_code"] != "900-249-08" for i in receiver_items)


def test_a_return_trip_brings_it_back_into_the_producers_stock_and_closes_the_original(api, world, refused):
    assert api.step(refused["id"], "dispose", as_="receiver", quantity_kg=D("60"), method="D10").json["status"] \
        == "received"  # treated in full, but its refused part is still on the road
    back = _onward(api, world, refused, world.producer_site)
    assert back.status_code == 201, back.json
    assert (back.json["receiver_id"], back.json["origin_site_id"]) == (world.producer.id, world.receiver_site.id)
    event = _travel(api, back.json["id"], "producer", accepted_kg=D("40"))
    assert event["status"] == "closed"  # into the producer's own stock
    assert _stock(api, world, "900-249-08") == D("100")
    original = api.get(f"/manifests/{refused['id']}", as_="producer").json
    assert original["status"] == "closed" and original["events"][-1]["type"] == "close"
    assert original["events"][-1]["data"]["onward_manifest_id"] == back.json["id"]
    verify = api.get(f"/manifests/{refused['id']}/verify", as_="producer").json
    assert verify["ok"] and verify["status_ok"]


def test_a_manifest_refused_whole_closes_when_its_load_is_back(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, kg="100")
    session.commit()
    mid = api.issue(world, batch, "100").json["id"]
    event = _travel(api, mid, "receiver", accepted_kg=0, rejected_kg=D("100"), reason="标签与联单不符")
    assert event["status"] == "rejected"
    custody = next(x for x in api.get("/batches", as_="producer").json["items"] if x["refused_from_id"] == mid)
    back = api.post("/manifests", lines_body(world, [(custody["id"], "100")], world.producer_site), as_="producer")
    _travel(api, back.json["id"], "producer", accepted_kg=D("100"))
    assert manifest_state(api, mid) == ("closed", 5)  # issue, pickup, deliver, receive, close


def test_a_redirect_to_another_licensed_receiver_in_the_city_passes_every_rule(api, world, refused, session):
    other = make_org(session, name="衢江第二危废处置厂", roles=["receiver"], region=QUJIANG)
    other_site = make_site(session, other, kind="facility")
    make_permit(session, other)
    make_user(session, username="other_receiver", role="receiver", org=other)
    session.commit()
    redirect = _onward(api, world, refused, other_site)
    assert redirect.status_code == 201, redirect.json
    _travel(api, redirect.json["id"], "other_receiver", accepted_kg=D("40"))
    trace = api.get(f"/batches/{refused['b'].id}/trace", as_="producer").json
    assert [m["manifest_id"] for m in trace["manifests"]] == [refused["id"], redirect.json["id"]]
    assert sum(trace["accounted_kg"].values()) == trace["quantity_kg"] == D("100")
    origins = api.get(f"/manifests/{redirect.json['id']}/origins", as_="other_receiver").json
    assert [o["batch_id"] for o in origins["origins"]] == [refused["b"].id]


@pytest.mark.parametrize("where, code", [("far_site", "JURISDICTION_VIOLATION"),  # hazardous out of the city
                                         ("county_site", "PERMIT_INVALID")])  # no hazardous waste permit
def test_a_redirect_the_rules_forbid_is_refused_and_changes_nothing(api, world, refused, where, code):
    before = api.get(f"/batches/{refused['custody']['id']}", as_="producer").json["remaining_kg"]
    count = api.get("/manifests", as_="producer").json["total"]
    assert_refused(_onward(api, world, refused, getattr(world, where)), 422, code)
    assert api.get(f"/batches/{refused['custody']['id']}", as_="producer").json["remaining_kg"] == before == D("40")
    assert api.get("/manifests", as_="producer").json["total"] == count


def test_only_the_carrier_holding_the_refused_waste_takes_it_on(api, world, refused, session):
    rival = make_rival_transporter(session)
    assert_refused(_onward(api, world, refused, world.producer_site, transporter=rival.id), 422, "CUSTODY_VIOLATION")
    assert api.get(f"/batches/{refused['custody']['id']}", as_="producer").json["remaining_kg"] == D("40")
