"""The one exporter of tables to CSV and XLSX, safe to open in Excel.

A cell is the user's text (a company or site name, a note): text that Excel would run as a formula (starting
with = + - @, or a tab/carriage return before one) is written with a leading apostrophe in CSV and as a string
cell in XLSX, and characters a sheet cannot hold are dropped. Numbers stay numbers, so columns still sum.
"""
import csv
import io
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _unsafe(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if _unsafe(text) else text


def to_csv(header: list[str], rows) -> bytes:
    """UTF-8 with a BOM, so Excel shows Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(header: list[str], rows, *, sheet_title: str, title: str | None = None,
            number_format: str | None = None) -> bytes:
    """One sheet: an optional title row, the header (frozen, with filters), the rows; columns as wide as their
    text; text cells are never formulas."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    if title is not None:
        sheet.append([None])
        _set(sheet.cell(row=1, column=1), title, ILLEGAL_CHARACTERS_RE)
    sheet.append(list(header))
    header_row = sheet.max_row
    widths = [_width(h) for h in header]
    for row in rows:
        sheet.append([None] * len(row))
        for column, value in enumerate(row, start=1):
            _set(sheet.cell(row=sheet.max_row, column=column), value, ILLEGAL_CHARACTERS_RE, number_format)
            widths[column - 1] = max(widths[column - 1], _width(value))
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(header))}{sheet.max_row}"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(60, width + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _width(value) -> int:
    """Columns of text as a sheet counts them: a Chinese character takes two."""
    text = "" if value is None else str(value)
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)


def _set(cell, value, illegal, number_format: str | None = None) -> None:
    if value is None:
        return
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        # kilograms with 3 decimals are exact in a double for any realistic stock; Excel needs numbers to sum
        cell.value = float(value) if isinstance(value, Decimal) else value
        if number_format and isinstance(value, Decimal):
            cell.number_format = number_format
        return
    cell.value = illegal.sub("", str(value))
    cell.data_type = "s"  # a string cell: "=…" stays text, never a formula
