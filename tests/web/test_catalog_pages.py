"""The administrator's catalog page: the pending 2025 edition flagged, the general classes marked provisional, and a
new edition uploaded, checked (refused rows, the difference) and applied only on confirmation."""
import io
import re

from sqlalchemy import func, select

from tests import catalog_editions as e2099
from tests.web.helpers import login
from wastechain.models import CatalogEdition


def _upload(client, table: bytes, mapping: bytes | None = None, **form):
    data = {"kind": "hazardous", "edition": "2099", "effective": "2099-01-01", "title": "",
            "table": (io.BytesIO(table), "hw2099.csv"), **form}
    if mapping is not None:
        data["mapping"] = (io.BytesIO(mapping), "map2099.csv")
    return client.post("/catalog/check", data=data, content_type="multipart/form-data")


def _files(tmp_path, rows=None):
    table, mapping = e2099.files(tmp_path)
    if rows is not None:
        table = e2099.write(tmp_path / "bad.csv", rows)
    return table.read_bytes(), mapping.read_bytes()


def _editions_2099(session) -> int:
    count = session.scalar(select(func.count()).select_from(CatalogEdition).where(CatalogEdition.name == "2099"))
    session.commit()
    return count


def test_administrators_see_the_pending_2025_edition_and_the_provisional_classes(client, world):
    login(client, "admin")
    page = client.get("/catalog").get_data(as_text=True)
    notice = re.search(r'id="pending-hazardous-2025".*?</section>', page, re.S).group(0)
    assert "《国家危险废物名录（2025年版）》自 2025-01-01 起施行，名录表尚未导入。" in notice
    assert "目前仍按《国家危险废物名录（2021年版）》核对废物代码" in notice
    assert "flask catalog import --kind hazardous --edition 2025 --effective 2025-01-01" in notice
    general = re.search(r'data-edition="general-2020".*?</tr>', page, re.S).group(0)
    assert "暂定（未核实）" in general
    assert "暂定" not in re.search(r'data-edition="hazardous-2021".*?</tr>', page, re.S).group(0)
    assert 'href="/catalog"' in page  # the menu entry


def test_other_roles_cannot_open_the_page(client, world):
    login(client, "producer")
    assert client.get("/catalog").status_code == 403
    assert 'href="/catalog"' not in client.get("/").get_data(as_text=True)


def test_an_upload_shows_the_difference_and_applies_only_when_confirmed(client, session, world, tmp_path):
    login(client, "admin")
    table, mapping = _files(tmp_path)
    checked = _upload(client, table, mapping)
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "共 467 行，全部通过校验；自 2099-01-01 起施行。" in page
    added = re.search(r'class="rows diff-added">(.*?)</ul>', page, re.S).group(1)
    assert e2099.ADDED in added
    merged = re.search(r'class="rows diff-merged">(.*?)</ul>', page, re.S).group(1)
    assert f"{e2099.MERGED_INTO} + {e2099.MERGED_AWAY} → {e2099.MERGED_INTO}" in merged
    assert f"{e2099.SPLIT} → {' + '.join(e2099.SPLIT_INTO)}" in page
    assert _editions_2099(session) == 0  # checking writes nothing
    hidden = dict(re.findall(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">', page))
    hidden.pop("csrf_token", None)
    applied = client.post("/catalog/apply", data=hidden)
    assert applied.status_code == 302
    assert "已导入国家危险废物名录 2099 版，自 2099-01-01 起施行" in client.get("/catalog").get_data(as_text=True)
    assert _editions_2099(session) == 1
    again = client.post("/catalog/apply", data=hidden)
    assert again.status_code == 302
    assert "该版本已按此文件导入，没有任何改变" in client.get("/catalog").get_data(as_text=True)


def test_bad_rows_are_listed_with_their_numbers_and_nothing_is_written(client, session, world, tmp_path):
    login(client, "admin")
    rows = e2099.edition_2099()
    rows[0] = {**rows[0], "hazard": "Q"}
    table, _ = _files(tmp_path, rows)
    response = _upload(client, table)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "共 1 行有错误，名录没有任何改变。" in page
    assert re.search(r"<td>2</td><td[^>]*>危险特性</td><td>危险特性应为 T、C、I、R、In 之一", page)
    assert 'id="apply-form"' not in page
    assert _editions_2099(session) == 0


def test_a_form_without_a_file_or_date_keeps_what_was_typed(client, world):
    login(client, "admin")
    response = client.post("/catalog/check", data={"kind": "general", "edition": "2024", "effective": "soon"},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="2024"' in page and 'value="soon"' in page
    assert "应为日期，例如 2026-12-01" in page and "请选择名录表文件（CSV 或 XLSX）" in page


def test_the_page_in_english(client, world):
    login(client, "admin")
    client.post("/language", data={"lang": "en"})
    page = client.get("/catalog").get_data(as_text=True)
    assert "Catalog editions" in page and "table is not loaded yet" in page


def test_the_code_picker_marks_a_general_class_as_provisional(client, world):
    login(client, "producer")
    items = client.get("/batches/waste-codes.json?q=SW01").json["items"]
    assert [(i["code"], i["provisional"]) for i in items] == [("SW01", "暂定类别（未与正式目录核对）")]
    assert client.get("/batches/waste-codes.json?q=900-041-49").json["items"][0]["provisional"] == ""
