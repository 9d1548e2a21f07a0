"""Containers: small boxes into a big box (小箱进大箱), weights add up, loading and receiving the outer box
(each a single transaction)."""
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import NOW, assert_refused, batch_state, build_collection, make_batch

D = Decimal
MEDICAL = "841-001-01"


def box(api, site, kind="small_box", as_="producer"):
    response = api.post("/containers", {"site_id": site.id, "kind": kind}, as_=as_)
    assert response.status_code == 201, response.json
    return response.json


def clinic_big_box(api, world, session):
    """Two small boxes of medical waste (3 kg from one batch, 2 kg from another) in one big box."""
    first = make_batch(session, world.producer, world.producer_site, code=MEDICAL, kg="10")
    second = make_batch(session, world.producer, world.producer_site, code=MEDICAL, kg="4")
    session.commit()
    small_a, small_b, big = box(api, world.producer_site), box(api, world.producer_site), box(
        api, world.producer_site, "big_box")
    assert api.post(f"/containers/{small_a['id']}/contents", {"batch_id": first.id, "quantity_kg": D("3")},
                    as_="producer").status_code == 200
    assert api.post(f"/containers/{small_b['id']}/contents", {"batch_id": second.id, "quantity_kg": D("2")},
                    as_="producer").status_code == 200
    for small in (small_a, small_b):
        assert api.post(f"/containers/{big['id']}/contents", {"child_container_id": small["id"]},
                        as_="producer").status_code == 200
    return big, first, second


def manifest_body(world, containers, receiver_site):
    return {"container_ids": containers, "receiver_site_id": receiver_site.id, "transporter_id": world.transporter.id,
            "planned_pickup_at": (NOW + timedelta(hours=1)).isoformat()}


def test_the_big_box_weighs_what_its_small_boxes_hold(api, world, session):
    big, first, second = clinic_big_box(api, world, session)
    described = api.get(f"/containers/{big['id']}", as_="producer").json
    assert described["total_kg"] == D("5") and described["container_count"] == 3
    assert {b["batch_id"]: b["quantity_kg"] for b in described["batches"]} == {first.id: D("3"), second.id: D("2")}
    assert described["qr_url"].startswith("http://testserver/s/")


def test_a_box_cannot_go_inside_itself_or_hold_more_than_its_batch(api, world, session):
    big, first, _ = clinic_big_box(api, world, session)
    small = api.get(f"/containers/{big['id']}", as_="producer").json["children"][0]
    refused = api.post(f"/containers/{small['id']}/contents", {"child_container_id": big["id"]}, as_="producer")
    assert assert_refused(refused, 422, "VALIDATION_ERROR")["details"] == {"child_container_id": "cycle"}
    assert api.get(f"/containers/{small['id']}", as_="producer").json["children"] == []
    extra = box(api, world.producer_site)
    too_much = api.post(f"/containers/{extra['id']}/contents", {"batch_id": first.id, "quantity_kg": D("8")},
                        as_="producer")
    assert_refused(too_much, 422, "INSUFFICIENT_QUANTITY")
    assert api.get(f"/containers/{extra['id']}", as_="producer").json["total_kg"] == D("0")
    assert api.get(f"/containers/{big['id']}", as_="producer").json["total_kg"] == D("5")
    assert batch_state(api, first.id) == (D("10"), "stored")  # boxing reserves nothing; only a manifest does


def test_loading_the_big_box_puts_everything_inside_on_the_manifest(api, world, session):
    big, first, second = clinic_big_box(api, world, session)
    issued = api.post("/containers/manifests", manifest_body(world, [big["id"]], world.receiver_site), as_="producer")
    assert issued.status_code == 201, issued.json
    manifest = api.get(f"/manifests/{issued.json['id']}", as_="producer").json
    assert sorted((l["batch_id"], l["quantity_kg"]) for l in manifest["lines"]) == [(first.id, D("3")), (second.id, D("2"))]
    small = api.get(f"/containers/{big['id']}", as_="producer").json["children"][0]
    assert api.get(f"/containers/{small['id']}", as_="producer").json["status"] == "loaded"
    again = api.post(f"/containers/{big['id']}/contents", {"child_container_id": box(api, world.producer_site)["id"]},
                     as_="producer")
    assert assert_refused(again, 409, "INVALID_TRANSITION")["details"] == {"status": "loaded"}
    after = api.get(f"/containers/{big['id']}", as_="producer").json
    assert after["container_count"] == 3 and after["total_kg"] == D("5")


