"""Waste labels as PNG, SVG and PDF, and a printable A4 sheet of many labels.

Content follows HJ 1276-2022 (危险废物识别标志设置技术规范) and GB 18597-2023: 废物名称, 类别, 代码, 形态, 危险特性
(with their pictograms, drawn in pictograms.py), 主要成分, 有害成分, 注意事项, 产生单位, 联系人和联系方式, 产生日期,
重量, 备注 and the 数字识别码 (our unit code) with its QR. Medical waste gets the HJ 421-2008 style: a yellow band
with 「警告！感染性废物」 and the biohazard sign. Containers get a label of their own (code, contents, QR).
One layout, computed once in millimetres as a tuple of drawing operations, is rendered by three small back ends,
so the three formats agree. The label is 100 × 100 mm, the smallest size the standard gives for a container; the
QR is 30 mm wide, which at version 4 (33 modules + quiet zone) is about 0.7 mm per module.

Speed (issue 14): a label is drawn once per content and format and kept in a bounded in-process cache; its ETag is
a hash of what is drawn, so a client that has it gets 304 without anything being drawn. QR modules are drawn as
runs (one rectangle per run of dark modules) and the PNG is saved without `optimize=True`.
"""
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import Callable
from xml.sax.saxutils import escape

from wastechain.domain.batchinfo import CONTAINER_KIND_NAMES, HAZARD_NAMES, WASTE_FORM_NAMES
from wastechain.domain.errors import Forbidden, NotFound, ValidationFailed
from wastechain.domain.streams import Stream, is_hazardous
from wastechain.domain.text import N_
from wastechain.domain.timeutil import local_date
from wastechain.models import Batch
from wastechain.services import access
from wastechain.services.rendering.pdf import cjk_font_file, register_cjk_font
from wastechain.services.rendering.pictograms import Circle, Polygon, pictogram
from wastechain.services.rendering.qr import ERROR_CORRECTION, qr_url

LABEL_MM = 100.0
QR_MM = 30.0
HEADER_MM = 13.0
PNG_DPI = 300
SHEET_MARGIN_MM, SHEET_GAP_MM = 4.0, 2.0  # A4: 4 + 100 + 2 + 100 + 4 = 210 mm, two columns and two rows
ORANGE = "#F7A21B"  # GB 18597-2023: 标签背景色为醒目的橘黄色
YELLOW = "#FFD400"  # HJ 421-2008: 医疗废物警示标志为黄色
GREEN = "#5BB85B"  # 一般工业固体废物 (GB 15562.2 环境保护图形标志: 绿色)
SVG_FONTS = "'WenQuanYi Micro Hei','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif"


MAX_SHEET = 200


def batches_for_labels(session, *, actor, batch_ids: list[int]) -> list:
    """The actor's own batches, in the order asked: labels are printed by the owner only (a regulator may read a
    batch but not print its labels: 403; someone else's batch is not found: 404)."""
    if not batch_ids or len(batch_ids) > MAX_SHEET:
        raise ValidationFailed(N_("请选择 1–{MAX_SHEET} 个批次"), params={"MAX_SHEET": MAX_SHEET},
                               details={"ids": f"1..{MAX_SHEET} batch ids"})
    found = {b.id: b for b in session.scalars(access.visible_batches(actor).where(Batch.id.in_(batch_ids)))}
    missing = [i for i in batch_ids if i not in found]
    if missing:
        raise NotFound(N_("批次 {ids} 不存在或无权查看"), params={"ids": ", ".join(map(str, missing))},
                       details={"ids": missing})
    foreign = [i for i in batch_ids if found[i].organization_id != actor.organization_id]
    if foreign:
        raise Forbidden(N_("只有批次的产生单位可以打印标签"), details={"ids": foreign})
    return [found[i] for i in batch_ids]


def parse_batch_ids(values: list[str]) -> list[int]:
    """?ids=1,2,3 or ?ids=1&ids=2 (a form's checkboxes), without duplicates."""
    parts = [p.strip() for v in values for p in v.split(",") if p.strip()]
    if not parts or not all(p.isascii() and p.isdigit() for p in parts):  # "²".isdigit() is True
        raise ValidationFailed(N_("ids 应为以逗号分隔的批次编号，例如 ids=1,2,3"),
                               details={"ids": "comma-separated integers"})
    return list(dict.fromkeys(int(p) for p in parts))


def batch_qr_url(base_url: str, secret: str, batch) -> str:
    return qr_url(base_url, secret, "batch", batch.id)


