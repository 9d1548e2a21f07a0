"""Time-bound rules are checked against the app's clock, which tests move instead of sleeping."""
import pytest
from sqlalchemy import func, select

from tests.factories import Api, make_batch
from wastechain.models import ManifestEvent


@pytest.fixture
def timed(clocked):
    """An app whose every request reads the moved clock, its API client, a small world and a batch."""
    app, session, world = clocked
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    return app, Api(app.test_client()), world, batch, session


def test_a_bearer_token_expires_when_the_clock_passes_its_lifetime(timed, clock):
    _app, api, _world, _batch, _session = timed
    assert api.get("/auth/me", as_="producer").json["username"] == "producer"
    clock.advance(hours=11, minutes=59)
    assert api.get("/auth/me", as_="producer").status_code == 200
    clock.advance(minutes=2)
    expired = api.get("/auth/me", as_="producer")
    assert expired.status_code == 401 and expired.json["error"]["code"] == "UNAUTHORIZED"


def test_a_handover_code_expires_ten_minutes_after_the_producer_showed_it(timed, clock):
    app, api, world, batch, session = timed
    manifest = api.issue(world, batch, "50").json
    client = app.test_client()
    client.post("/login", data={"username": "producer", "password": "password123"})
    page = client.post(f"/producer/manifests/{manifest['id']}/handover-code").get_data(as_text=True)
    code = page.split('id="handover-code" aria-label="交接码">')[1][:6]
    clock.advance(minutes=11)
    refused = api.step(manifest["id"], "pickup", as_="driver", handover_code=code)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "HANDOVER_CODE_EXPIRED"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ManifestEvent)
                          .where(ManifestEvent.manifest_id == manifest["id"])) == 1  # the issue event only
    session.commit()  # SQLite: never hold the write lock while the app answers
    assert api.get(f"/manifests/{manifest['id']}", as_="driver").json["status"] == "issued"


def test_a_step_dated_more_than_seven_days_before_the_clock_is_refused(timed, clock):
    _app, api, world, batch, _session = timed
    manifest = api.issue(world, batch, "50").json
    picked_at = clock.now.isoformat()
    clock.advance(days=8)
    refused = api.step(manifest["id"], "pickup", as_="driver", occurred_at=picked_at)
    assert refused.status_code == 422 and refused.json["error"]["code"] == "VALIDATION_ERROR"
    assert api.get(f"/manifests/{manifest['id']}", as_="driver").json["status"] == "issued"
