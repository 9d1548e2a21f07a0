"""Utilization/disposal records (利用/处置) and the certificate (利用处置证明) that proves them.

A certificate is a document: the parties with their 统一社会信用代码, a table of the manifests and one of the
treatment records (method by code and name), the totals, a QR that opens the record online for anyone checking the
paper (a signed token: it names one manifest and cannot be guessed), and a signature block. One per manifest
(`manifest_certificate_pdf`, for the receiver and the producer's manifest page) and one per batch for its
producer (`batch_certificate_pdf`, every record that treated part of the batch through any collector).
"""
import io
from datetime import datetime
from decimal import Decimal

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy import select

from wastechain.domain.errors import InvalidQR
from wastechain.domain.methods import method_name
from wastechain.domain.qrtoken import make_token, read_token
from wastechain.domain.states import STATUS_NAMES
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA
from wastechain.models import Batch, DisposalRecord, Manifest, Organization, User
from wastechain.services import access
from wastechain.services.common import Page, paginate
from wastechain.services.lineage.trace import trace_batch
from wastechain.services.rendering.pdf import register_cjk_font

MARGIN = 16 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN


def list_disposals(session, *, actor: User, manifest_id: int | None = None, page: int = 1,
                   per_page: int = 50) -> Page[DisposalRecord]:
    """The records of manifests the actor may see (receiver, issuer, transporter, regulators)."""
    visible = access.visible_manifests(actor).with_only_columns(Manifest.id)
    query = select(DisposalRecord).where(DisposalRecord.manifest_id.in_(visible.scalar_subquery()))
    if manifest_id is not None:
        query = query.where(DisposalRecord.manifest_id == manifest_id)
    return paginate(session, query.order_by(DisposalRecord.id), page=page, per_page=per_page)


def _party(org: Organization | None) -> dict:
    return {"name": org.name, "credit_code": org.credit_code} if org is not None else {"name": "", "credit_code": ""}


def _record(d: DisposalRecord, quantity_kg: Decimal | None = None, organization: str | None = None) -> dict:
    return {"certificate_number": d.certificate_number, "manifest_id": d.manifest_id, "method": d.method,
            "method_name": method_name(d.method), "disposed_at": d.disposed_at,
            "organization": organization if organization is not None else d.organization.name,
            "site": d.site.name if d.site else "", "quantity_kg": d.quantity_kg if quantity_kg is None else quantity_kg}


def _manifest_certificate(session, manifest: Manifest) -> dict:
    records = list(session.scalars(select(DisposalRecord).where(DisposalRecord.manifest_id == manifest.id)
                                   .order_by(DisposalRecord.id)))
    accepted = manifest.accepted_kg or Decimal(0)
    permits = sorted(p.number for p in manifest.receiver.permits if p.kind == "hw_operation")
    return {
        "manifest_id": manifest.id, "number": manifest.number, "status": manifest.status,
        "status_name": STATUS_NAMES[manifest.status],
        "issuer": _party(manifest.issuer), "receiver": {**_party(manifest.receiver), "permits": permits},
        "transporter": _party(manifest.transporter), "receiver_site": manifest.receiver_site.name,
        "lines": [{"waste_code": line.waste_code, "waste_name": line.waste.name if line.waste else "",
                   "quantity_kg": line.quantity_kg} for line in manifest.lines],
        "manifests": [{"number": manifest.number, "issuer": manifest.issuer.name, "receiver": manifest.receiver.name,
                       "shipped_kg": manifest.total_kg, "pickup_kg": manifest.pickup_kg,
                       "accepted_kg": manifest.accepted_kg, "rejected_kg": manifest.rejected_kg}],
        "records": [_record(d) for d in records],
        "accepted_kg": accepted, "disposed_kg": manifest.disposed_kg,
        "open_kg": max(accepted - manifest.disposed_kg, Decimal(0)),
        "closed": bool(records) and manifest.disposed_kg >= accepted,
    }


def manifest_certificate(session, *, actor: User, manifest_id: int) -> dict:
    """The certificate of one manifest as data (what the page and the PDF show), for a user who may see it."""
    return _manifest_certificate(session, access.get_manifest(session, actor, manifest_id))


