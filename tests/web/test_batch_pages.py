"""The enterprise's batch pages: registering with the code picker, the list's search, filters and paging, time in
storage against the limit, container nesting and unpacking, label ETags and the all-or-nothing XLSX import."""
import html
import io
import re
from datetime import timedelta

from openpyxl import Workbook, load_workbook

from tests.factories import NOW, make_batch, make_site, row_count
from tests.web.helpers import login
from wastechain.domain.timeutil import CHINA
from wastechain.models import Batch, Container

FORM = {"waste_code": "900-041-49", "quantity_kg": "12.5", "generated_at": "2026-11-30T09:30",
        "waste_form": "solid", "main_components": "废包装桶", "hazardous_components": "矿物油",
        "precautions": "远离火源", "contact_name": "张工", "contact_phone": "0570-1234567"}


def _ids(session, world) -> tuple[int, str, int]:
    """The producer's site (id, name) and another company's site id, read before any request: the test's session
    must not hold SQLite's write lock while the app writes."""
    found = world.producer_site.id, world.producer_site.name, world.other_site.id
    session.commit()
    return found


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_code_picker_finds_codes_by_code_name_or_category(client, world):
    login(client, "producer")
    by_code = client.get("/batches/waste-codes.json?q=900-041").json
    assert by_code["items"][0]["code"].startswith("900-041")
    by_name = client.get("/batches/waste-codes.json?q=废矿物油").json
    assert by_name["total"] > 5 and all(i["category"] == "HW08" for i in by_name["items"])
    by_category = client.get("/batches/waste-codes.json?q=HW01").json
    first = by_category["items"][0]
    assert first["category"] == "HW01" and first["stream_name"] == "医疗废物" and first["hazards"]
    assert client.get("/batches/waste-codes.json?q=没有这种废物").json == {"items": [], "total": 0, "page": 1,
                                                                        "pages": 1}


def test_a_producer_registers_a_batch_with_its_label_fields(client, session, world):
    site_id, site_name, _ = _ids(session, world)
    login(client, "producer")
    form = client.get("/batches/new")
    assert form.status_code == 200 and site_name in _text(form)
    response = client.post("/batches/new", data={**FORM, "site_id": site_id})
    assert response.status_code == 302
    page = _text(client.get(response.headers["Location"]))
    batch = session.query(Batch).one()
    assert (batch.waste_form, batch.main_components, batch.contact_phone) == ("solid", "废包装桶", "0570-1234567")
    assert batch.generated_at.isoformat().startswith("2026-11-30T01:30")  # typed in China time
    assert batch.unit_code in page and "固态" in page and "远离火源" in page


def test_a_refused_form_keeps_what_was_typed_names_fields_in_chinese_and_registers_nothing(client, session, world):
    site_id, _, _ = _ids(session, world)
    login(client, "producer")
    response = client.post("/batches/new", data={**FORM, "site_id": site_id, "quantity_kg": "-3",
                                                 "contact_phone": "call me"})
    page = _text(response)
    assert response.status_code == 422
    assert "必须大于 0" in page and "应为 5–30 位数字" in page and "quantity_kg 必须" not in page
    assert 'value="远离火源"' in page or ">远离火源<" in page
    assert 'value="废包装桶"' in page and 'value="900-041-49"' in page
    assert row_count(session, Batch) == 0


def test_a_site_of_another_company_is_refused(client, session, world):
    _, _, other_site = _ids(session, world)
    login(client, "producer")
    response = client.post("/batches/new", data={**FORM, "site_id": other_site})
    assert response.status_code == 422 and "不属于本单位" in _text(response)
    assert row_count(session, Batch) == 0


def test_the_form_reads_in_english_on_an_english_page(client, session, world):
    site_id, _, _ = _ids(session, world)
    login(client, "producer")
    client.post("/language", data={"lang": "en", "next": "/batches/new"})
    response = client.post("/batches/new", data={**FORM, "site_id": site_id, "quantity_kg": "abc"})
    page = _text(response)
    assert response.status_code == 422 and "Register a waste batch" in page and "废物代码" not in page


def test_the_list_searches_filters_and_pages_with_a_total(client, session, world):
    second_site = make_site(session, world.producer, kind="storage", name="二号仓库")
    for n in range(55):
        make_batch(session, world.producer, world.producer_site, code="900-041-49", kg="10",
                   generated_at=NOW - timedelta(days=2, minutes=n))
    oil = make_batch(session, world.producer, second_site, code="900-249-08", kg="5", generated_at=NOW - timedelta(days=40))
    make_batch(session, world.other_producer, world.other_site, code="900-249-08")
    second_site, oil = second_site.id, oil.unit_code
    session.commit()
    login(client, "producer")
    first = _text(client.get("/batches"))
    assert "共 56 条" in first and "第 1 / 2 页" in first and first.count('name="ids"') == 50
    second = _text(client.get("/batches?page=2"))
    assert second.count('name="ids"') == 6
    by_name = _text(client.get("/batches?q=废矿物油"))
    assert "共 1 条" in by_name and oil in by_name
    assert "共 1 条" in _text(client.get(f"/batches?site_id={second_site}"))
    assert "共 1 条" in _text(client.get("/batches?waste_code=900-249-08"))
    day = (NOW - timedelta(days=40)).astimezone(CHINA).date().isoformat()
    assert "共 1 条" in _text(client.get(f"/batches?from={day}&to={day}"))
    assert "共 0 条" in _text(client.get("/batches?status=shipped"))


