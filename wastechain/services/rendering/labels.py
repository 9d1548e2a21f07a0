"""Batch labels (危险废物标签) as PNG, SVG and PDF, and a printable A4 sheet of many labels.

Content follows GB 18597-2023 附录 (危险废物标签): waste name, category, code, hazard characteristics, producer,
site, date, weight, the HJ 1276-2022 数字识别码 (our unit code) and its QR. One layout, computed once in
millimetres as a list of drawing operations, is rendered by three small back ends, so the three formats agree.
The label is 100 × 100 mm, the smallest size the standard gives for a container; the QR is 34 mm wide,
which at version 4 (33 modules + quiet zone) is about 0.8 mm per module: readable by any phone camera.
"""
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from xml.sax.saxutils import escape

from wastechain.domain.errors import Forbidden, NotFound, ValidationFailed
from wastechain.domain.streams import Stream, is_hazardous
from wastechain.domain.timeutil import local_date
from wastechain.models import Batch
from wastechain.services import access
from wastechain.services.rendering.pdf import cjk_font_file, register_cjk_font
from wastechain.services.rendering.qr import ERROR_CORRECTION, qr_url

LABEL_MM = 100.0
QR_MM = 34.0
HEADER_MM = 15.0
PNG_DPI = 300
SHEET_MARGIN_MM, SHEET_GAP_MM = 4.0, 2.0  # A4: 4 + 100 + 2 + 100 + 4 = 210 mm, two columns and two rows
HAZARD_NAMES = {"T": "毒性", "C": "腐蚀性", "I": "易燃性", "R": "反应性", "In": "感染性"}
ORANGE = "#F7A21B"  # GB 18597-2023: 标签背景色为醒目的橘黄色
SVG_FONTS = "'WenQuanYi Micro Hei','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif"


MAX_SHEET = 200


def batches_for_labels(session, *, actor, batch_ids: list[int]) -> list:
    """The actor's own batches, in the order asked: labels are printed by the owner only (a regulator may read a
    batch but not print its labels: 403; someone else's batch is not found: 404)."""
    if not batch_ids or len(batch_ids) > MAX_SHEET:
        raise ValidationFailed(f"请选择 1–{MAX_SHEET} 个批次", details={"ids": f"1..{MAX_SHEET} batch ids"})
    found = {b.id: b for b in session.scalars(access.visible_batches(actor).where(Batch.id.in_(batch_ids)))}
    missing = [i for i in batch_ids if i not in found]
    if missing:
        raise NotFound(f"批次 {', '.join(map(str, missing))} 不存在或无权查看", details={"ids": missing})
    foreign = [i for i in batch_ids if found[i].organization_id != actor.organization_id]
    if foreign:
        raise Forbidden("只有批次的产生单位可以打印标签", details={"ids": foreign})
    return [found[i] for i in batch_ids]


def parse_batch_ids(values: list[str]) -> list[int]:
    """?ids=1,2,3 or ?ids=1&ids=2 (a form's checkboxes), without duplicates."""
    parts = [p.strip() for v in values for p in v.split(",") if p.strip()]
    if not parts or not all(p.isascii() and p.isdigit() for p in parts):  # "²".isdigit() is True
        raise ValidationFailed("ids 应为以逗号分隔的批次编号，例如 ids=1,2,3", details={"ids": "comma-separated integers"})
    return list(dict.fromkeys(int(p) for p in parts))


def batch_qr_url(base_url: str, secret: str, batch) -> str:
    return qr_url(base_url, secret, "batch", batch.id)


@dataclass(frozen=True)
class LabelContent:
    title: str
    rows: list[tuple[str, str]]
    unit_code: str
    qr_url: str


def label_content(batch, qr_url: str) -> LabelContent:
    """What a batch's label says, in Chinese."""
    waste = batch.waste
    hazardous = is_hazardous(Stream(waste.stream))
    rows = [("废物名称", waste.name), ("废物类别", f"{waste.category} {waste.category_name}".strip()),
            ("废物代码", waste.code)]
    if hazardous:
        rows.append(("危险特性", hazard_names(waste.hazard) or "—"))
    rows += [("产生单位", batch.organization.name), ("产生场所", batch.site.name),
             ("产生日期", local_date(batch.generated_at).isoformat()), ("废物重量", f"{_kg(batch.quantity_kg)} kg")]
    if batch.container_count:
        rows.append(("容器数量", str(batch.container_count)))
    return LabelContent(title="危险废物" if hazardous else "一般固体废物", rows=rows, unit_code=batch.unit_code,
                        qr_url=qr_url)


