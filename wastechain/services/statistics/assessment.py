"""考核: each county's month against the configured targets and weights (domain/assessment.py), ranked; as a table,
an XLSX sheet and a printable PDF."""
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from wastechain.domain.assessment import DEFAULT_INDICATORS, Indicator, indicator_score, rate
from wastechain.domain.regions import level_of
from wastechain.domain.vocabulary import AnomalyStatus
from wastechain.models import Anomaly, User
from wastechain.services import access, catalog
from wastechain.services.rendering import tables
from wastechain.services.rendering.pdf import register_cjk_font
from wastechain.services.statistics.dashboard import county_figures
from wastechain.services.statistics.rollups import Figures
from wastechain.services.statistics.scope import region_clause, require_viewer


@dataclass
class CountyResult:
    region_code: str
    name: str
    figures: Figures
    actual: dict[str, Decimal | None]
    points: dict[str, Decimal]
    score: Decimal
    rank: int = 0


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _counties(session, actor: User, present) -> list[str]:
    """The counties assessed: the regulator's county, its city's counties, or (admin) every county with figures."""
    if access.is_regulator(actor) and actor.region_code:
        if level_of(actor.region_code) == "county":
            return [actor.region_code]
        return [r.code for r in catalog.counties_of(session, actor)]
    return sorted(code for code in present if level_of(code) == "county")


def _anomalies(session, actor: User, first: date, last: date) -> dict[str, list[int]]:
    """Per county: [anomalies found in the month, of which resolved]."""
    out = defaultdict(lambda: [0, 0])
    for region, status, n in session.execute(
            select(Anomaly.region_code, Anomaly.status, func.count())
            .where(Anomaly.day >= first, Anomaly.day <= last, region_clause(Anomaly.region_code, actor))
            .group_by(Anomaly.region_code, Anomaly.status)):
        out[region][0] += n
        if status == AnomalyStatus.RESOLVED:
            out[region][1] += n
    return out


def county_assessment(session, *, actor: User, month: date, today: date,
                      indicators: tuple[Indicator, ...] = DEFAULT_INDICATORS, receipt_working_days: int = 5) -> dict:
    """The month's ranked table of the jurisdiction's counties."""
    require_viewer(actor)
    first, last = month_bounds(month)
    figures = county_figures(session, actor=actor, date_from=first, date_to=min(last, today), today=today,
                             receipt_working_days=receipt_working_days) if first <= today else {}
    anomalies = _anomalies(session, actor, first, last)
    codes = _counties(session, actor, set(figures) | set(anomalies))
    names = catalog.region_names(session, codes)
    results = []
    for code in codes:
        f = figures.get(code, Figures())
        found, resolved = anomalies.get(code, (0, 0))
        actual = {"closed_loop_rate": rate(f.manifests_closed, f.manifests_picked_up),
                  "on_time_receipt_rate": rate(f.receipts_on_time, f.deliveries),
                  "anomalies_resolved_rate": rate(resolved, found),
                  "approval_share": rate(f.approval_kg, f.transferred_kg)}
        points = {i.key: indicator_score(i, actual[i.key]) for i in indicators}
        results.append(CountyResult(code, names.get(code, code), f, actual, points, sum(points.values(), Decimal(0))))
    results.sort(key=lambda r: (-r.score, r.region_code))
    for i, result in enumerate(results):
        tied = i and results[i - 1].score == result.score
        result.rank = results[i - 1].rank if tied else i + 1
    return {"month": first, "first": first, "last": last, "indicators": indicators, "counties": results}


def _percent(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value * 100).quantize(Decimal("0.1"))


def assessment_rows(data: dict) -> list[list]:
    """One row per county: rank, county, kg figures, each indicator's actual (%) and points, the score."""
    rows = []
    for r in data["counties"]:
        row = [r.rank, r.name, r.figures.produced_kg, r.figures.transferred_kg, r.figures.disposed_kg]
        for indicator in data["indicators"]:
            row += [_percent(r.actual[indicator.key]), r.points[indicator.key]]
        rows.append(row + [r.score])
    return rows


def assessment_xlsx(data: dict, *, header: list[str], title: str, sheet_title: str) -> bytes:
    return tables.to_xlsx(header, assessment_rows(data), sheet_title=sheet_title, title=title)


def assessment_pdf(data: dict, *, header: list[str], title: str, notes: list[str]) -> bytes:
    """A4 landscape: the title, the ranked table, and how the score is counted; the CJK font embedded."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = register_cjk_font()
    heading = ParagraphStyle("h", fontName=font, fontSize=15, leading=20)
    body = ParagraphStyle("b", fontName=font, fontSize=8, leading=10)
    cell = ParagraphStyle("c", fontName=font, fontSize=7.5, leading=9)

    def text(value) -> Paragraph:
        if isinstance(value, Decimal):
            value = f"{value.normalize():f}"  # 100.000 kg → 100
        return Paragraph(text_escape("—" if value is None else str(value)), cell)

    rows = [[text(h) for h in header]] + [[text(v) for v in row] for row in assessment_rows(data)]
    table = Table(rows, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f3ec")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=10 * mm, rightMargin=10 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=title)
    doc.build([Paragraph(text_escape(title), heading), Spacer(1, 4 * mm), table, Spacer(1, 4 * mm),
               *[Paragraph(text_escape(n), body) for n in notes]])
    return out.getvalue()


def text_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