def verify_certificate(session, *, secret: str, token: str) -> dict:
    """What the certificate's QR opens, for anyone holding the paper: the record as it is in the system now."""
    subject = read_token(secret, token)
    manifest = session.get(Manifest, subject.id) if subject.kind == "manifest" else None
    if manifest is None:
        raise InvalidQR(N_("二维码指向的记录不存在"))
    return _manifest_certificate(session, manifest)


def verification_url(base_url: str, secret: str, manifest_id: int) -> str:
    return f"{base_url}/certificates/verify/{make_token(secret, 'manifest', manifest_id)}"


def manifest_certificate_pdf(session, *, actor: User, manifest_id: int, now: datetime, base_url: str,
                             secret: str) -> bytes:
    """The 利用处置证明 of one manifest as an A4 PDF."""
    data = manifest_certificate(session, actor=actor, manifest_id=manifest_id)
    parties = [("产生单位", data["issuer"]), ("运输单位", data["transporter"]), ("利用处置单位", data["receiver"])]
    facts = [f"转移联单编号：{data['number']}    联单状态：{data['status_name']}",
             f"利用处置场所：{data['receiver_site']}"
             + (f"    危险废物经营许可证：{'、'.join(data['receiver']['permits'])}" if data["receiver"]["permits"] else ""),
             "废物：" + "；".join(f"{line['waste_code']} {line['waste_name']} {_kg(line['quantity_kg'])} kg"
                                for line in data["lines"])]
    return _certificate_pdf(
        title=f"利用处置证明 {data['number']}", subtitle=f"证明编号 WC-{data['number']}", parties=parties,
        facts=facts, manifests=data["manifests"], records=data["records"],
        totals=(data["accepted_kg"], data["disposed_kg"], data["open_kg"], data["closed"]),
        verify=verification_url(base_url, secret, data["manifest_id"]), now=now)


def batch_certificate_pdf(session, *, actor: User, batch_id: int, now: datetime, base_url: str = "",
                          secret: str = "") -> bytes:
    """The producer's certificate for a batch: which records utilized or disposed of it, how much, by which method,
    and what is still open."""
    trace = trace_batch(session, actor=actor, batch_id=batch_id)
    batch = session.get(Batch, batch_id)
    producer = session.get(Organization, batch.organization_id) if batch is not None else None
    receivers = {m["receiver_id"]: m["receiver"] for m in trace["manifests"] if m.get("receiver_id")}
    parties = [("产生单位", _party(producer))] + [
        ("利用处置单位", _party(session.get(Organization, org_id))) for org_id in sorted(receivers)]
    manifests = [{"number": m["number"], "issuer": m["issuer"], "receiver": m["receiver"],
                  "shipped_kg": m["quantity_kg"], "pickup_kg": None, "accepted_kg": m.get("accepted_kg"),
                  "rejected_kg": m.get("rejected_kg")} for m in trace["manifests"]]
    records = [{"certificate_number": d["certificate_number"], "method": d["method"],
                "method_name": method_name(d["method"]), "disposed_at": d["disposed_at"],
                "organization": d["organization"], "site": "", "quantity_kg": d["quantity_kg"]}
               for d in trace["disposals"]]
    facts = [f"批次识别码：{trace['unit_code']}    废物代码：{trace['waste_code']}    产生量：{_kg(trace['quantity_kg'])} kg"]
    first = trace["manifests"][0]["manifest_id"] if trace["manifests"] else None
    verify = verification_url(base_url, secret, first) if (first and secret) else ""
    return _certificate_pdf(
        title=f"利用处置证明 {trace['unit_code']}", subtitle=f"批次 {trace['unit_code']}", parties=parties,
        facts=facts, manifests=manifests, records=records,
        totals=(trace["quantity_kg"], trace["closed_kg"], trace["open_kg"], trace["closed"]), verify=verify, now=now)


# ---------------------------------------------------------------- the document


def _kg(value) -> str:
    if value is None:
        return "—"
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    return {"base": base,
            "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, alignment=TA_CENTER),
            "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=9, alignment=TA_CENTER,
                                       textColor=colors.HexColor("#555555")),
            "h2": ParagraphStyle("h2", parent=base, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4),
            "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
            "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11,
                                    textColor=colors.HexColor("#444444"))}