def hazard_names(codes: str) -> str:
    """'T/C' or 'T,I' → '毒性、腐蚀性'."""
    parts = [p for p in re.split(r"[/,，、\s]+", codes or "") if p]
    return "、".join(HAZARD_NAMES.get(p, p) for p in parts)


def _kg(value: Decimal) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def qr_matrix(data: str) -> list[list[bool]]:
    """The QR modules of data, quiet zone (4 modules) included, at the project's error correction level."""
    import qrcode

    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code.get_matrix()


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
    matrix: list[list[bool]] = field(hash=False)


@cache
def _pil_font(size_px: int):
    from PIL import ImageFont

    found = cjk_font_file()
    return ImageFont.truetype(found[0], size_px, index=found[1]) if found else None


def text_width(text: str, size: float) -> float:
    """Width in mm of text at a font size in mm (measured on the real font when installed)."""
    font = _pil_font(100)
    if font is not None:
        return font.getlength(text) * size / 100
    return sum(size if ord(ch) > 0x2E80 else size * 0.55 for ch in text)


def _wrap(text: str, size: float, width: float, max_lines: int) -> list[str]:
    lines, current = [], ""
    for ch in text:
        if text_width(current + ch, size) > width and current:
            lines.append(current)
            current = ch
        else:
            current += ch
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def layout(content: LabelContent) -> list:
    """The drawing operations of one 100 × 100 mm label."""
    ops: list = [Box(0, 0, LABEL_MM, LABEL_MM, "#FFFFFF", "#000000"),
                 Box(0, 0, LABEL_MM, HEADER_MM, ORANGE, "#000000")]
    title_size = 9.0
    ops.append(Text((LABEL_MM - text_width(content.title, title_size)) / 2, HEADER_MM / 2 + title_size * 0.36,
                    title_size, content.title))
    qr_x, qr_y = LABEL_MM - QR_MM - 3, HEADER_MM + 3
    ops.append(QR(qr_x, qr_y, QR_MM, qr_matrix(content.qr_url)))
    ops.append(Text(qr_x + (QR_MM - text_width("扫码交接", 3.0)) / 2, qr_y + QR_MM + 1.0, 3.0, "扫码交接"))
    size, line_gap = 3.3, 4.3
    key_w = text_width("废物名称：", size)
    y = HEADER_MM + 3 + size
    for key, value in content.rows:
        column = qr_x - 4 - key_w if y < qr_y + QR_MM + 5 else LABEL_MM - 8 - key_w
        max_lines = 3 if key == "废物名称" else 2
        lines = _wrap(value, size, column, max_lines)
        ops.append(Text(4, y, size, f"{key}："))
        for line in lines:
            ops.append(Text(4 + key_w, y, size, line))
            y += line_gap
        if y > LABEL_MM - 14:
            break
    code_size = 3.0
    ops.append(Text(4, LABEL_MM - 8, code_size, "数字识别码："))
    ops.append(Text(4, LABEL_MM - 3.5, code_size, content.unit_code))
    return ops


# ---------------------------------------------------------------- back ends

def _rgb(color: str) -> tuple[float, float, float]:
    return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))


