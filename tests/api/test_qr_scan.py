"""QR images of a manifest and GET /scan/{token}."""
import io

import pytest
import zxingcpp
from PIL import Image

from tests.factories import assert_refused, make_batch


@pytest.fixture
def manifest(api, world, session):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    return api.issue(world, batch).json


def _token(url: str) -> str:
    return url.rsplit("/s/", 1)[1]


def test_the_png_decodes_to_the_manifests_qr_url(api, manifest):
    response = api.get(f"/manifests/{manifest['id']}/qr.png", as_="driver")
    assert response.status_code == 200 and response.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert [code.text for code in decoded] == [manifest["qr_url"]]


def test_the_svg_is_an_svg_image(api, manifest):
    response = api.get(f"/manifests/{manifest['id']}/qr.svg", as_="producer")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data


def test_the_qr_image_is_for_parties_only(api, manifest):
    assert_refused(api.get(f"/manifests/{manifest['id']}/qr.png", as_="other_producer"), 404, "NOT_FOUND")
    assert_refused(api.get(f"/manifests/{manifest['id']}/qr.png"), 401, "UNAUTHORIZED")


def test_the_qr_url_points_at_the_public_base_url(manifest):
    assert manifest["qr_url"].startswith("http://testserver/s/") and len(_token(manifest["qr_url"])) == 26


def test_anyone_scanning_gets_a_minimal_view_without_parties(api, manifest):
    response = api.get(f"/scan/{_token(manifest['qr_url'])}")
    assert response.status_code == 200
    body = response.json
    assert body["kind"] == "manifest" and body["id"] == manifest["id"] and body["status"] == "issued"
    assert body["detail"] is False and "issuer" not in body and "receiver" not in body


def test_the_named_driver_scanning_gets_the_detail_and_the_next_step(api, manifest):
    body = api.get(f"/scan/{_token(manifest['qr_url'])}", as_="driver").json
    assert body["detail"] is True and body["allowed_steps"] == ["pickup"]
    assert body["receiver"] == manifest["receiver_name"]


def test_the_issuer_scanning_may_cancel(api, manifest):
    assert api.get(f"/scan/{_token(manifest['qr_url'])}", as_="producer").json["allowed_steps"] == ["cancel"]


def test_a_logged_in_outsider_gets_the_minimal_view(api, manifest):
    assert api.get(f"/scan/{_token(manifest['qr_url'])}", as_="other_producer").json["detail"] is False


def test_an_invalid_bearer_on_scan_is_treated_as_anonymous(api, manifest):
    response = api.client.get(f"/api/v1/scan/{_token(manifest['qr_url'])}",
                              headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 200 and response.json["detail"] is False


def test_an_altered_token_is_refused_with_invalid_qr(api, manifest):
    token = _token(manifest["qr_url"])
    altered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    response = api.get(f"/scan/{altered}")
    assert response.status_code == 404 and response.json["error"]["code"] == "INVALID_QR"


def test_a_token_altered_in_its_last_character_is_refused(api, manifest):
    token = _token(manifest["qr_url"])
    for char in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".replace(token[-1], ""):
        assert_refused(api.get(f"/scan/{token[:-1]}{char}"), 404, "INVALID_QR")


@pytest.mark.parametrize("token", ["nonsense", "A" * 26, "%20", "0" * 300])
def test_invented_tokens_are_refused_with_invalid_qr(api, token):
    response = api.get(f"/scan/{token}")
    assert response.status_code == 404 and response.json["error"]["code"] == "INVALID_QR"


def test_a_token_for_a_missing_record_is_refused(api, app):
    from wastechain.domain.qrtoken import make_token

    response = api.get(f"/scan/{make_token(app.extensions['wastechain.settings'].secret_key, 'manifest', 999999)}")
    assert response.status_code == 404 and response.json["error"]["code"] == "INVALID_QR"


def test_a_batch_qr_resolves_to_the_batch(api, world):
    batch = api.post("/batches", {"site_id": world.producer_site.id, "waste_code": "900-041-49", "quantity_kg": 10,
                                  "generated_at": "2026-01-01T08:00:00+08:00"}, as_="producer").json
    public = api.get(f"/scan/{_token(batch['qr_url'])}").json
    assert public["kind"] == "batch" and public["unit_code"] == batch["unit_code"] and public["detail"] is False
    assert "remaining_kg" not in public
    owner = api.get(f"/scan/{_token(batch['qr_url'])}", as_="producer").json
    assert owner["detail"] is True and owner["remaining_kg"] == 10
