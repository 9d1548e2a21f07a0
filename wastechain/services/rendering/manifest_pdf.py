"""The transfer manifest (转移联单) as a printable A4 PDF: QR, parties with credit codes, lines, events and the
signatures so far, with the CJK font embedded (services/rendering/pdf.py) — for the file, a paper fallback and
roadside checks. Headings come in the page's language through a `translate` function (gettext or identity)."""
import io

from reportlab.lib import colors
from sqlalchemy import select
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from wastechain.domain.states import STATUS_NAMES, STEP_NAMES, Step
from wastechain.domain.streams import STREAM_NAMES
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA
from wastechain.domain.vocabulary import ROLE_NAMES
from wastechain.models import User, Vehicle
from wastechain.services import access
from wastechain.services.manifests.issue import place_names
from wastechain.services.rendering import qr
from wastechain.services.rendering.pdf import register_cjk_font

# Who signs which step of the paper form: the issuer issues, the carrier picks up and delivers, the receiver
# weighs in and records the treatment.
SIGNERS = ((N_("产生单位"), (Step.ISSUE,)), (N_("运输单位"), (Step.PICKUP, Step.DELIVER)),
           (N_("接收单位"), (Step.RECEIVE, Step.DISPOSE)))


def _time(value) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if value else ""


def _kg(value) -> str:
    if value is None:
        return ""
    text = f"{value:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + " kg"


def manifest_pdf(session, *, actor: User, manifest_id: int, qr_data: str, translate=lambda text: text) -> tuple[bytes, str]:
    """The manifest's A4 PDF and its file name, for a party that may see it (404 otherwise)."""
    manifest = access.get_manifest(session, actor, manifest_id)
    _ = translate
    font = register_cjk_font()
    normal = ParagraphStyle("n", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    small = ParagraphStyle("s", parent=normal, fontSize=8, leading=10)
    title = ParagraphStyle("t", parent=normal, fontSize=16, leading=20)
    heading = ParagraphStyle("h", parent=normal, fontSize=11, leading=15, spaceBefore=6, spaceAfter=3)

    def p(text, style=normal):
        return Paragraph(escape(str(text)), style)

    names = place_names(session, [manifest.origin_region_code, manifest.destination_region_code])
    user_ids = {e.actor_id for e in manifest.events} | ({manifest.driver_id} if manifest.driver_id else set())
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
    vehicle = session.get(Vehicle, manifest.vehicle_id) if manifest.vehicle_id else None
    story = []
    qr_image = Image(io.BytesIO(qr.qr_png(qr_data, box_size=4)), width=32 * mm, height=32 * mm)
    head = Table([[[p(_("危险废物 / 固体废物转移联单"), title), Spacer(1, 2 * mm),
                    p(_("联单号：%(number)s") % {"number": manifest.number}, heading),
                    p(_("状态：%(status)s") % {"status": _(STATUS_NAMES[manifest.status])}),
                    p(_("开具时间：%(issued)s　计划提货：%(planned)s") % {
                        "issued": _time(manifest.issued_at), "planned": _time(manifest.planned_pickup_at)}),
                    p(_("扫描二维码查看联单在线记录"), small)], qr_image]],
                 colWidths=[140 * mm, 36 * mm])
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [head, p(_("参与单位"), heading)]
    parties = [
        [p(_("角色")), p(_("单位名称")), p(_("统一社会信用代码")), p(_("场所 / 地区"))],
        [p(_("产生单位")), p(manifest.issuer.name), p(manifest.issuer.credit_code),
         p(f"{manifest.origin_site.name} · {names.get(manifest.origin_region_code, manifest.origin_region_code)}")],
        [p(_("运输单位")), p(manifest.transporter.name), p(manifest.transporter.credit_code),
         p(" · ".join(x for x in ((vehicle.plate if vehicle else ""),
                                  (users[manifest.driver_id].username if manifest.driver_id in users else "")) if x))],
        [p(_("接收单位")), p(manifest.receiver.name), p(manifest.receiver.credit_code),
         p(f"{manifest.receiver_site.name} · "
           f"{names.get(manifest.destination_region_code, manifest.destination_region_code)}")],
    ]
    story.append(_table(parties, [22 * mm, 58 * mm, 42 * mm, 54 * mm]))
    story.append(p(_("废物明细"), heading))
    rows = [[p(_("废物代码")), p(_("名称")), p(_("类别")), p(_("批次编码")), p(_("数量"))]]
    for line in manifest.lines:
        rows.append([p(line.waste_code), p(line.waste.name[:80], small), p(_(STREAM_NAMES[line.waste.stream]), small),
                     p(line.batch.unit_code, small), p(_kg(line.quantity_kg))])
    rows.append([p(_("合计")), "", "", "", p(_kg(manifest.total_kg))])
    story.append(_table(rows, [24 * mm, 56 * mm, 26 * mm, 48 * mm, 22 * mm]))
    story.append(p(_("联单记录"), heading))
    events = [[p(_("步骤")), p(_("时间")), p(_("操作人")), p(_("数量 / 说明")), p(_("记录摘要"))]]
    for event in manifest.events:
        who = users.get(event.actor_id)
        said = _("；").join(x for x in (
            _kg(event.quantity_kg) if event.quantity_kg is not None else "",
            _("接收 %(kg)s") % {"kg": _kg(event.accepted_kg)} if event.accepted_kg is not None else "",
            _("拒收 %(kg)s") % {"kg": _kg(event.rejected_kg)} if event.rejected_kg else "",
            event.method or "", event.reason or "") if x)
        events.append([p(_(STEP_NAMES[event.type])), p(_time(event.occurred_at)),
                       p(_("%(who)s（%(role)s）") % {"who": who.shown_name if who else "",
                                                     "role": _(ROLE_NAMES.get(event.actor_role, event.actor_role))},
                         small),
                       p(said, small), p(event.hash[:16], small)])
    story.append(_table(events, [24 * mm, 30 * mm, 40 * mm, 52 * mm, 30 * mm]))
    story.append(p(_("签章（电子记录，截至打印时）"), heading))
    signatures = [[p(_("单位")), p(_("签署")), p(_("手写签字 / 盖章"))]]
    by_type = {}
    for event in manifest.events:
        by_type.setdefault(event.type, event)
    for label, steps in SIGNERS:
        signed = [_("%(step)s：%(who)s %(at)s") % {
            "step": _(STEP_NAMES[s]), "at": _time(by_type[s].occurred_at),
            "who": users[by_type[s].actor_id].shown_name if by_type[s].actor_id in users else ""}
            for s in steps if s in by_type]
        text = "<br/>".join(escape(line) for line in signed) if signed else escape(_("待签"))
        signatures.append([p(_(label)), Paragraph(text, small), ""])
    story.append(_table(signatures, [30 * mm, 90 * mm, 56 * mm], row_heights=[None] + [16 * mm] * len(SIGNERS)))
    story.append(Spacer(1, 3 * mm))
    story.append(p(_("本联单由 wastechain 依据电子记录生成；每一步记录均带哈希链，可在线核验。"), small))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=17 * mm, rightMargin=17 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=f"{_('转移联单')} {manifest.number}", author="wastechain")
    doc.build(story)
    return out.getvalue(), f"manifest-{manifest.number}.pdf"


def _table(rows, widths, row_heights=None) -> Table:
    table = Table(rows, colWidths=widths, rowHeights=row_heights, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table