@dataclass(frozen=True)
class LabelContent:
    """What one label says (hashable: the rendering cache and the ETag are keyed by it)."""

    title: str
    rows: tuple[tuple[str, str], ...]
    unit_code: str
    qr_url: str
    style: str = "hazardous"  # hazardous (HJ 1276-2022) · medical (HJ 421-2008) · general · container
    hazards: tuple[str, ...] = ()
    warning: str = ""
    code_label: str = "数字识别码"


MEDICAL_WARNING = "警告！感染性废物"


def label_content(batch, qr_url: str) -> LabelContent:
    """What a batch's label says, in Chinese: every field of the HJ 1276-2022 label (medical waste: HJ 421)."""
    waste = batch.waste
    stream = Stream(waste.stream)
    hazards = tuple(hazard_codes(waste.hazard)) if is_hazardous(stream) else ()
    contact = " ".join(p for p in (batch.contact_name, batch.contact_phone) if p)
    form = WASTE_FORM_NAMES.get(batch.waste_form, "") if batch.waste_form else ""
    remarks = "；".join(p for p in (f"贮存场所：{batch.site.name}",
                                    f"容器 {batch.container_count} 个" if batch.container_count else "") if p)
    if stream == Stream.MEDICAL:
        rows = (("医疗废物类别", f"{waste.code} {waste.name}"), ("废物形态", form or "—"),
                ("产生单位", batch.organization.name), ("产生日期", local_date(batch.generated_at).isoformat()),
                ("重量", f"{_kg(batch.quantity_kg)} kg"), ("特别说明", batch.precautions or "—"),
                ("联系人", contact or "—"), ("备注", remarks))
        return LabelContent(title="医疗废物", rows=rows, unit_code=batch.unit_code, qr_url=qr_url, style="medical",
                            hazards=hazards or ("In",), warning=MEDICAL_WARNING)
    if is_hazardous(stream):
        rows = (("废物名称", waste.name), ("废物类别", f"{waste.category} {waste.category_name}".strip()),
                ("废物代码", waste.code), ("废物形态", form or "—"),
                ("危险特性", hazard_names(waste.hazard) or "—"), ("主要成分", batch.main_components or "—"),
                ("有害成分", batch.hazardous_components or "—"), ("注意事项", batch.precautions or "—"),
                ("产生单位", batch.organization.name), ("联系人和联系方式", contact or "—"),
                ("产生日期", local_date(batch.generated_at).isoformat()), ("废物重量", f"{_kg(batch.quantity_kg)} kg"),
                ("备注", remarks))
        return LabelContent(title="危险废物", rows=rows, unit_code=batch.unit_code, qr_url=qr_url, hazards=hazards)
    rows = (("废物名称", waste.name), ("废物类别", f"{waste.category} {waste.category_name}".strip()),
            ("废物代码", waste.code), ("废物形态", form or "—"), ("主要成分", batch.main_components or "—"),
            ("产生单位", batch.organization.name), ("联系人和联系方式", contact or "—"),
            ("产生日期", local_date(batch.generated_at).isoformat()), ("废物重量", f"{_kg(batch.quantity_kg)} kg"),
            ("备注", remarks))
    return LabelContent(title="一般固体废物", rows=rows, unit_code=batch.unit_code, qr_url=qr_url, style="general")


def container_content(described: dict, *, organization: str, site: str, batches: list, qr_url: str) -> LabelContent:
    """A container's label: its code, what it holds (nested boxes included) and its QR."""
    held = "；".join(f"{b.waste_code} {_kg(q)} kg" for b, q in batches) or "空"
    hazards = sorted({h for b, _ in batches for h in hazard_codes(b.waste.hazard)
                      if is_hazardous(Stream(b.waste.stream))}, key=lambda h: list(HAZARD_NAMES).index(h) if h in HAZARD_NAMES else 99)
    rows = (("容器编码", described["code"]), ("容器类型", CONTAINER_KIND_NAMES.get(described["kind"], described["kind"])),
            ("内装", held), ("总重量", f"{_kg(described['total_kg'])} kg"),
            ("内含容器", f"{described['container_count'] - 1} 个"), ("所属单位", organization), ("所在场所", site))
    return LabelContent(title="废物容器", rows=rows, unit_code=described["code"], qr_url=qr_url, style="container",
                        hazards=tuple(hazards), code_label="容器编码")