def _esc(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(header: list[str], rows: list[list], fractions: list[float], styles: dict,
           row_heights: list | None = None) -> Table:
    """A table exactly as wide as the frame: every cell a Paragraph, so long names wrap instead of overflowing."""
    cell = styles["cell"]
    body = [[Paragraph(_esc(h), cell) for h in header]] + [[Paragraph(_esc(v), cell) for v in row] for row in rows]
    table = Table(body, colWidths=[FRAME_WIDTH * f for f in fractions], repeatRows=1, rowHeights=row_heights)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#888888")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _qr(url: str, size: float) -> Drawing:
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def _certificate_pdf(*, title: str, subtitle: str, parties: list[tuple[str, dict]], facts: list[str],
                     manifests: list[dict], records: list[dict], totals: tuple, verify: str,
                     now: datetime) -> bytes:
    font = register_cjk_font()
    st = _styles(font)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=14 * mm,
                            bottomMargin=16 * mm, title=title, author="wastechain")
    story = [Paragraph("危险废物利用处置证明", st["title"]),
             Paragraph("Certificate of Utilization / Disposal of Hazardous Waste", st["subtitle"]), Paragraph(_esc(subtitle), st["subtitle"]),
             Spacer(1, 4 * mm)]
    story.append(Paragraph("一、当事单位 Parties", st["h2"]))
    story.append(_table(["角色", "单位名称", "统一社会信用代码"],
                        [[role, p["name"], p["credit_code"]] for role, p in parties], [0.18, 0.52, 0.30], st))
    story.append(Spacer(1, 2 * mm))
    story.extend(Paragraph(_esc(f), st["base"]) for f in facts)
    story.append(Paragraph("二、转移联单 Transfer manifests", st["h2"]))
    story.append(_table(["联单编号", "产生/移出单位", "接收单位", "联单量(kg)", "接收(kg)", "拒收(kg)"],
                        [[m["number"], m["issuer"], m["receiver"], _kg(m["shipped_kg"]), _kg(m["accepted_kg"]),
                          _kg(m["rejected_kg"])] for m in manifests] or [["（暂无）", "", "", "", "", ""]],
                        [0.17, 0.22, 0.22, 0.13, 0.13, 0.13], st))
    story.append(Paragraph("三、利用/处置记录 Treatment records", st["h2"]))
    story.append(_table(["记录编号", "方式", "利用处置单位", "日期", "数量(kg)"],
                        [[r["certificate_number"], f"{r['method']} {r['method_name']}", r["organization"],
                          f"{r['disposed_at'].astimezone(CHINA):%Y-%m-%d}", _kg(r["quantity_kg"])]
                         for r in records] or [["（暂无）", "", "", "", ""]],
                        [0.22, 0.30, 0.24, 0.12, 0.12], st))
    total, done, left, closed = totals
    story.append(Spacer(1, 3 * mm))
    story.append(Paragraph(_esc(f"合计：接收 {_kg(total)} kg，已利用/处置 {_kg(done)} kg，未闭环 {_kg(left)} kg；"
                                f"状态：{'已闭环' if closed else '未闭环'}"), st["base"]))
    qr_size = 30 * mm
    verify_text = (f"扫描二维码在线核验本证明（显示系统中的当前记录）：{verify}" if verify
                   else "本证明的在线核验请以联单证明为准。")
    check = Table([[_qr(verify, qr_size) if verify else "", Paragraph(_esc(verify_text), st["small"])]],
                  colWidths=[qr_size + 4 * mm, FRAME_WIDTH - qr_size - 4 * mm])
    check.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    signature = _table(["利用处置单位（盖章）", "经办人（签字）", "日期"], [["", "", ""]],
                       [0.45, 0.30, 0.25], st, row_heights=[None, 24 * mm])
    story.append(KeepTogether([Paragraph("四、核验与签章 Verification and signatures", st["h2"]), check, Spacer(1, 3 * mm), signature]))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(_esc(f"出具时间：{now.astimezone(CHINA):%Y-%m-%d %H:%M}（北京时间）。数据来自 wastechain "
                                f"转移联单与利用处置记录，每一步均有哈希链存证。"), st["small"]))
    doc.build(story)
    return out.getvalue()
