"""Batches through the API: the HJ 1276 label fields, the list's search and filters, the storage clock, labels with
an ETag (304 on If-None-Match) and containers unpacked."""
from datetime import timedelta

import io

import pypdf

from tests.factories import NOW, assert_refused, make_batch, row_count
from wastechain.domain.timeutil import CHINA
from wastechain.models import Batch

BODY = {"waste_code": "900-249-08", "quantity_kg": 200, "generated_at": "2026-11-30T09:00:00+08:00",
        "waste_form": "liquid", "main_components": "废机油", "hazardous_components": "多环芳烃",
        "precautions": "远离火源，防止泄漏", "contact_name": "张工", "contact_phone": "0570-1234567"}


def test_a_batch_keeps_its_label_fields_and_prints_them(api, world):
    created = api.post("/batches", {**BODY, "site_id": world.producer_site.id}, as_="producer")
    assert created.status_code == 201, created.json
    batch = created.json
    assert (batch["waste_form"], batch["contact_phone"], batch["category"]) == ("liquid", "0570-1234567", "HW08")
    assert batch["storage"]["state"] == "ok" and batch["storage"]["limit_days"] == 365
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(
        api.get(f"/batches/{batch['id']}/label.pdf", as_="producer").data)).pages)
    for expected in ("危险废物", "废物形态", "液态", "主要成分", "废机油", "有害成分", "多环芳烃", "注意事项",
                     "联系人和联系方式", "张工 0570-1234567", "数字识别码", batch["unit_code"], "毒性", "易燃性"):
        assert expected in text, expected


def test_a_bad_label_field_is_refused_and_nothing_is_registered(api, session, world):
    body = {**BODY, "site_id": world.producer_site.id}
    assert_refused(api.post("/batches", {**body, "waste_form": "powder"}, as_="producer"), 422, "VALIDATION_ERROR")
    assert_refused(api.post("/batches", {**body, "contact_phone": "call me"}, as_="producer"), 422, "VALIDATION_ERROR")
    assert_refused(api.post("/batches", {**body, "precautions": "x" * 201}, as_="producer"), 422, "VALIDATION_ERROR")
    assert row_count(session, Batch) == 0


def test_medical_waste_gets_its_own_label(api, world):
    batch = api.post("/batches", {**BODY, "waste_code": "841-001-01", "site_id": world.producer_site.id},
                     as_="producer").json
    assert batch["storage"]["limit_hours"] == 48
    text = pypdf.PdfReader(io.BytesIO(api.get(f"/batches/{batch['id']}/label.pdf", as_="producer").data)).pages[0]
    text = text.extract_text()
    assert "医疗废物" in text and "警告！感染性废物" in text and "感染性" in text and "危险废物" not in text


def test_the_list_is_searched_and_filtered(api, session, world):
    old = make_batch(session, world.producer, world.producer_site, code="900-249-08",
                     generated_at=NOW - timedelta(days=100))
    make_batch(session, world.producer, world.producer_site, code="900-041-49")
    session.commit()
    assert api.get("/batches?q=废矿物油", as_="producer").json["total"] == 1
    assert api.get("/batches?waste_code=900-041-49", as_="producer").json["total"] == 1
    day = (NOW - timedelta(days=100)).astimezone(CHINA).date()
    found = api.get(f"/batches?from={day - timedelta(days=1)}&to={day}", as_="producer").json
    assert [b["id"] for b in found["items"]] == [old.id]
    assert_refused(api.get("/batches?from=yesterday", as_="producer"), 422, "VALIDATION_ERROR")


def test_a_label_answers_304_to_its_etag_and_a_new_etag_when_it_changes(api, session, world):
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    first = api.get(f"/batches/{batch.id}/label.png", as_="producer")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and first.mimetype == "image/png"
    again = _if_none_match(api, f"/batches/{batch.id}/label.png", etag, "producer")
    assert again.status_code == 304 and again.data == b""
    assert api.get(f"/batches/{batch.id}/label.pdf", as_="producer").headers["ETag"] != etag
    sheet = api.get(f"/batches/labels.pdf?ids={batch.id}", as_="producer")
    assert _if_none_match(api, f"/batches/labels.pdf?ids={batch.id}", sheet.headers["ETag"], "producer").status_code == 304
    # someone else's If-None-Match gets no label and no 304: visibility comes first
    assert_refused(_if_none_match(api, f"/batches/{batch.id}/label.png", etag, "other_producer"), 404, "NOT_FOUND")


def _if_none_match(api, path: str, etag: str, username: str):
    return api.client.get("/api/v1" + path, headers={"Authorization": f"Bearer {api.token(username)}",
                                                      "If-None-Match": etag})


def test_containers_unpack_through_the_api(api, session, world):
    batch = make_batch(session, world.producer, world.producer_site, kg="100")
    session.commit()
    small = api.post("/containers", {"site_id": world.producer_site.id, "kind": "small_box"}, as_="producer").json
    big = api.post("/containers", {"site_id": world.producer_site.id, "kind": "big_box"}, as_="producer").json
    api.post(f"/containers/{small['id']}/contents", {"batch_id": batch.id, "quantity_kg": 30}, as_="producer")
    nested = api.post(f"/containers/{big['id']}/contents", {"child_container_id": small["id"]}, as_="producer").json
    assert nested["total_kg"] == 30
    assert_refused(api.post(f"/containers/{big['id']}/contents/remove", {"batch_id": batch.id}, as_="producer"),
                   422, "VALIDATION_ERROR")
    unpacked = api.post(f"/containers/{big['id']}/contents/remove", {"child_container_id": small["id"]},
                        as_="producer").json
    assert unpacked["total_kg"] == 0 and unpacked["children"] == []
    listed = api.get("/containers", as_="producer").json
    assert listed["total"] == 2
    label = api.get(f"/containers/{small['id']}/label.pdf", as_="producer")
    text = pypdf.PdfReader(io.BytesIO(label.data)).pages[0].extract_text()
    assert "废物容器" in text and small["code"] in text and "30 kg" in text
    assert_refused(api.get(f"/containers/{small['id']}/label.pdf", as_="other_producer"), 404, "NOT_FOUND")
