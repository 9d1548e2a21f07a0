"""Paper manifests entered afterwards (补录) through the API: a step up to 10 working days late with the scan of
the paper form, marked in the chain; the regulator confirms it; refusals record nothing."""
import hashlib
import io
from datetime import timedelta

import pytest

from tests.factories import NOW
from wastechain.domain.timeutil import CHINA

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.4\n" + b"0" * 100


@pytest.fixture(autouse=True)
def scans(app, tmp_path):
    app.config["PAPER_SCAN_DIR"] = str(tmp_path / "scans")
    return tmp_path / "scans"


@pytest.fixture
def issued(api, world, batch):
    return api.issue(world, batch, "100").json["id"]


def _enter(api, manifest_id, *, as_="driver", scan=PNG, days_ago=9, **fields):
    data = {"type": "pickup", "occurred_at": (NOW - timedelta(days=days_ago)).astimezone(CHINA).isoformat(),
            "idempotency_key": f"paper-{manifest_id}-{days_ago}-{len(fields)}", "quantity_kg": "100", **fields}
    if scan is not None:
        data["scan"] = (io.BytesIO(scan), "form.png")
    response = api.client.post(f"/api/v1/manifests/{manifest_id}/paper-entries", data=data,
                               headers={"Authorization": f"Bearer {api.token(as_)}"},
                               content_type="multipart/form-data")
    assert response.status_code < 500, response.get_data(as_text=True)
    return response


def _events(api, manifest_id):
    return api.get(f"/manifests/{manifest_id}", as_="producer").json["events"]


def test_a_step_too_old_for_the_chain_points_to_the_paper_entry_page(api, issued):
    late = api.step(issued, "pickup", as_="driver", occurred_at=(NOW - timedelta(days=9)).isoformat())
    assert late.status_code == 422
    assert "/paper/new" in late.json["error"]["message"] and late.json["error"]["details"]["paper_entry"] == "/paper/new"


def test_a_paper_pickup_nine_days_late_is_recorded_marked_and_its_scan_stored(api, issued, scans):
    entered = _enter(api, issued)
    assert entered.status_code == 201, entered.json
    digest = hashlib.sha256(PNG).hexdigest()
    assert entered.json["scan_sha256"] == digest and entered.json["confirmed_at"] is None
    assert entered.json["event"]["data"]["paper_scan"] == digest
    assert (scans / digest[:2] / f"{digest}.png").read_bytes() == PNG
    pickup = [e for e in _events(api, issued) if e["type"] == "pickup"][0]
    assert pickup["data"]["paper_scan"] == digest
    assert api.get(f"/manifests/{issued}/verify", as_="producer").json["ok"] is True
    scan = api.get(f"/paper-entries/{entered.json['id']}/scan", as_="kecheng_regulator")
    assert scan.status_code == 200 and scan.data == PNG and scan.mimetype == "image/png"


@pytest.mark.parametrize("case, change, code", [
    ("no scan", {"scan": None}, "VALIDATION_ERROR"),
    ("not an image", {"scan": b"MZ\x90\x00 an executable"}, "VALIDATION_ERROR"),
    ("too late", {"days_ago": 20}, "VALIDATION_ERROR"),
    ("not the driver", {"as_": "receiver"}, "FORBIDDEN"),
    ("not a paper step", {"type": "cancel"}, "VALIDATION_ERROR"),
])
def test_refused_paper_entries_record_nothing(api, issued, case, change, code):
    answer = _enter(api, issued, **change)
    assert answer.status_code in (403, 422), case
    assert answer.json["error"]["code"] == code, case
    assert [e["type"] for e in _events(api, issued)] == ["issue"]
    assert api.get("/paper-entries", as_="kecheng_regulator").json["items"] == []


def test_the_regulator_of_the_jurisdiction_confirms_once(api, issued):
    entry = _enter(api, issued).json
    assert api.get("/paper-entries?unconfirmed=true", as_="kecheng_regulator").json["items"][0]["id"] == entry["id"]
    assert api.get("/paper-entries", as_="jiangshan_regulator").json["items"] == []
    denied = api.post(f"/paper-entries/{entry['id']}/confirm", as_="producer")
    assert denied.status_code == 403
    elsewhere = api.post(f"/paper-entries/{entry['id']}/confirm", as_="jiangshan_regulator")
    assert elsewhere.status_code == 404
    confirmed = api.post(f"/paper-entries/{entry['id']}/confirm", as_="kecheng_regulator")
    assert confirmed.status_code == 200 and confirmed.json["confirmed_at"]
    again = api.post(f"/paper-entries/{entry['id']}/confirm", as_="city_regulator")
    assert again.status_code == 409 and again.json["error"]["code"] == "ALREADY_CONFIRMED"
    assert api.get("/paper-entries?unconfirmed=true", as_="kecheng_regulator").json["items"] == []


def test_a_pdf_scan_is_accepted_too(api, issued):
    entered = _enter(api, issued, scan=PDF)
    assert entered.status_code == 201 and entered.json["scan_type"] == "application/pdf"
