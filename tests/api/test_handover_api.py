from decimal import Decimal

from sqlalchemy import select

from tests.factories import assert_refused, make_batch, manifest_state
from wastechain.db import utcnow
from wastechain.models import User
from wastechain.services.manifests import handover


def _issued(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    return api.issue(world, batch, "50").json


def _code(app, session, manifest_id):
    producer = session.scalar(select(User).where(User.username == "producer"))
    return handover.issue_code(session, actor=producer, manifest_id=manifest_id, secret=app.extensions["wastechain.settings"].secret_key,
                               now=utcnow()).code


def test_an_api_pickup_with_the_producers_code_is_handover_confirmed(api, world, session, app):
    manifest = _issued(api, world, session)
    code = _code(app, session, manifest["id"])
    response = api.step(manifest["id"], "pickup", as_="driver", handover_code=code, quantity_kg=Decimal("50"))
    assert response.status_code == 201 and response.json["data"]["handover_confirmed"] is True


def test_an_api_pickup_with_a_wrong_code_records_nothing(api, world, session, app):
    manifest = _issued(api, world, session)
    code = _code(app, session, manifest["id"])
    wrong = "000000" if code != "000000" else "111111"
    response = api.step(manifest["id"], "pickup", as_="driver", handover_code=wrong)
    assert_refused(response, 422, "HANDOVER_CODE_INVALID")
    assert manifest_state(api, manifest["id"]) == ("issued", 1)


def test_an_api_pickup_without_a_code_is_refused(api, world, session):
    manifest = _issued(api, world, session)
    response = api.step(manifest["id"], "pickup", as_="driver", handover_code=None)
    assert_refused(response, 422, "HANDOVER_CODE_REQUIRED")
    assert manifest_state(api, manifest["id"]) == ("issued", 1)
