"""flask catalog import: a dry run by default that lists refused rows and the difference, --apply loads it once."""
import csv
import time

from openpyxl import Workbook
from sqlalchemy import func, select

from tests import catalog_editions as e2099
from wastechain.domain.catalog import COLUMNS
from wastechain.models import CatalogEdition, WasteCode


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=["catalog", *args])


def _import(app, table, *extra, mapping=None):
    options = ["import", "--kind", "hazardous", "--edition", "2099", "--effective", "2099-01-01"]
    if mapping:
        options += ["--mapping", str(mapping)]
    return _invoke(app, *options, *extra, str(table))


def _editions(session) -> int:
    return session.scalar(select(func.count()).select_from(CatalogEdition).where(CatalogEdition.name == "2099"))


def test_a_dry_run_prints_the_difference_and_writes_nothing(app, session, tmp_path):
    table, mapping = e2099.files(tmp_path)
    result = _import(app, table, mapping=mapping)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"  added: {e2099.ADDED}" in lines and f"  removed: {e2099.REMOVED}" in lines
    assert f"  merged: {e2099.MERGED_INTO} + {e2099.MERGED_AWAY} -> {e2099.MERGED_INTO}" in lines
    assert f"  split: {e2099.SPLIT} -> {' + '.join(e2099.SPLIT_INTO)}" in lines
    assert f"  hazard_changed: {e2099.HAZARD_CHANGED}: 'T,R' -> 'T'" in lines
    assert any(line.startswith(f"  renamed: {e2099.RENAMED}:") for line in lines)
    assert "dry run: nothing written" in result.output
    assert _editions(session) == 0


def test_apply_loads_the_edition_once_and_a_second_run_writes_nothing(app, session, tmp_path):
    table, mapping = e2099.files(tmp_path)
    first = _import(app, table, "--apply", mapping=mapping)
    assert first.exit_code == 0 and "applied" in first.output
    second = _import(app, table, "--apply", mapping=mapping)
    assert second.exit_code == 0 and "already loaded exactly so: nothing to write" in second.output
    listing = _invoke(app, "editions")
    assert "hazardous  2099" in listing.output and "PENDING: not loaded" in listing.output
    assert _editions(session) == 1
    assert session.get(WasteCode, e2099.ADDED) is not None


def test_refused_rows_are_listed_with_their_numbers_and_the_command_fails(app, session, tmp_path):
    rows = e2099.edition_2099()
    rows[4] = {**rows[4], "hazard": "Toxic"}
    table = e2099.write(tmp_path / "bad.csv", rows)
    result = _import(app, table, "--apply")
    assert result.exit_code == 1
    assert "row 6, hazard: 危险特性应为 T、C、I、R、In 之一或用“,”“/”连接的组合：Toxic" in result.output
    assert "1 rows refused; nothing was written" in result.output
    assert _editions(session) == 0


def test_an_xlsx_table_reads_like_the_csv(app, session, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS["hazardous"]))
    for row in e2099.edition_2099():
        sheet.append([row[c] for c in COLUMNS["hazardous"]])
    book.save(tmp_path / "hw2099.xlsx")
    result = _import(app, tmp_path / "hw2099.xlsx")
    assert result.exit_code == 0, result.output
    assert f"  added: {e2099.ADDED}" in result.output


def test_five_hundred_rows_import_in_one_go(app, session, tmp_path):
    """Measured, not asserted against a time (the README reports it): 500 rows, checked and applied."""
    rows = e2099.edition_2099()
    rows += [{**rows[0], "code": f"900-{n:03d}-01", "description": f"合成测试废物 {n}"} for n in range(500 - len(rows))]
    table = e2099.write(tmp_path / "hw500.csv", rows)
    started = time.perf_counter()
    result = _import(app, table, "--apply")
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    print(f"500-row import applied in {elapsed:.2f} s")
    with open(table, encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 500