def hazard_codes(codes: str) -> list[str]:
    """'T/C' or 'T,I' → ['T', 'C']."""
    return [p for p in re.split(r"[/,，、\s]+", codes or "") if p]


def hazard_names(codes: str) -> str:
    """'T/C' or 'T,I' → '毒性、腐蚀性'."""
    return "、".join(HAZARD_NAMES.get(p, p) for p in hazard_codes(codes))


def _kg(value: Decimal) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@lru_cache(maxsize=4096)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules of data, quiet zone (4 modules) included, at the project's error correction level."""
    import qrcode

    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=4)
    code.add_data(data)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


def _runs(row) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row: one rectangle per run instead of one per module."""
    runs, start = [], None
    for c, dark in enumerate(list(row) + [False]):
        if dark and start is None:
            start = c
        elif not dark and start is not None:
            runs.append((start, c - start))
            start = None
    return runs


# ---------------------------------------------------------------- layout (millimetres, origin top left)

@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline
    size: float  # font size in mm
    text: str


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    fill: str | None
    stroke: str | None = None


@dataclass(frozen=True)
class QR:
    x: float
    y: float
    size: float
    matrix: tuple = field(hash=False)


@cache
def _pil_font(size_px: int):
    from PIL import ImageFont

    found = cjk_font_file()
    return ImageFont.truetype(found[0], size_px, index=found[1]) if found else None


@lru_cache(maxsize=8192)
def _char_width(ch: str) -> float:
    """Width of one character at a 1 mm font size (measured on the real font when installed)."""
    font = _pil_font(100)
    if font is not None:
        return font.getlength(ch) / 100
    return 1.0 if ord(ch) > 0x2E80 else 0.55


def text_width(text: str, size: float) -> float:
    """Width in mm of text at a font size in mm (character widths summed: CJK text has no kerning)."""
    return sum(_char_width(ch) for ch in text) * size


def _wrap(text: str, size: float, width: float, max_lines: int) -> list[str]:
    lines, current, current_w = [], "", 0.0
    for ch in text:
        w = _char_width(ch) * size
        if current_w + w > width and current:
            lines.append(current)
            current, current_w = ch, w
        else:
            current, current_w = current + ch, current_w + w
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


STYLE_COLOURS = {"hazardous": ORANGE, "medical": YELLOW, "general": GREEN, "container": ORANGE}
MULTI_LINE_KEYS = {"废物名称": 2, "主要成分": 2, "有害成分": 2, "注意事项": 3, "特别说明": 3, "内装": 4, "备注": 2,
                   "医疗废物类别": 2}


def layout(content: LabelContent) -> tuple:
    """The drawing operations of one 100 × 100 mm label: the coloured title band (orange for hazardous waste,
    GB 18597-2023; yellow with the infection warning for medical waste, HJ 421-2008), the fields on the left,
    the QR and the hazard pictograms on the right, and the 数字识别码 along the bottom."""
    header = HEADER_MM + (5.0 if content.warning else 0.0)
    ops: list = [Box(0, 0, LABEL_MM, LABEL_MM, "#FFFFFF", "#000000"),
                 Box(0, 0, LABEL_MM, header, STYLE_COLOURS[content.style], "#000000")]
    title_size = 8.0
    ops.append(Text((LABEL_MM - text_width(content.title, title_size)) / 2, 9.5, title_size, content.title))
    if content.warning:
        ops.append(Text((LABEL_MM - text_width(content.warning, 4.0)) / 2, header - 2.0, 4.0, content.warning))
    qr_x, qr_y = LABEL_MM - QR_MM - 3, header + 2
    ops.append(QR(qr_x, qr_y, QR_MM, qr_matrix(content.qr_url)))
    # pictograms under the QR, two to a row
    half = 7.0 if content.style != "medical" else 10.0
    top = qr_y + QR_MM + 1.5
    for i, code in enumerate(content.hazards):
        col, row = i % 2, i // 2
        if content.style == "medical":
            cx = qr_x + QR_MM / 2
        else:
            cx = qr_x + QR_MM / 2 + (col - 0.5) * (2 * half + 1) if len(content.hazards) > 1 else qr_x + QR_MM / 2
        cy = top + half + row * (2 * half + 5)
        if cy + half > LABEL_MM - 12:
            break
        ops.extend(pictogram(code, cx, cy, half, background=YELLOW if content.style == "medical" else "#FFFFFF"))
        name = HAZARD_NAMES.get(code, code)
        ops.append(Text(cx - text_width(name, 2.4) / 2, cy + half + 2.6, 2.4, name))
    size, line_gap = 2.7, 3.45
    column = qr_x - 4 - 3
    y = header + 2 + size
    bottom = LABEL_MM - 11
    for key, value in content.rows:
        key_text = f"{key}："
        key_w = text_width(key_text, size)
        lines = _wrap(value, size, column - key_w, MULTI_LINE_KEYS.get(key, 1))
        if y + (len(lines) - 1) * line_gap > bottom:
            break
        ops.append(Text(3, y, size, key_text))
        for line in lines:
            ops.append(Text(3 + key_w, y, size, line))
            y += line_gap
    ops.append(Box(0, LABEL_MM - 9.5, LABEL_MM, 9.5, None, "#000000"))
    code_size = 3.0
    code_key = f"{content.code_label}："
    ops.append(Text(3, LABEL_MM - 3.5, code_size, code_key))
    ops.append(Text(3 + text_width(code_key, code_size), LABEL_MM - 3.5, code_size, content.unit_code))
    return tuple(ops)


# ---------------------------------------------------------------- back ends

def _rgb(color: str) -> tuple[float, float, float]:
    return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))


def _draw_pdf(canvas, ops, origin_x: float, origin_top: float) -> None:
    """Draws a label with its top-left corner at (origin_x, origin_top) in points from the page's bottom left."""
    from reportlab.lib.units import mm

    font = register_cjk_font()

    def px(x):
        return origin_x + x * mm

    def py(y):
        return origin_top - y * mm

    for op in ops:
        if isinstance(op, Box):
            canvas.setFillColorRGB(*_rgb(op.fill or "#FFFFFF"))
            canvas.setStrokeColorRGB(*_rgb(op.stroke or "#000000"))
            canvas.setLineWidth(0.6)
            canvas.rect(px(op.x), py(op.y + op.h), op.w * mm, op.h * mm,
                        stroke=1 if op.stroke else 0, fill=1 if op.fill else 0)
        elif isinstance(op, QR):
            cell = op.size / len(op.matrix)
            canvas.setFillColorRGB(1, 1, 1)
            canvas.rect(px(op.x), py(op.y + op.size), op.size * mm, op.size * mm, stroke=0, fill=1)
            canvas.setFillColorRGB(0, 0, 0)
            # Written as raw PDF rectangles: reportlab's path objects format each number in pure Python and
            # took most of a label sheet's time.
            h = cell * mm
            canvas.addLiteral("\n".join(
                f"{px(op.x + start * cell):.2f} {py(op.y + (r + 1) * cell):.2f} {length * h:.2f} {h:.2f} re"
                for r, row in enumerate(op.matrix) for start, length in _runs(row)) + "\nf")
        elif isinstance(op, Polygon):
            path = canvas.beginPath()
            path.moveTo(px(op.points[0][0]), py(op.points[0][1]))
            for x, y in op.points[1:]:
                path.lineTo(px(x), py(y))
            path.close()
            _fill_stroke(canvas, op, path)
        elif isinstance(op, Circle):
            path = canvas.beginPath()
            path.circle(px(op.cx), py(op.cy), op.r * mm)
            _fill_stroke(canvas, op, path)
    # all the label's text in one text object (one per string cost a third of the sheet's time)
    text = canvas.beginText()
    text.setFillColorRGB(0, 0, 0)
    for op in ops:
        if isinstance(op, Text):
            text.setFont(font, op.size * mm)
            text.setTextOrigin(px(op.x), py(op.y))
            text.textOut(op.text)
    canvas.drawText(text)