def test_scanning_the_outer_box_resolves_the_container(api, world, session):
    big, _, _ = clinic_big_box(api, world, session)
    token = api.get(f"/containers/{big['id']}", as_="producer").json["qr_url"].rsplit("/", 1)[1]
    scanned = api.get(f"/scan/{token}", as_="producer").json
    assert scanned["kind"] == "container" and scanned["total_kg"] == D("5") and scanned["container_count"] == 3
    anonymous = api.get(f"/scan/{token}").json
    assert anonymous["kind"] == "container" and "total_kg" not in anonymous


def test_receiving_the_big_box_at_a_collector_stocks_it_and_it_ships_on_whole(api, world, session):
    extra = build_collection(session, world)
    big, first, second = clinic_big_box(api, world, session)
    mid = api.post("/containers/manifests", manifest_body(world, [big["id"]], extra["collector_site"]),
                   as_="producer").json["id"]
    api.step(mid, "pickup", as_="driver")
    api.step(mid, "deliver", as_="driver")
    received = api.post(f"/containers/{big['id']}/receive", {"idempotency_key": "rx-1"}, as_="collector")
    assert received.status_code == 201 and received.json["status"] == "closed", received.json
    again = api.post(f"/containers/{big['id']}/receive", {"idempotency_key": "rx-1"}, as_="collector")
    assert again.status_code == 200 and again.json["id"] == received.json["id"]
    at_collector = api.get(f"/containers/{big['id']}", as_="collector").json
    assert at_collector["total_kg"] == D("5") and at_collector["site_id"] == extra["collector_site"].id
    onward = api.post("/containers/manifests", manifest_body(world, [big["id"]], world.receiver_site), as_="collector")
    assert onward.status_code == 201, onward.json
    origins = api.get(f"/manifests/{onward.json['id']}/origins", as_="receiver").json
    assert {o["batch_id"]: o["quantity_kg"] for o in origins["origins"]} == {first.id: D("3"), second.id: D("2")}


def test_only_a_producing_or_collecting_enterprise_issues_for_containers(api, world, session):
    big, _, _ = clinic_big_box(api, world, session)
    for role in ("admin", "receiver", "city_regulator"):
        refused = api.post("/containers/manifests", manifest_body(world, [big["id"]], world.receiver_site), as_=role)
        assert_refused(refused, 403, "FORBIDDEN")
    assert api.get(f"/containers/{big['id']}", as_="producer").json["status"] == "open"
    assert api.get("/manifests", as_="producer").json["total"] == 0


def test_containers_of_others_are_not_found(api, world, session):
    big, _, _ = clinic_big_box(api, world, session)
    assert_refused(api.get(f"/containers/{big['id']}", as_="other_producer"), 404, "NOT_FOUND")
    seen = api.get(f"/containers/{big['id']}", as_="city_regulator")
    assert seen.status_code == 200 and seen.json["total_kg"] == D("5")


def test_receiving_a_container_manifest_by_its_manifest_moves_the_containers_too(api, world, session):
    """The receiver's weigh-in page records the receipt on the manifest, not by scanning the box."""
    extra = build_collection(session, world)
    big, _, _ = clinic_big_box(api, world, session)
    mid = api.post("/containers/manifests", manifest_body(world, [big["id"]], extra["collector_site"]),
                   as_="producer").json["id"]
    api.step(mid, "pickup", as_="driver")
    api.step(mid, "deliver", as_="driver")
    received = api.step(mid, "receive", as_="collector", accepted_kg="5")
    assert received.status_code == 201, received.json
    at_collector = api.get(f"/containers/{big['id']}", as_="collector").json
    assert at_collector["site_id"] == extra["collector_site"].id and at_collector["status"] == "open"
    onward = api.post("/containers/manifests", manifest_body(world, [big["id"]], world.receiver_site), as_="collector")
    assert onward.status_code == 201, onward.json


def test_a_failure_after_loading_leaves_no_manifest_behind(api, world, session, monkeypatch):
    """Issuing for containers and marking them loaded commit together, or not at all."""
    from sqlalchemy import func, select

    from wastechain.models import Container, Manifest
    from wastechain.services.storage import containers

    big, _, _ = clinic_big_box(api, world, session)
    original = containers.issue_manifest

    def issue_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("simulated failure right after the issue (a lost connection, a crash)")

    monkeypatch.setattr(containers, "issue_manifest", issue_then_fail)
    with pytest.raises(RuntimeError):
        api.post("/containers/manifests", manifest_body(world, [big["id"]], world.receiver_site), as_="producer")
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Manifest)) == 0
    assert session.scalar(select(Container.status).where(Container.id == big["id"])) == "open"
    session.commit()