def test_time_in_storage_turns_amber_before_the_limit_and_red_after_it(client, session, world):
    fresh = make_batch(session, world.producer, world.producer_site, generated_at=NOW - timedelta(days=10))
    due = make_batch(session, world.producer, world.producer_site, generated_at=NOW - timedelta(days=300))
    late = make_batch(session, world.producer, world.producer_site, generated_at=NOW - timedelta(days=400))
    fresh, due, late = fresh.unit_code, due.unit_code, late.unit_code
    session.commit()
    login(client, "producer")
    page = _text(client.get("/batches"))
    states = {code: state for state, code in re.findall(
        r'batch-row storage-(\w+)">.*?<span class="mono small">(\w+)</span>', page, re.S)}
    assert states[fresh] == "ok" and states[due] == "due_soon" and states[late] == "overdue"
    assert "已贮存 300 天 / 限 365 天" in page and "即将到期" in page and "已超期" in page


def test_medical_waste_is_counted_in_hours_against_48(client, session, world):
    make_batch(session, world.producer, world.producer_site, code="841-001-01",
               generated_at=NOW - timedelta(hours=40))
    session.commit()
    login(client, "producer")
    page = _text(client.get("/batches"))
    assert "已贮存 40 小时 / 限 48 小时" in page and "即将到期" in page


