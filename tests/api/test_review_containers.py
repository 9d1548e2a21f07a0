"""Reviewer's findings on containers: loading and receiving whole boxes are single transactions."""
import pytest

from tests.api.test_containers import clinic_big_box, manifest_body
from tests.factories import build_collection


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
