"""The regulators' console pages of figures: 驾驶舱 (dashboard), 考核 (county assessment) and 处置能力匹配 (capacity)."""
from datetime import date, timedelta

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from wastechain.domain.anomalies import SEVERITY_NAMES
from wastechain.domain.streams import STREAM_NAMES
from wastechain.domain.text import N_
from wastechain.domain.timeutil import local_date
from wastechain.domain.vocabulary import AUTHORITY_ROLES, Severity
from wastechain.services import catalog
from wastechain.services.statistics import assessment, capacity
from wastechain.services.statistics.dashboard import dashboard
from wastechain.web.common import actor, cn_time, db, now, roles_required, settings

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
LONGEST_PERIOD_DAYS = 366 * 5
TREND_LABELS = {"produced_kg": N_("产生量(kg)"), "transferred_kg": N_("转移量(kg)"), "disposed_kg": N_("利用处置量(kg)"),
                "manifests_issued": N_("开具联单数")}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def presets(today: date) -> list[tuple[str, date, date]]:
    """The quick periods: today, this month, last month, this year."""
    last_month_end = _month_start(today) - timedelta(days=1)
    return [(N_("今日"), today, today), (N_("本月"), _month_start(today), today),
            (N_("上月"), _month_start(last_month_end), last_month_end), (N_("本年"), today.replace(month=1, day=1), today)]


def period(today: date) -> tuple[date, date, str | None]:
    """The page's period from ?from=&to= (default: this month up to today); a bad one falls back with a message."""
    raw_from, raw_to = request.args.get("from"), request.args.get("to")
    if not raw_from and not raw_to:
        return _month_start(today), today, None
    try:
        first = date.fromisoformat(raw_from or raw_to)
        last = date.fromisoformat(raw_to or raw_from)
    except ValueError:
        return _month_start(today), today, _("日期格式应为 YYYY-MM-DD")
    if first > last:
        return _month_start(today), today, _("起始日期不能晚于结束日期")
    if (last - first).days > LONGEST_PERIOD_DAYS:
        return _month_start(today), today, _("期间最长 5 年")
    return first, last, None


def _region_label() -> str:
    user = actor()
    if not user.region_code:
        return _("全部辖区")
    return catalog.region_names(db(), [user.region_code]).get(user.region_code, user.region_code)


@bp.get("/")
@roles_required(*AUTHORITY_ROLES)
def index():
    today = local_date(now())
    first, last, error = period(today)
    data = dashboard(db(), actor=actor(), date_from=first, date_to=last, today=today,
                     receipt_working_days=settings().thresholds.receipt_overdue_working_days)
    trend = {"labels": data["trend"]["labels"],
             "series": [{"key": key, "name": _(label), "values": data["trend"]["series"][key]}
                        for key, label in TREND_LABELS.items()]}
    sankey = [{"stream": stream, "name": _(STREAM_NAMES.get(stream, stream)), **chart}
              for stream, chart in data["sankey"].items()]
    for chart in sankey:
        chart["links"] = [{k: v for k, v in link.items() if k in ("source", "target", "value")} for link in chart["links"]]
    severities = [{"name": _(SEVERITY_NAMES[s]), "value": data["anomalies"][s.value], "key": s.value} for s in Severity]
    return render_template("dashboard/index.html", data=data, first=first, last=last, error=error,
                           presets=presets(today), region=_region_label(), trend=trend, sankey=sankey,
                           severities=severities, stream_names=STREAM_NAMES)


@bp.app_template_filter("percent")
def percent(value) -> str:
    """0.9523 → 95.2 %; no base → —."""
    return "—" if value is None else f"{value * 100:.1f} %"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WARNINGS = {"no_receiver": N_("市内没有持证接收单位"), "near_capacity": N_("产生量已超过处置能力的预警比例")}


def _month(today: date) -> tuple[date, str | None]:
    """?month=YYYY-MM (default: last month, the one to assess)."""
    default = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    raw = request.args.get("month")
    if not raw:
        return default, None
    try:
        return date.fromisoformat(raw + "-01"), None
    except ValueError:
        return default, _("月份格式应为 YYYY-MM")


def _assessment_data():
    today = local_date(now())
    month, error = _month(today)
    data = assessment.county_assessment(db(), actor=actor(), month=month, today=today,
                                        indicators=settings().assessment,
                                        receipt_working_days=settings().thresholds.receipt_overdue_working_days)
    return data, error


def _indicator_label(indicator) -> str:
    sign = "≤" if indicator.at_most else "≥"
    return _("%(name)s（目标 %(sign)s %(target)s，权重 %(weight)s）", name=_(indicator.name), sign=sign,
             target=percent(indicator.target), weight=indicator.weight)


def _assessment_header(data) -> list[str]:
    header = [_("排名"), _("区县"), _("产生量(kg)"), _("转移量(kg)"), _("利用处置量(kg)")]
    for indicator in data["indicators"]:
        header += [_("%(name)s(%%)", name=_(indicator.name)), _("%(name)s得分", name=_(indicator.name))]
    return header + [_("总分")]


def _assessment_title(data) -> str:
    month = data["month"].strftime("%Y-%m")
    return _("%(region)s %(month)s 考核", region=_region_label(), month=month)


@bp.get("/assessment")
@roles_required(*AUTHORITY_ROLES)
def assessment_page():
    data, error = _assessment_data()
    return render_template("dashboard/assessment.html", data=data, error=error, title=_assessment_title(data),
                           labels=[_indicator_label(i) for i in data["indicators"]],
                           month=f"{data['month']:%Y-%m}")


@bp.get("/assessment.xlsx")
@roles_required(*AUTHORITY_ROLES)
def assessment_xlsx():
    data, _error = _assessment_data()
    body = assessment.assessment_xlsx(data, header=_assessment_header(data), title=_assessment_title(data),
                                      sheet_title=_("考核"))
    name = f"assessment-{data['month']:%Y-%m}.xlsx"
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/assessment.pdf")
@roles_required(*AUTHORITY_ROLES)
def assessment_pdf():
    data, _error = _assessment_data()
    notes = [_("评分办法：指标达到目标得满分；未达到按完成比例得分；无统计基数的指标得满分。")]
    notes += [_indicator_label(i) for i in data["indicators"]]
    notes.append(_("生成时间：%(time)s", time=cn_time(now())))
    body = assessment.assessment_pdf(data, header=_assessment_header(data), title=_assessment_title(data),
                                     notes=notes)
    name = f"assessment-{data['month']:%Y-%m}.pdf"
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@bp.get("/capacity")
@roles_required(*AUTHORITY_ROLES)
def capacity_page():
    data = capacity.capacity_matching(db(), actor=actor(), today=local_date(now()),
                                      warning_share=settings().capacity_warning_share)
    return render_template("dashboard/capacity.html", data=data, region=_region_label(), warnings=WARNINGS,
                           stream_names=STREAM_NAMES)
