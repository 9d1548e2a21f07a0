"""POST /manifests/check: the dry run answers every rule's verdict, agrees with the real issue, writes nothing."""
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

from pypdf import PdfReader

from tests.factories import NOW, assert_refused, batch_state, make_approval, make_batch, row_count
from wastechain.models import Manifest, ManifestEvent


def _body(world, batch, kg="100", site=None, **extra):
    return {"lines": [{"batch_id": batch.id, "quantity_kg": str(kg)}],
            "receiver_site_id": (site or world.receiver_site).id, "transporter_id": world.transporter.id,
            "planned_pickup_at": (NOW + timedelta(hours=2)).isoformat(), **extra}


def _check(api, body, **headers):
    response = api.client.post("/api/v1/manifests/check", json=body,
                               headers={"Authorization": f"Bearer {api.token('producer')}", **headers})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_a_dry_run_that_passes_lists_every_rule_and_issues_nothing(api, world, batch, session):
    result = _check(api, _body(world, batch))
    assert result["ok"] is True
    assert [v["rule"] for v in result["verdicts"]] == ["quantity", "jurisdiction", "receiver_permit",
                                                       "transport_permit"]
    assert all(v["ok"] for v in result["verdicts"])
    assert "同在衢州市" in result["verdicts"][1]["message"]
    assert row_count(session, Manifest) == 0 and batch_state(api, batch.id)[0] == Decimal("1000")
    # and the real issue agrees
    assert api.post("/manifests", _body(world, batch), as_="producer").status_code == 201


def test_hazardous_waste_to_another_city_fails_the_dry_run_as_the_issue_refuses_it(api, world, batch, session):
    body = _body(world, batch, site=world.far_site)
    result = _check(api, body)
    failing = [v for v in result["verdicts"] if not v["ok"]]
    assert result["ok"] is False and [v["code"] for v in failing] == ["JURISDICTION_VIOLATION"]
    assert "衢州市柯城区" in failing[0]["message"] and "杭州市上城区" in failing[0]["message"]
    assert "330802" not in failing[0]["message"]
    error = assert_refused(api.post("/manifests", body, as_="producer"), 422, "JURISDICTION_VIOLATION")
    assert error["message"] == failing[0]["message"]
    assert row_count(session, Manifest) == 0 and row_count(session, ManifestEvent) == 0


def test_the_dry_run_speaks_english_to_an_english_client(api, world, batch):
    result = _check(api, _body(world, batch, site=world.far_site), **{"Accept-Language": "en"})
    failing = next(v for v in result["verdicts"] if not v["ok"])
    assert "cannot" in failing["message"] and "杭州市上城区" in failing["message"]
    assert "危险废物不出市" not in failing["message"]


def test_every_failing_rule_is_reported_not_only_the_first(api, world, batch):
    result = _check(api, _body(world, batch, kg="5000", site=world.far_site))
    assert {v["code"] for v in result["verdicts"] if not v["ok"]} == {"INSUFFICIENT_QUANTITY",
                                                                      "JURISDICTION_VIOLATION"}


def test_an_approval_makes_the_crossing_pass_in_the_dry_run_and_the_issue(api, world, batch, session):
    approval = make_approval(session, producer=world.producer, destination=world.far_site)
    session.commit()
    body = _body(world, batch, site=world.far_site, approval_id=approval.id)
    result = _check(api, body)
    assert result["ok"] is True and "审批" in result["verdicts"][1]["message"]
    assert api.post("/manifests", body, as_="producer").status_code == 201


def test_input_that_cannot_be_a_manifest_is_refused_alike(api, world, batch, session):
    other = make_batch(session, world.other_producer, world.other_site)
    session.commit()
    response = api.client.post("/api/v1/manifests/check", json=_body(world, other),
                               headers={"Authorization": f"Bearer {api.token('producer')}"})
    assert_refused(response, 422, "OWNERSHIP_VIOLATION")


def test_a_driver_cannot_dry_run_an_issue(api, world, batch):
    response = api.client.post("/api/v1/manifests/check", json=_body(world, batch),
                               headers={"Authorization": f"Bearer {api.token('driver')}"})
    assert response.status_code == 403


def test_the_manifest_list_searches_by_waste_code_and_party(api, world, batch, session):
    general = make_batch(session, world.producer, world.producer_site, code="SW01")
    session.commit()
    api.issue(world, batch)
    api.issue(world, general, receiver_site=world.county_site)
    by_code = api.get("/manifests?waste_code=SW01", as_="producer").json
    assert by_code["total"] == 1 and by_code["items"][0]["lines"][0]["waste_code"] == "SW01"
    by_party = api.get("/manifests?party=危废处置", as_="producer").json
    assert by_party["total"] == 1 and by_party["items"][0]["receiver_name"] == "衢州危废处置中心"


def test_the_manifest_pdf_carries_parties_lines_and_events(api, world, batch):
    manifest = api.issue(world, batch, "120.5").json
    response = api.get(f"/manifests/{manifest['id']}/pdf", as_="producer")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.data)).pages)
    for expected in (manifest["number"], "衢州示范化工有限公司", world.producer.credit_code, "衢州危废处置中心",
                     "900-041-49", "120.5 kg", "开具联单", "待签"):
        assert expected in text, expected
    assert api.get(f"/manifests/{manifest['id']}/pdf", as_="other_producer").status_code == 404


def test_the_openapi_describes_the_dry_run_and_the_pdf(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "post" in paths["/api/v1/manifests/check"] and "get" in paths["/api/v1/manifests/{manifest_id}/pdf"]
