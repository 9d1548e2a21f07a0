"""Only the jurisdiction where an anomaly happened acknowledges or resolves it; the destination's regulator may
read it and comment."""
from tests.factories import JIANGSHAN, KECHENG, assert_refused, make_anomaly
from wastechain.models import Anomaly, AnomalyNote


def _reread(session, anomaly_id):
    session.expire_all()
    anomaly = session.get(Anomaly, anomaly_id)
    notes = session.query(AnomalyNote).filter_by(anomaly_id=anomaly_id).count()
    session.commit()
    return anomaly.status, notes


def test_the_destination_countys_regulator_cannot_resolve_the_origin_countys_anomaly(api, session, world):
    anomaly = make_anomaly(session, region=JIANGSHAN, related=KECHENG)
    assert api.get(f"/anomalies/{anomaly.id}", as_="kecheng_regulator").status_code == 200
    refused = api.patch(f"/anomalies/{anomaly.id}", {"status": "resolved", "note": "已核实"}, as_="kecheng_regulator")
    assert assert_refused(refused, 403, "FORBIDDEN")["details"]["region_code"] == JIANGSHAN
    assert _reread(session, anomaly.id) == ("open", 0)


def test_the_destination_countys_regulator_may_still_comment(api, session, world):
    anomaly = make_anomaly(session, region=JIANGSHAN, related=KECHENG)
    note = api.post(f"/anomalies/{anomaly.id}/notes", {"note": "车辆已到达柯城"}, as_="kecheng_regulator")
    assert note.status_code == 201 and note.json["kind"] == "comment"
    assert _reread(session, anomaly.id) == ("open", 1)


def test_the_origin_countys_regulator_and_the_city_resolve_it(api, session, world):
    first = make_anomaly(session, region=JIANGSHAN, related=KECHENG)
    second = make_anomaly(session, region=JIANGSHAN, related=KECHENG)
    by_county = api.patch(f"/anomalies/{first.id}", {"status": "resolved", "note": "已处罚"}, as_="jiangshan_regulator")
    by_city = api.patch(f"/anomalies/{second.id}", {"status": "acknowledged", "note": ""}, as_="city_regulator")
    assert by_county.json["status"] == "resolved" and by_city.json["status"] == "acknowledged"


def test_the_page_offers_no_status_change_to_the_destination_countys_regulator(client, session, world):
    from tests.web.helpers import login

    anomaly = make_anomaly(session, region=JIANGSHAN, related=KECHENG)
    login(client, "kecheng_regulator")
    page = client.get(f"/regulator/anomalies/{anomaly.id}").get_data(as_text=True)
    assert 'id="status-form"' not in page
