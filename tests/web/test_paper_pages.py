"""The 补录 pages: the driver enters a paper pickup with its scan (a refused form keeps what was typed), the manifest
page marks the step, the regulator of the jurisdiction confirms it on the list, the export marks it too."""
import html
import io
import re
from datetime import timedelta

import pytest

from tests.factories import NOW
from tests.web.helpers import issue, login
from wastechain.domain.timeutil import CHINA

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@pytest.fixture(autouse=True)
def scans(app, tmp_path):
    app.config["PAPER_SCAN_DIR"] = str(tmp_path / "scans")


def _text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def _when(days_ago: int) -> str:
    return (NOW - timedelta(days=days_ago)).astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")


def _enter(client, number, *, scan=PNG, **fields):
    data = {"number": number, "type": "pickup", "occurred_at": _when(9), "quantity_kg": "100", **fields}
    if scan is not None:
        data["scan"] = (io.BytesIO(scan), "form.png")
    return client.post("/paper/new", data=data, content_type="multipart/form-data")


@pytest.fixture
def manifest(api, session, world):
    return issue(api, session, world, "100")


def test_the_too_old_step_s_refusal_names_the_paper_entry_page(client, api, manifest):
    late = api.step(manifest["id"], "pickup", as_="driver", occurred_at=(NOW - timedelta(days=9)).isoformat())
    assert "/paper/new" in late.json["error"]["message"]
    login(client, "driver")
    assert client.get("/paper/new").status_code == 200


def test_the_driver_enters_a_paper_pickup_and_the_regulator_confirms_it(client, api, manifest):
    login(client, "driver")
    assert _enter(client, manifest["number"]).status_code == 302
    client.post("/logout")
    login(client, "producer")
    page = _text(client.get(f"/producer/manifests/{manifest['id']}"))
    assert "纸质联单补录" in page.split("联单记录")[-1]
    client.post("/logout")
    login(client, "jiangshan_regulator")
    assert "no-paper-entries" in _text(client.get("/paper/"))
    client.post("/logout")
    login(client, "kecheng_regulator")
    listed = _text(client.get("/paper/?unconfirmed=1"))
    assert manifest["number"] in listed and "核对无误，确认补录" in listed
    entry_id = int(re.search(r'data-entry="(\d+)"', listed).group(1))
    assert client.get(f"/paper/{entry_id}/scan").data == PNG
    assert client.post(f"/paper/{entry_id}/confirm").status_code == 302
    assert "no-paper-entries" in _text(client.get("/paper/?unconfirmed=1"))
    assert "已确认" in _text(client.get("/paper/"))
    export = client.get("/paper/export.csv").data.decode("utf-8-sig")
    assert manifest["number"] in export and "纸质联单补录" in export.splitlines()[0] and "提货" in export


def test_a_refused_entry_keeps_what_was_typed_and_records_nothing(client, api, manifest):
    login(client, "driver")
    refused = _enter(client, manifest["number"], occurred_at=_when(25), reason="系统停机")
    assert refused.status_code == 422
    page = _text(refused)
    assert 'id="paper-error"' in page and "10 个工作日" in page
    assert f'value="{manifest["number"]}"' in page and f'value="{_when(25)}"' in page and "系统停机" in page
    no_scan = _enter(client, manifest["number"], scan=None)
    assert no_scan.status_code == 422 and "照片或扫描件" in _text(no_scan)
    assert [e["type"] for e in api.get(f"/manifests/{manifest['id']}", as_="producer").json["events"]] == ["issue"]


def test_a_stranger_cannot_enter_a_step_of_someone_else_s_manifest(client, api, manifest):
    login(client, "other_producer")
    response = _enter(client, manifest["number"])
    assert response.status_code == 404
    assert [e["type"] for e in api.get(f"/manifests/{manifest['id']}", as_="producer").json["events"]] == ["issue"]
