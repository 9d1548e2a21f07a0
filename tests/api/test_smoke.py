from decimal import Decimal

from tests.factories import make_batch


def test_a_manifest_runs_the_whole_loop_and_its_chain_verifies(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, kg="500")
    session.commit()
    issued = api.issue(world, batch, "120.5")
    assert issued.status_code == 201, issued.json
    manifest = issued.json
    assert manifest["status"] == "issued" and len(manifest["number"]) == 14
    assert manifest["number"].isdigit() and manifest["number"][4:8] == "3308"  # origin 柯城 → city 衢州 3308
    mid = manifest["id"]
    assert api.step(mid, "pickup", as_="driver", quantity_kg=Decimal("120.5"), lat=28.97, lon=118.87).status_code == 201
    assert api.step(mid, "deliver", as_="driver").status_code == 201
    assert api.step(mid, "receive", as_="receiver", accepted_kg=Decimal("120.5")).json["status"] == "received"
    closed = api.step(mid, "dispose", as_="receiver", quantity_kg=Decimal("120.5"), method="D10")
    assert closed.status_code == 201 and closed.json["status"] == "closed"
    check = api.get(f"/manifests/{mid}/verify", as_="city_regulator").json
    assert (check["ok"], check["events"], check["broken_at"], check["reasons"]) == (True, 5, None, [])
    assert api.get(f"/batches/{batch.id}", as_="producer").json["remaining_kg"] == Decimal("379.5")