def test_a_batch_page_links_its_label_and_the_label_answers_304_to_its_etag(client, session, world):
    batch = make_batch(session, world.producer, world.producer_site).id
    session.commit()
    login(client, "producer")
    page = _text(client.get(f"/batches/{batch}"))
    assert f"/batches/{batch}/label.pdf" in page
    label = client.get(f"/batches/{batch}/label.pdf")
    assert label.status_code == 200 and label.headers["ETag"]
    again = client.get(f"/batches/{batch}/label.pdf", headers={"If-None-Match": label.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_containers_nest_and_unpack_from_the_page(client, session, world):
    batch = make_batch(session, world.producer, world.producer_site, kg="100")
    batch_id, site_id = batch.id, world.producer_site.id
    session.commit()
    login(client, "producer")
    for kind in ("small_box", "big_box"):
        client.post("/containers", data={"site_id": site_id, "kind": kind})
    small, big = session.query(Container).order_by(Container.id).all()
    small, big = small.id, big.id
    big_code = session.get(Container, big).code
    session.commit()
    client.post(f"/containers/{small}/put", data={"batch_id": batch_id, "quantity_kg": "40"})
    client.post(f"/containers/{big}/put", data={"child_container_id": small})
    page = _text(client.get("/containers"))
    assert f"装在 {big_code} 中" in page and "总重 40 kg" in page
    too_much = client.post(f"/containers/{small}/put", data={"batch_id": batch_id, "quantity_kg": "70"},
                           follow_redirects=True)
    assert "不能再装" in _text(too_much)
    assert _held(session, small) == (40, big)
    label = client.get(f"/containers/{big}/label.pdf")
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    assert client.get(f"/containers/{big}/label.pdf", headers={"If-None-Match": label.headers["ETag"]}).status_code == 304
    client.post(f"/containers/{big}/take-out", data={"child_container_id": small})
    assert _held(session, small) == (40, None)
    client.post(f"/containers/{small}/take-out", data={"batch_id": batch_id})
    assert _held(session, small) == (0, None)


def _held(session, container_id: int) -> tuple:
    """(kg directly inside, parent id) of a container, read in a transaction closed at once."""
    session.expire_all()
    found = session.get(Container, container_id)
    held = (found.quantity_kg, found.parent_id)
    session.commit()
    return held


# ---- bulk import ----

def _sheet(client, rows: list[list]) -> bytes:
    template = load_workbook(io.BytesIO(client.get("/batches/import/template.xlsx").data))
    sheet = template.worksheets[0]
    sheet.delete_rows(2, sheet.max_row)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def _upload(client, data: bytes):
    return client.post("/batches/import", data={"file": (io.BytesIO(data), "batches.xlsx")},
                       content_type="multipart/form-data")


def test_the_template_has_the_columns_and_the_companys_sites(client, session, world):
    _, site_name, _ = _ids(session, world)
    login(client, "producer")
    response = client.get("/batches/import/template.xlsx")
    book = load_workbook(io.BytesIO(response.data))
    headers = [c.value for c in book.worksheets[0][1]]
    assert headers[:4] == ["废物代码", "贮存场所", "重量（kg）", "产生时间"] and "联系电话" in headers
    assert book.worksheets[0]["B2"].value == site_name


def test_an_import_registers_every_row(client, session, world):
    _, site, _ = _ids(session, world)
    login(client, "producer")
    data = _sheet(client, [["900-041-49", site, 10, "2026-11-30 08:00", 1, "固态", "桶", "", "", "张工", "13800000000"],
                           ["900-249-08", site, 2.5, "2026-11-30", None, "液态"]])
    response = _upload(client, data)
    page = _text(response)
    assert response.status_code == 200 and "共读取 2 行，已登记 2 个批次" in page
    assert row_count(session, Batch) == 2


def test_one_bad_row_refuses_the_whole_import_and_is_reported_by_row_and_column(client, session, world):
    _, site, _ = _ids(session, world)
    login(client, "producer")
    data = _sheet(client, [["900-041-49", site, 10, "2026-11-30 08:00"],
                           ["900-041-49", site, -1, "2026-11-30 08:00"],
                           ["999-999-99", "别人的仓库", 3, "2026-11-30 08:00", None, "粉末"]])
    response = _upload(client, data)
    page = _text(response)
    assert response.status_code == 422 and row_count(session, Batch) == 0
    assert "共读取 3 行，其中 2 行有错误；没有登记任何批次" in page
    problems = re.findall(r"<tr><td>(\d+)</td><td>(\w+) ([^<]*)</td><td>([^<]*)</td></tr>", page)
    assert ("3", "C", "重量（kg）", "重量（kg）：必须大于 0") in problems
    assert ("4", "B", "贮存场所", "贮存场所：不是本单位的场所") in problems
    assert ("4", "F", "废物形态", "废物形态：应为：固态、半固态、液态或气态") in problems


def test_a_row_the_service_refuses_refuses_the_import_too(client, session, world):
    _, site, _ = _ids(session, world)
    login(client, "producer")
    data = _sheet(client, [["900-041-49", site, 10, "2026-11-30 08:00"],
                           ["999-999-99", site, 3, "2026-11-30 08:00"]])
    page = _text(_upload(client, data))
    assert "废物代码不在名录中：999-999-99" in page and row_count(session, Batch) == 0


def test_an_import_is_reported_in_english_on_an_english_page(client, session, world):
    _, site, _ = _ids(session, world)
    login(client, "producer")
    client.post("/language", data={"lang": "en", "next": "/batches/import"})
    data = _sheet(client, [["900-041-49", site, -1, "2026-11-30 08:00"]])
    page = _text(_upload(client, data))
    assert "Read 1 rows, 1 with errors; no batch was registered" in page
    assert "must be greater than 0" in page and row_count(session, Batch) == 0


def test_a_file_that_is_not_a_template_is_refused(client, session, world):
    _ids(session, world)
    login(client, "producer")
    book = Workbook()
    book.active.append(["name", "value"])
    out = io.BytesIO()
    book.save(out)
    assert "表头不是导入模板的表头" in _text(_upload(client, out.getvalue()))
    assert "无法读取文件" in _text(_upload(client, b"not a spreadsheet"))
    assert row_count(session, Batch) == 0


# ---- a batch label's QR leads to the manifests carrying it ----

def test_a_driver_scanning_a_batch_label_reaches_the_manifest_carrying_it(api, client, session, world):
    from tests.web.helpers import token_of

    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    manifest = api.issue(world, batch, "100").json
    batch_token = api.get(f"/batches/{batch.id}", as_="producer").json["qr_url"].rsplit("/", 1)[1]
    login(client, "driver")
    scanned = client.get(f"/s/{batch_token}")
    assert scanned.status_code == 302 and scanned.headers["Location"].endswith(f"/s/{token_of(manifest)}")
    client.post("/logout")
    login(client, "producer")
    listed = _text(client.get(f"/s/{batch_token}"))
    assert manifest["number"] in listed and f"/s/{token_of(manifest)}" in listed


def test_a_batch_label_scanned_by_an_outsider_shows_no_manifest(api, client, session, world):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    manifest = api.issue(world, batch, "100").json
    batch_token = api.get(f"/batches/{batch.id}", as_="producer").json["qr_url"].rsplit("/", 1)[1]
    anonymous = _text(client.get(f"/s/{batch_token}"))
    assert manifest["number"] not in anonymous
    login(client, "other_producer")
    assert manifest["number"] not in _text(client.get(f"/s/{batch_token}"))


def test_the_picker_lists_hazards_in_the_pages_language(client, session, world):
    _ids(session, world)
    login(client, "producer")
    assert client.get("/batches/waste-codes.json?q=900-249-08").json["items"][0]["hazard_text"] == "毒性、易燃性"
    client.post("/language", data={"lang": "en", "next": "/batches/new"})
    english = client.get("/batches/waste-codes.json?q=900-249-08").json["items"][0]
    assert english["hazard_text"] == "Toxic, Flammable" and english["stream_name"] == "Hazardous waste"