def _fill_stroke(canvas, op, path) -> None:
    from reportlab.lib.units import mm

    if op.fill:
        canvas.setFillColorRGB(*_rgb(op.fill))
    if op.stroke:
        canvas.setStrokeColorRGB(*_rgb(op.stroke))
        canvas.setLineWidth(op.width * mm)
    canvas.drawPath(path, stroke=1 if op.stroke else 0, fill=1 if op.fill else 0)


def label_pdf(content: LabelContent) -> bytes:
    """One label on a 100 × 100 mm page (label printers)."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdf_canvas

    out = io.BytesIO()
    canvas = pdf_canvas.Canvas(out, pagesize=(LABEL_MM * mm, LABEL_MM * mm), invariant=1)
    canvas.setTitle(f"{content.title}标签 {content.unit_code}")
    _draw_pdf(canvas, layout(content), 0, LABEL_MM * mm)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def labels_sheet_pdf(contents) -> bytes:
    """Many labels on A4 pages, four per page, to print on sticker paper and cut."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdf_canvas

    out = io.BytesIO()
    canvas = pdf_canvas.Canvas(out, pagesize=A4, invariant=1)
    canvas.setTitle(f"废物标签 {len(contents)} 张")
    page_h = A4[1]
    top_margin = (page_h / mm - 2 * LABEL_MM - SHEET_GAP_MM) / 2
    for index, content in enumerate(contents):
        slot = index % 4
        if index and slot == 0:
            canvas.showPage()
        col, row = slot % 2, slot // 2
        x = (SHEET_MARGIN_MM + col * (LABEL_MM + SHEET_GAP_MM)) * mm
        top = page_h - (top_margin + row * (LABEL_MM + SHEET_GAP_MM)) * mm
        _draw_pdf(canvas, layout(content), x, top)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def label_png(content: LabelContent, dpi: int = PNG_DPI) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    px = dpi / 25.4
    side = round(LABEL_MM * px)
    image = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(image)
    for op in layout(content):
        if isinstance(op, Box):
            draw.rectangle([op.x * px, op.y * px, (op.x + op.w) * px - 1, (op.y + op.h) * px - 1],
                           fill=op.fill, outline=op.stroke, width=max(1, round(0.25 * px)))
        elif isinstance(op, Text):
            font = _pil_font(round(op.size * px)) or ImageFont.load_default(round(op.size * px))
            draw.text((op.x * px, op.y * px), op.text, fill="black", font=font, anchor="ls")
        elif isinstance(op, QR):
            modules = len(op.matrix)
            cell = max(1, int(op.size * px) // modules)  # whole pixels per module keep the code crisp
            x0, y0 = round(op.x * px), round(op.y * px)
            draw.rectangle([x0, y0, x0 + cell * modules - 1, y0 + cell * modules - 1], fill="white")
            for r, row in enumerate(op.matrix):
                for start, length in _runs(row):
                    draw.rectangle([x0 + start * cell, y0 + r * cell, x0 + (start + length) * cell - 1,
                                    y0 + (r + 1) * cell - 1], fill="black")
        elif isinstance(op, Polygon):
            draw.polygon([(x * px, y * px) for x, y in op.points], fill=op.fill, outline=op.stroke,
                         width=max(1, round(op.width * px)) if op.stroke else 1)
        elif isinstance(op, Circle):
            draw.ellipse([(op.cx - op.r) * px, (op.cy - op.r) * px, (op.cx + op.r) * px, (op.cy + op.r) * px],
                         fill=op.fill, outline=op.stroke, width=max(1, round(op.width * px)) if op.stroke else 1)
    out = io.BytesIO()
    # No optimize=True: it tried every zlib setting and took 80 % of a label's time for a few per cent of bytes.
    image.save(out, format="PNG", dpi=(dpi, dpi), compress_level=6)
    return out.getvalue()


def label_svg(content: LabelContent) -> bytes:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_MM}mm" height="{LABEL_MM}mm" '
             f'viewBox="0 0 {LABEL_MM} {LABEL_MM}">',
             f"<title>{escape(content.title)}标签 {escape(content.unit_code)}</title>"]
    for op in layout(content):
        if isinstance(op, Box):
            parts.append(f'<rect x="{op.x}" y="{op.y}" width="{op.w}" height="{op.h}" fill="{op.fill or "none"}" '
                         f'stroke="{op.stroke or "none"}" stroke-width="0.3"/>')
        elif isinstance(op, Text):
            parts.append(f'<text x="{op.x:.2f}" y="{op.y:.2f}" font-size="{op.size}" font-family="{SVG_FONTS}">'
                         f"{escape(op.text)}</text>")
        elif isinstance(op, QR):
            cell = op.size / len(op.matrix)
            cells = "".join(f"M{op.x + start * cell:.3f} {op.y + r * cell:.3f}h{length * cell:.3f}v{cell:.3f}"
                            f"h-{length * cell:.3f}z"
                            for r, row in enumerate(op.matrix) for start, length in _runs(row))
            parts.append(f'<rect x="{op.x}" y="{op.y}" width="{op.size}" height="{op.size}" fill="#fff"/>')
            parts.append(f'<path d="{cells}" fill="#000" shape-rendering="crispEdges"/>')
        elif isinstance(op, Polygon):
            points = " ".join(f"{x:.2f},{y:.2f}" for x, y in op.points)
            parts.append(f'<polygon points="{points}" fill="{op.fill or "none"}" stroke="{op.stroke or "none"}" '
                         f'stroke-width="{op.width}"/>')
        elif isinstance(op, Circle):
            parts.append(f'<circle cx="{op.cx:.2f}" cy="{op.cy:.2f}" r="{op.r:.2f}" fill="{op.fill or "none"}" '
                         f'stroke="{op.stroke or "none"}" stroke-width="{op.width:.2f}"/>')
    parts.append("</svg>")
    return "\n".join(parts).encode()


