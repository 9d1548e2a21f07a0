"""Several producers → a collector → a disposer, with partial refusal and returns: every kilogram accounted for."""
from decimal import Decimal

import pytest

from tests.factories import assert_refused, build_collection, lines_body, make_batch

D = Decimal


def deliver(api, manifest_id):
    assert api.step(manifest_id, "pickup", as_="driver").status_code == 201
    assert api.step(manifest_id, "deliver", as_="driver").status_code == 201


def ship(api, world, batch_lines, receiver_site, *, as_, accepted, rejected="0", receiver_user):
    issued = api.post("/manifests", lines_body(world, batch_lines, receiver_site), as_=as_)
    assert issued.status_code == 201, issued.json
    mid = issued.json["id"]
    deliver(api, mid)
    extra = {"reason": "包装破损"} if D(rejected) else {}
    received = api.step(mid, "receive", as_=receiver_user, accepted_kg=D(accepted), rejected_kg=D(rejected), **extra)
    assert received.status_code == 201, received.json
    return mid, received.json["status"]


def stock_batch_ids(api, as_):
    return {b["id"]: b for b in api.get("/batches?per_page=200", as_=as_).json["items"]}


@pytest.fixture
def chain(api, world, session):
    """A (300 kg, ships 100), B (200, ships all, 20 refused), C (50) → collector → disposer (10 refused)."""
    extra = build_collection(session, world)
    a = make_batch(session, world.producer, world.producer_site, kg="300")
    b = make_batch(session, world.other_producer, world.other_site, kg="200")
    c = make_batch(session, extra["small"], extra["small_site"], kg="50")
    session.commit()
    site = extra["collector_site"]
    m1, s1 = ship(api, world, [(a.id, "100")], site, as_="producer", accepted="100", receiver_user="collector")
    m2, s2 = ship(api, world, [(b.id, "200")], site, as_="other_producer", accepted="180", rejected="20",
                  receiver_user="collector")
    m3, s3 = ship(api, world, [(c.id, "50")], site, as_="small", accepted="50", receiver_user="collector")
    assert s1 == s3 == "closed"  # received into the collector's stock: that leg's loop ends there
    assert s2 == "received"  # ... once its refused 20 kg have arrived somewhere too (m5 below)
    stock = stock_batch_ids(api, "collector")
    assert sorted(s["quantity_kg"] for s in stock.values()) == [D("50"), D("100"), D("180")]
    by_qty = {s["quantity_kg"]: i for i, s in stock.items()}
    m4, s4 = ship(api, world, [(by_qty[D("100")], "100"), (by_qty[D("180")], "180"), (by_qty[D("50")], "30")],
                  world.receiver_site, as_="collector", accepted="300", rejected="10", receiver_user="receiver")
    assert s4 == "received"
    assert api.step(m4, "dispose", as_="receiver", quantity_kg=D("200"), method="D10").json["status"] == "received"
    # all treated, but its refused 10 kg are still in the carrier's custody: it stays open
    assert api.step(m4, "dispose", as_="receiver", quantity_kg=D("100"), method="R4").json["status"] == "received"
    returned = [x for x in api.get("/batches", as_="other_producer").json["items"] if x["id"] != b.id]
    assert [r["quantity_kg"] for r in returned] == [D("20")]
    assert returned[0]["refused_from_id"] == m2  # in the carrier's custody, redirected to the disposer
    m5, _ = ship(api, world, [(returned[0]["id"], "20")], world.receiver_site, as_="other_producer", accepted="20",
                 receiver_user="receiver")
    assert api.get(f"/manifests/{m2}", as_="collector").json["status"] == "closed"  # its refused part arrived
    assert api.step(m5, "dispose", as_="receiver", quantity_kg=D("20"), method="D10").json["status"] == "closed"
    return {"a": a, "b": b, "c": c, "m1": m1, "m2": m2, "m3": m3, "m4": m4, "m5": m5}


def test_every_original_batch_trace_adds_up_to_its_quantity(api, chain):
    for key, user in (("a", "producer"), ("b", "other_producer"), ("c", "small")):
        trace = api.get(f"/batches/{chain[key].id}/trace", as_=user).json
        assert sum(trace["accounted_kg"].values()) == trace["quantity_kg"]
        assert trace["closed_kg"] + trace["open_kg"] == trace["quantity_kg"]
        assert trace["closed_kg"] == trace["accounted_kg"]["disposed"]
        assert sum(d["quantity_kg"] for d in trace["disposals"]) == trace["closed_kg"]


