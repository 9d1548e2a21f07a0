"""The anomalies API (issue 5): who sees what, the lifecycle and its history, run-time findings, payments."""
from datetime import timedelta
from decimal import Decimal

from tests.factories import JIANGSHAN, KECHENG, NOW, assert_refused, make_anomaly, make_batch, row_count, run_checks
from wastechain.models import AnomalyNote, DaySeal, Declaration, Payment


def test_a_regulator_runs_the_reconciliation_and_gets_its_summary(api):
    day = (NOW - timedelta(days=1)).date().isoformat()
    response = api.post("/reconciliations", {"date": day}, as_="city_regulator")
    assert response.status_code == 201, response.json
    assert response.json["date"] == day and response.json["anomalies_found"] == 0
    again = api.post("/reconciliations", {"date": day}, as_="city_regulator")
    assert again.status_code == 201 and again.json["rerun"] and again.json["new_anomalies"] == 0


def test_an_enterprise_cannot_run_the_reconciliation(api, session):
    assert_refused(api.post("/reconciliations", {"date": "2026-01-01"}, as_="producer"), 403, "FORBIDDEN")
    assert row_count(session, DaySeal) == 0  # no run recorded for that day


def test_a_malformed_date_is_a_validation_error(api, session):
    response = api.post("/reconciliations", {"date": "2026-02-30"}, as_="city_regulator")
    assert "date" in assert_refused(response, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, DaySeal) == 0


def test_regulators_see_their_jurisdiction_and_enterprises_their_own(api, session, world):
    kecheng = make_anomaly(session, region=KECHENG, org=world.producer)
    jiangshan = make_anomaly(session, region=JIANGSHAN, org=world.other_producer)

    def ids(user, **query):
        response = api.get("/anomalies", as_=user, query_string=query)
        assert response.status_code == 200, response.json
        return {item["id"] for item in response.json["items"]}

    assert ids("kecheng_regulator") == {kecheng.id}
    assert ids("jiangshan_regulator") == {jiangshan.id}
    assert ids("city_regulator") == {kecheng.id, jiangshan.id}
    assert ids("city_regulator", region=JIANGSHAN) == {jiangshan.id}
    assert ids("hangzhou_regulator") == set()
    assert ids("producer") == {kecheng.id}
    assert ids("city_regulator", code="WEIGHT_MISMATCH") == set()
    assert ids("city_regulator", date=kecheng.day.isoformat(), status="open") == {kecheng.id, jiangshan.id}


def test_an_anomaly_out_of_sight_is_not_found(api, session, world):
    jiangshan = make_anomaly(session, region=JIANGSHAN, org=world.other_producer)
    assert_refused(api.get(f"/anomalies/{jiangshan.id}", as_="kecheng_regulator"), 404, "NOT_FOUND")
    assert_refused(api.get(f"/anomalies/{jiangshan.id}", as_="producer"), 404, "NOT_FOUND")
    response = api.patch(f"/anomalies/{jiangshan.id}", {"status": "acknowledged", "note": "越权"},
                         as_="kecheng_regulator")
    assert_refused(response, 404, "NOT_FOUND")
    unchanged = api.get(f"/anomalies/{jiangshan.id}", as_="jiangshan_regulator").json
    assert unchanged["status"] == "open" and unchanged["history"] == []


def test_a_regulator_acknowledges_then_resolves_and_the_history_is_kept(api, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer)
    path = f"/anomalies/{anomaly.id}"
    response = api.patch(path, {"status": "acknowledged", "note": "已电话联系运输单位"}, as_="kecheng_regulator")
    assert response.status_code == 200 and response.json["status"] == "acknowledged"
    no_note = api.patch(path, {"status": "resolved"}, as_="kecheng_regulator")
    assert "note" in assert_refused(no_note, 422, "VALIDATION_ERROR")["details"]  # a note is required
    assert api.get(path, as_="kecheng_regulator").json["status"] == "acknowledged"
    response = api.patch(path, {"status": "resolved", "note": "车辆故障，已送达"}, as_="kecheng_regulator")
    assert response.status_code == 200 and response.json["status"] == "resolved"
    response = api.patch(path, {"status": "acknowledged", "note": "x"}, as_="kecheng_regulator")
    assert assert_refused(response, 409, "INVALID_TRANSITION")["details"]["status"] == "resolved"
    history = api.get(path, as_="kecheng_regulator").json["history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [("open", "acknowledged"), ("acknowledged", "resolved")]


def test_the_enterprise_concerned_explains_but_cannot_close(api, session, world):
    anomaly = make_anomaly(session, region=KECHENG, org=world.producer)
    path = f"/anomalies/{anomaly.id}"
    assert_refused(api.patch(path, {"status": "resolved", "note": "没问题"}, as_="producer"), 403, "FORBIDDEN")
    response = api.post(f"{path}/notes", {"note": "车辆在高速上抛锚，已于次日送达"}, as_="producer")
    assert response.status_code == 201 and response.json["kind"] == "explanation"
    assert_refused(api.post(f"{path}/notes", {"note": "x"}, as_="other_producer"), 404, "NOT_FOUND")
    detail = api.get(path, as_="kecheng_regulator").json
    assert detail["status"] == "open" and detail["history"][0]["note"].startswith("车辆")
    assert len(detail["history"]) == 1 and row_count(session, AnomalyNote) == 1


def test_a_pickup_scanned_far_from_its_site_is_reported_by_the_run_checks_worker(app, api, session, world):
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    manifest = api.issue(world, batch, "100").json
    far = {"lat": world.producer_site.lat + 0.05, "lon": world.producer_site.lon}  # ~5.5 km north
    assert api.step(manifest["id"], "pickup", as_="driver", **far).status_code == 201
    assert run_checks(app) == 1  # the step's outbox row, checked off the request path
    items = api.get("/anomalies", as_="kecheng_regulator", query_string={"code": "LOCATION_MISMATCH"}).json["items"]
    assert len(items) == 1 and items[0]["manifest_id"] == manifest["id"] and items[0]["source"] == "runtime"
    assert 5000 < items[0]["evidence"]["distance_m"] < 6000


def test_the_issuer_records_a_payment_and_a_declaration(api, session, world):
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    manifest = api.issue(world, batch, "100").json
    body = {"manifest_id": manifest["id"], "payee_id": world.receiver.id, "amount": Decimal("300.50"),
            "paid_at": NOW.isoformat()}
    response = api.post("/payments", body, as_="producer")
    assert response.status_code == 201 and response.json["amount"] == Decimal("300.50")
    assert_refused(api.post("/payments", body, as_="transporter"), 403, "FORBIDDEN")
    too_exact = api.post("/payments", {**body, "amount": Decimal("1.001")}, as_="producer")
    assert "amount" in assert_refused(too_exact, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Payment) == 1
    declaration = {"period_kind": "monthly", "period": "2026-02", "generated_kg": Decimal("1200")}
    declared = api.post("/declarations", declaration, as_="producer")
    assert declared.status_code == 201 and declared.json["period"] == "2026-02"
    assert_refused(api.post("/declarations", declaration, as_="producer"), 409, "DUPLICATE_DECLARATION")
    bad_month = api.post("/declarations", {**declaration, "period": "2026-13"}, as_="producer")
    assert "period" in assert_refused(bad_month, 422, "VALIDATION_ERROR")["details"]
    assert row_count(session, Declaration) == 1