RENDERERS = {"png": (label_png, "image/png"), "svg": (label_svg, "image/svg+xml"), "pdf": (label_pdf, "application/pdf")}


# ---------------------------------------------------------------- cache by content

# Bump when the drawing changes, so no client keeps an old label under a still-valid ETag.
LAYOUT_VERSION = "hj1276-2"


def _font_key() -> str:
    found = cjk_font_file()
    return f"{found[0]}#{found[1]}" if found else "builtin"


def etag_of(contents, fmt: str) -> str:
    """A strong ETag for one label or a sheet: a hash of everything drawn, the format, layout and font."""
    digest = hashlib.sha256(repr((LAYOUT_VERSION, _font_key(), fmt, tuple(contents))).encode()).hexdigest()
    return digest[:40]


# Bounded per worker: 256 labels (a 300 dpi PNG is ~135 kB, so ≤ ~35 MB) and 8 sheets.
@lru_cache(maxsize=256)
def _rendered(content: LabelContent, fmt: str, font: str) -> bytes:
    return RENDERERS[fmt][0](content)


@lru_cache(maxsize=8)
def _sheet(contents: tuple, font: str) -> bytes:
    return labels_sheet_pdf(contents)


def render(content: LabelContent, fmt: str) -> tuple[bytes, str]:
    """The label in a format (png, svg, pdf) and its MIME type; the same content is drawn once per process."""
    return _rendered(content, fmt, _font_key()), RENDERERS[fmt][1]