def test_the_trace_follows_a_batch_through_the_collector_to_the_disposal(api, chain):
    trace = api.get(f"/batches/{chain['b'].id}/trace", as_="other_producer").json
    numbers = [m["manifest_id"] for m in trace["manifests"]]
    assert numbers == [chain["m2"], chain["m4"], chain["m5"]]
    first = trace["manifests"][0]
    assert (first["quantity_kg"], first["accepted_kg"], first["rejected_kg"]) == (D("200"), D("180"), D("20"))
    assert [r["quantity_kg"] for r in trace["returns"]] == [D("20")] + [D(r["quantity_kg"]) for r in trace["returns"][1:]]
    assert trace["consolidations"][0]["quantity_kg"] == D("180")
    # of B's 180 kg in the consolidated load of 310, 300/310 were accepted; the refused share waits at the collector
    assert trace["closed_kg"] == D("20") + D("174.194")  # largest remainder gives B the odd gram
    assert trace["closed"] is False


def test_a_fully_disposed_batch_counts_as_closed(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, kg="40")
    session.commit()
    mid = api.issue(world, batch, "40").json["id"]
    deliver(api, mid)
    api.step(mid, "receive", as_="receiver", accepted_kg=D("40"))
    assert api.get(f"/batches/{batch.id}/trace", as_="producer").json["closed"] is False
    api.step(mid, "dispose", as_="receiver", quantity_kg=D("40"), method="D10")
    trace = api.get(f"/batches/{batch.id}/trace", as_="producer").json
    assert (trace["closed"], trace["closed_kg"], trace["open_kg"]) == (True, D("40"), D("0"))


def test_origins_of_the_consolidated_manifest_name_every_producer(api, chain, world):
    origins = api.get(f"/manifests/{chain['m4']}/origins", as_="receiver").json
    assert origins["origins_kg"] == origins["total_kg"] == D("310")
    by_batch = {o["batch_id"]: o for o in origins["origins"]}
    assert {k: by_batch[chain[k].id]["quantity_kg"] for k in "abc"} == {"a": D("100"), "b": D("180"), "c": D("30")}
    assert by_batch[chain["a"].id]["producer"] == world.producer.name
    assert sum(o["disposed_kg"] for o in origins["origins"]) == D("300")
    assert {s["manifest_id"] for s in origins["collection_steps"]} == {chain["m1"], chain["m2"], chain["m3"]}


def test_every_disposal_record_has_origins_adding_up_to_its_quantity(api, chain):
    records = api.get("/disposals", as_="receiver").json["items"]
    assert len(records) == 3
    for record in records:
        origins = api.get(f"/disposals/{record['id']}/origins", as_="city_regulator").json
        assert origins["origins_kg"] == record["quantity_kg"]


def test_lineage_sums_to_what_was_produced(api, chain):
    """Σ over original batches of every bucket = Σ produced; Σ closed = Σ disposal records."""
    total_produced = D("550")
    traces = [api.get(f"/batches/{chain[k].id}/trace", as_="city_regulator").json for k in "abc"]
    assert sum(sum(t["accounted_kg"].values()) for t in traces) == total_produced
    disposed = sum(r["quantity_kg"] for r in api.get("/disposals", as_="receiver").json["items"])
    assert sum(t["closed_kg"] for t in traces) == disposed == D("320")


def test_trace_and_origins_are_not_found_for_users_who_may_not_see_them(api, chain):
    a = chain["a"].id
    assert_refused(api.get(f"/batches/{a}/trace", as_="other_producer"), 404, "NOT_FOUND")
    assert_refused(api.get(f"/batches/{a}/trace", as_="hangzhou_regulator"), 404, "NOT_FOUND")
    seen = api.get(f"/batches/{a}/trace", as_="city_regulator")
    assert seen.status_code == 200 and seen.json["quantity_kg"] == D("300")
    assert_refused(api.get(f"/manifests/{chain['m4']}/origins", as_="producer"), 404, "NOT_FOUND")
    assert_refused(api.get(f"/manifests/{chain['m4']}/origins", as_="hangzhou_regulator"), 404, "NOT_FOUND")
    assert_refused(api.get(f"/batches/{a}/trace"), 401, "UNAUTHORIZED")


def test_a_cancelled_manifest_gives_its_quantity_back_to_the_batch(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, kg="100")
    session.commit()
    mid = api.issue(world, batch, "60").json["id"]
    api.step(mid, "cancel", as_="producer", reason="计划变更")
    trace = api.get(f"/batches/{batch.id}/trace", as_="producer").json
    assert trace["accounted_kg"]["in_storage"] == D("100") and trace["open_kg"] == D("100")


def test_the_producer_gets_a_disposal_certificate(api, chain):
    response = api.get(f"/batches/{chain['a'].id}/certificate.pdf", as_="producer")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert_refused(api.get(f"/batches/{chain['a'].id}/certificate.pdf", as_="small"), 404, "NOT_FOUND")
