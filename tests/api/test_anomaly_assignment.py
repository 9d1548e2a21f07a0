"""An anomaly is assigned to a named officer through the API too (POST /anomalies/{id}/assignment), within the
jurisdiction; the lists filter by officer and name them."""
from sqlalchemy import select

from tests.factories import JIANGSHAN, KECHENG, assert_refused, make_anomaly
from wastechain.models import Anomaly, User


def _assignee(session, anomaly_id):
    session.expire_all()
    found = session.get(Anomaly, anomaly_id).assignee_id
    session.commit()
    return found


def _id(session, username: str) -> int:
    found = session.scalars(select(User.id).where(User.username == username)).one()
    session.commit()
    return found


def test_a_regulator_assigns_an_anomaly_and_lists_by_officer(api, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer)
    officer = _id(session, "kecheng_regulator")
    answer = api.post(f"/anomalies/{anomaly.id}/assignment", {"assignee_id": officer}, as_="city_regulator")
    assert answer.status_code == 200
    assert answer.json["assignee_id"] == officer and answer.json["assignee_name"] == "kecheng_regulator"
    listed = api.get(f"/anomalies?assignee_id={officer}", as_="city_regulator").json
    assert [a["id"] for a in listed["items"]] == [anomaly.id]
    note = api.patch(f"/anomalies/{anomaly.id}", {"status": "acknowledged", "note": "收到"}, as_="kecheng_regulator")
    assert note.json["history"][0]["author_name"] == "kecheng_regulator"
    taken_back = api.post(f"/anomalies/{anomaly.id}/assignment", {"assignee_id": None}, as_="kecheng_regulator")
    assert taken_back.json["assignee_id"] is None and _assignee(session, anomaly.id) is None


def test_an_anomaly_is_not_assigned_across_counties_or_by_an_enterprise(api, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer)
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer)
    outsider = _id(session, "jiangshan_regulator")
    refused = api.post(f"/anomalies/{anomaly.id}/assignment", {"assignee_id": outsider}, as_="kecheng_regulator")
    assert_refused(refused, 422, "VALIDATION_ERROR")
    refused = api.post(f"/anomalies/{theirs.id}/assignment", {"assignee_id": None}, as_="kecheng_regulator")
    assert_refused(refused, 404, "NOT_FOUND")
    refused = api.post(f"/anomalies/{anomaly.id}/assignment", {"assignee_id": None}, as_="producer")
    assert_refused(refused, 403, "FORBIDDEN")
    assert _assignee(session, anomaly.id) is None and _assignee(session, theirs.id) is None