def _draw_pdf(canvas, ops: list, origin_x: float, origin_top: float) -> None:
    """Draws a label with its top-left corner at (origin_x, origin_top) in points from the page's bottom left."""
    from reportlab.lib.units import mm

    font = register_cjk_font()
    for op in ops:
        if isinstance(op, Box):
            canvas.setFillColorRGB(*_rgb(op.fill or "#FFFFFF"))
            canvas.setStrokeColorRGB(*_rgb(op.stroke or "#000000"))
            canvas.setLineWidth(0.6)
            canvas.rect(origin_x + op.x * mm, origin_top - (op.y + op.h) * mm, op.w * mm, op.h * mm,
                        stroke=1 if op.stroke else 0, fill=1 if op.fill else 0)
        elif isinstance(op, Text):
            canvas.setFillColorRGB(0, 0, 0)
            canvas.setFont(font, op.size * mm)
            canvas.drawString(origin_x + op.x * mm, origin_top - op.y * mm, op.text)
        elif isinstance(op, QR):
            cell = op.size / len(op.matrix)
            canvas.setFillColorRGB(1, 1, 1)
            canvas.rect(origin_x + op.x * mm, origin_top - (op.y + op.size) * mm, op.size * mm, op.size * mm,
                        stroke=0, fill=1)
            canvas.setFillColorRGB(0, 0, 0)
            path = canvas.beginPath()
            for r, row in enumerate(op.matrix):
                for c, dark in enumerate(row):
                    if dark:
                        path.rect(origin_x + (op.x + c * cell) * mm, origin_top - (op.y + (r + 1) * cell) * mm,
                                  cell * mm, cell * mm)
            canvas.drawPath(path, stroke=0, fill=1)


def label_pdf(content: LabelContent) -> bytes:
    """One label on a 100 × 100 mm page (label printers)."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdf_canvas

    out = io.BytesIO()
    canvas = pdf_canvas.Canvas(out, pagesize=(LABEL_MM * mm, LABEL_MM * mm))
    canvas.setTitle(f"{content.title}标签 {content.unit_code}")
    _draw_pdf(canvas, layout(content), 0, LABEL_MM * mm)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def labels_sheet_pdf(contents: list[LabelContent]) -> bytes:
    """Many labels on A4 pages, four per page, to print on sticker paper and cut."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as pdf_canvas

    out = io.BytesIO()
    canvas = pdf_canvas.Canvas(out, pagesize=A4)
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
                for c, dark in enumerate(row):
                    if dark:
                        draw.rectangle([x0 + c * cell, y0 + r * cell, x0 + (c + 1) * cell - 1,
                                        y0 + (r + 1) * cell - 1], fill="black")
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi), optimize=True)
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
            cells = "".join(f"M{op.x + c * cell:.3f} {op.y + r * cell:.3f}h{cell:.3f}v{cell:.3f}h-{cell:.3f}z"
                            for r, row in enumerate(op.matrix) for c, dark in enumerate(row) if dark)
            parts.append(f'<rect x="{op.x}" y="{op.y}" width="{op.size}" height="{op.size}" fill="#fff"/>')
            parts.append(f'<path d="{cells}" fill="#000" shape-rendering="crispEdges"/>')
    parts.append("</svg>")
    return "\n".join(parts).encode()


def render(content: LabelContent, fmt: str) -> tuple[bytes, str]:
    """The label in a format (png, svg, pdf) and its MIME type."""
    renderers = {"png": (label_png, "image/png"), "svg": (label_svg, "image/svg+xml"),
                 "pdf": (label_pdf, "application/pdf")}
    draw, mimetype = renderers[fmt]
    return draw(content), mimetype


__all__ = ["LabelContent", "batch_qr_url", "batches_for_labels", "parse_batch_ids", "hazard_names", "label_content", "label_pdf", "label_png", "label_svg",
           "labels_sheet_pdf", "qr_matrix", "render"]


def batch_label(session, *, actor, batch_id: int, fmt: str, base_url: str, secret: str) -> tuple[bytes, str, str]:
    """One of the actor's batch labels: (body, media type, file name)."""
    [batch] = batches_for_labels(session, actor=actor, batch_ids=[batch_id])
    body, mimetype = render(label_content(batch, batch_qr_url(base_url, secret, batch)), fmt)
    return body, mimetype, f"label-{batch.unit_code}.{fmt}"


def label_sheet(session, *, actor, batch_ids: list[int], base_url: str, secret: str) -> bytes:
    """Many of the actor's labels on A4 sheets, in the order asked."""
    found = batches_for_labels(session, actor=actor, batch_ids=batch_ids)
    return labels_sheet_pdf([label_content(b, batch_qr_url(base_url, secret, b)) for b in found])