def clear_cache() -> None:
    _rendered.cache_clear()
    _sheet.cache_clear()
    qr_matrix.cache_clear()


@dataclass(frozen=True)
class Rendered:
    """A label (or sheet) ready to send: `body()` draws it only when the client does not have it already."""

    etag: str
    mimetype: str
    filename: str
    body: Callable[[], bytes]


def batch_label(session, *, actor, batch_id: int, fmt: str, base_url: str, secret: str) -> tuple[bytes, str, str]:
    """One of the actor's batch labels: (body, media type, file name)."""
    found = batch_label_rendered(session, actor=actor, batch_id=batch_id, fmt=fmt, base_url=base_url, secret=secret)
    return found.body(), found.mimetype, found.filename


def batch_label_rendered(session, *, actor, batch_id: int, fmt: str, base_url: str, secret: str) -> Rendered:
    """One of the actor's batch labels with its ETag, drawn lazily (a 304 draws nothing)."""
    [batch] = batches_for_labels(session, actor=actor, batch_ids=[batch_id])
    content = label_content(batch, batch_qr_url(base_url, secret, batch))
    return Rendered(etag=etag_of([content], fmt), mimetype=RENDERERS[fmt][1],
                    filename=f"label-{batch.unit_code}.{fmt}", body=lambda: render(content, fmt)[0])


def label_sheet(session, *, actor, batch_ids: list[int], base_url: str, secret: str) -> bytes:
    """Many of the actor's labels on A4 sheets, in the order asked."""
    return label_sheet_rendered(session, actor=actor, batch_ids=batch_ids, base_url=base_url, secret=secret).body()


def label_sheet_rendered(session, *, actor, batch_ids: list[int], base_url: str, secret: str) -> Rendered:
    found = batches_for_labels(session, actor=actor, batch_ids=batch_ids)
    contents = tuple(label_content(b, batch_qr_url(base_url, secret, b)) for b in found)
    return Rendered(etag=etag_of(contents, "sheet"), mimetype="application/pdf", filename="labels.pdf",
                    body=lambda: _sheet(contents, _font_key()))


__all__ = ["LabelContent", "Rendered", "batch_label", "batch_label_rendered", "batch_qr_url", "batches_for_labels",
           "clear_cache", "container_content", "etag_of", "hazard_codes", "hazard_names", "label_content",
           "label_pdf", "label_png", "label_sheet", "label_sheet_rendered", "label_svg", "labels_sheet_pdf",
           "parse_batch_ids", "qr_matrix", "render"]
