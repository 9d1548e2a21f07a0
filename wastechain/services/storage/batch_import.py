"""The XLSX side of a bulk batch import: the template an enterprise downloads and the rows read back from it.

What a row means is decided elsewhere: the page reads each row with the API's batch schema and
batches.import_batches registers all rows or none.
"""
import io
from dataclasses import dataclass
from datetime import date, datetime

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_

MAX_ROWS = 2000
MAX_COLUMNS = 30


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # in the page's language
    width: int
    note: str = ""


def template_xlsx(columns: list[Column], *, example: list, choices: dict[str, list[str]], title: str,
                  help_title: str, help_rows: list[tuple[str, str]]) -> bytes:
    """The import template: one header row (frozen), one example row, drop-down lists where the values are fixed
    (sites, waste forms), and a second sheet explaining every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append([c.header for c in columns])
    sheet.append(example)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F7A21B")
        values = choices.get(column.field)
        if values:
            # a list longer than 255 characters cannot be inline: it is kept on the help sheet instead
            inline = ",".join(v.replace(",", "，") for v in values)
            if len(inline) <= 250:
                check = DataValidation(type="list", formula1=f'"{inline}"', allow_blank=True)
                check.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
                sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"
    help_sheet = book.create_sheet(help_title)
    for row in help_rows:
        help_sheet.append(list(row))
    help_sheet.column_dimensions["A"].width = 20
    help_sheet.column_dimensions["B"].width = 90
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_rows(data: bytes, headers: dict[str, str]) -> tuple[dict[int, str], list[tuple[int, dict]]]:
    """The filled rows of the first sheet: ({column number: field}, [(row number, {field: cell value})]).

    `headers` maps every accepted header text (Chinese or English) to its field; unknown columns are ignored,
    blank rows skipped. Cells keep their type (numbers, datetimes) for the page to convert."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 — any unreadable upload is the user's file, not our failure
        raise ValidationFailed(N_("无法读取文件：请上传由模板填写的 .xlsx 文件"), details={"file": str(error)[:200]}) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise ValidationFailed(N_("文件是空的"), details={"file": "empty"})
        fields = {}
        for number, text in enumerate(first[:MAX_COLUMNS], start=1):
            field = headers.get(_normal(text))
            if field:
                fields[number] = field
        missing = {"waste_code", "site_id", "quantity_kg", "generated_at"} - set(fields.values())
        if missing:
            raise ValidationFailed(N_("表头不是导入模板的表头，请先下载模板"), details={"missing": sorted(missing)})
        found = []
        for number, values in enumerate(rows, start=2):
            cells = {fields[i]: v for i, v in enumerate(values[:MAX_COLUMNS], start=1) if i in fields}
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
                continue
            if len(found) >= MAX_ROWS:
                raise ValidationFailed(N_("一次最多导入 {max} 行"), params={"max": MAX_ROWS}, details={"file": "too many rows"})
            found.append((number, cells))
        return fields, found
    finally:
        book.close()


def _normal(text) -> str:
    return "".join(str(text or "").split()).lower()


def header_key(text: str) -> str:
    """How a header is matched: spaces and case do not matter."""
    return _normal(text)


def cell_text(value) -> str:
    """A cell as the text a form would send: numbers without float noise, datetimes as China time."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="minutes") if value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value).strip()
