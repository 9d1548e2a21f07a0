"""Utilization/disposal records (利用/处置) and the certificate a producer receives for its batch."""
import io
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from sqlalchemy import select

from wastechain.domain.timeutil import CHINA
from wastechain.models import DisposalRecord, Manifest, User
from wastechain.services import access
from wastechain.services.common import Page, paginate
from wastechain.services.lineage.trace import trace_batch
from wastechain.services.rendering.pdf import register_cjk_font


def list_disposals(session, *, actor: User, manifest_id: int | None = None, page: int = 1,
                   per_page: int = 50) -> Page[DisposalRecord]:
    """The records of manifests the actor may see (receiver, issuer, transporter, regulators)."""
    visible = access.visible_manifests(actor).with_only_columns(Manifest.id)
    query = select(DisposalRecord).where(DisposalRecord.manifest_id.in_(visible.scalar_subquery()))
    if manifest_id is not None:
        query = query.where(DisposalRecord.manifest_id == manifest_id)
    return paginate(session, query.order_by(DisposalRecord.id), page=page, per_page=per_page)


def batch_certificate_pdf(session, *, actor: User, batch_id: int, now: datetime) -> bytes:
    """A PDF saying which records utilized or disposed of the batch, how much, by which method, and what is open."""
    trace = trace_batch(session, actor=actor, batch_id=batch_id)
    font = register_cjk_font()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"利用处置证明 {trace['unit_code']}")
    width, height = A4
    y = height - 25 * mm

    def line(text: str, size: int = 10, gap: float = 6.5) -> None:
        nonlocal y
        if y < 20 * mm:
            pdf.showPage()
            y = height - 20 * mm
        pdf.setFont(font, size)
        pdf.drawString(20 * mm, y, text)
        y -= gap * mm

    line("危险废物利用处置证明", 18, 12)
    line(f"批次识别码：{trace['unit_code']}")
    line(f"废物代码：{trace['waste_code']}    产生量：{trace['quantity_kg']} kg")
    line(f"已利用/处置：{trace['closed_kg']} kg    未闭环：{trace['open_kg']} kg    "
         f"状态：{'已闭环' if trace['closed'] else '未闭环'}", gap=10)
    line("利用/处置记录", 12, 8)
    for d in trace["disposals"]:
        line(f"{d['certificate_number']}  {d['organization']}  方式 {d['method']}  "
             f"{d['disposed_at'].astimezone(CHINA):%Y-%m-%d}  本批次 {d['quantity_kg']} kg")
    if not trace["disposals"]:
        line("（暂无）")
    y -= 4 * mm
    line("转移联单", 12, 8)
    for m in trace["manifests"]:
        line(f"{m['number']}  {m['issuer']} → {m['receiver']}  {m['quantity_kg']} kg  "
             f"接收 {m['accepted_kg']} kg  拒收 {m['rejected_kg']} kg")
    y -= 6 * mm
    line(f"出具时间：{now.astimezone(CHINA):%Y-%m-%d %H:%M}（数据来自 wastechain 联单与处置记录）", 9)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
