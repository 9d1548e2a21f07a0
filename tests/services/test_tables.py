"""Exports open in Excel ready to read: frozen header with filters, columns as wide as their text, no formulas."""
import io
from decimal import Decimal

from openpyxl import load_workbook

from wastechain.services.rendering import tables

HEADER = ["编号", "单位", "重量（kg）"]
ROWS = [[1, "=HYPERLINK(\"http://x\")衢州示范氟化工有限公司", Decimal("1250.500")], [2, "@SUM(A1)", Decimal("3")]]


def _sheet(**kwargs):
    return load_workbook(io.BytesIO(tables.to_xlsx(HEADER, ROWS, sheet_title="异常", **kwargs))).active


def test_the_header_is_frozen_and_filterable():
    sheet = _sheet()
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C3"


def test_with_a_title_row_the_header_below_it_is_frozen():
    sheet = _sheet(title="柯城区 管理台账")
    assert sheet["A1"].value == "柯城区 管理台账" and sheet.freeze_panes == "A3" and sheet.auto_filter.ref == "A2:C4"


def test_columns_are_as_wide_as_their_chinese_text():
    sheet = _sheet()
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width
    assert sheet.column_dimensions["B"].width <= 62


def test_text_that_looks_like_a_formula_stays_text_and_numbers_stay_numbers():
    sheet = _sheet()
    assert sheet["B2"].data_type == "s" and sheet["B2"].value.startswith("=HYPERLINK")
    assert sheet["B3"].data_type == "s" and sheet["C2"].value == 1250.5
    csv = tables.to_csv(HEADER, ROWS).decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and "'@SUM(A1)" in csv
