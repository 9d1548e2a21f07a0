"""The regulators' anomaly report: the day's anomalies of the jurisdiction, evidence, lifecycle, counts, export."""
from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from wastechain.domain.anomalies import CATALOG, SEVERITIES, STATUSES
from wastechain.domain.states import STATUS_NAMES, STEP_NAMES
from wastechain.domain.timeutil import CHINA, local_date
from wastechain.domain.vocabulary import AUTHORITY_ROLES, AnomalyStatus, Role, Severity
from wastechain.services import catalog
from wastechain.services.anomalies import lifecycle
from wastechain.services.rendering import tables
from wastechain.web.common import actor, attempt, db, now, roles_required

bp = Blueprint("regulator", __name__, url_prefix="/regulator")

VIEWERS = tuple(r.value for r in Role if r != Role.DRIVER)
PER_PAGE = 50
EXPORT_LIMIT = 100_000
SEVERITY_NAMES = {Severity.CRITICAL: "严重", Severity.HIGH: "高", Severity.MEDIUM: "中", Severity.LOW: "低"}
STATUS_LABELS = {AnomalyStatus.OPEN: "待处理", AnomalyStatus.ACKNOWLEDGED: "已确认", AnomalyStatus.RESOLVED: "已处理"}


def _filters() -> dict:
    """The report's filters from the query string; no date given means yesterday (the morning report)."""
    args = request.args
    raw_date = args.get("date")
    try:
        day = (local_date(now()) - timedelta(days=1)) if raw_date is None else (
            date.fromisoformat(raw_date) if raw_date else None)
    except ValueError:
        abort(400)
    code = args.get("code") or None
    severity = args.get("severity") or None
    status = args.get("status") or None
    county = args.get("county") or None
    if (code and code not in CATALOG) or (severity and severity not in SEVERITIES) or \
            (status and status not in STATUSES) or (county and not (county.isdigit() and len(county) == 6)):
        abort(400)
    return {"day": day, "code": code, "severity": severity, "status": status, "region": county}


# Evidence keys as a regulator reads them (unknown keys are shown as they are).
EVIDENCE_LABELS = {
    "unit_code": "批次识别码", "waste_code": "废物代码", "stream": "废物类别", "generated_at": "产生时间",
    "deadline": "期限", "limit_hours": "时限（小时）", "limit_days": "时限（天）", "status": "状态",
    "organization": "单位", "site": "场所", "step": "环节", "scanned_at": "扫码时间", "scan_lat": "扫码纬度",
    "scan_lon": "扫码经度", "site_lat": "场所纬度", "site_lon": "场所经度", "distance_m": "距离（米）",
    "tolerance_m": "允许偏差（米）", "distance_km": "运输距离（公里）", "threshold_km": "距离上限（公里）",
    "picked_up_at": "提货时间", "delivered_at": "送达时间", "received_at": "接收时间", "closed_at": "闭环时间",
    "pickup_kg": "提货量（kg）", "received_kg": "过磅量（kg）", "accepted_kg": "接收量（kg）",
    "difference_kg": "差值（kg）", "difference_pct": "差异（%）", "tolerance_pct": "允许偏差（%）",
    "hours_in_transit": "在途时长（小时）", "hours_in_transit_at_day_end": "当日结束时在途（小时）",
    "threshold_hours": "时限（小时）", "threshold_days": "时限（天）", "threshold_working_days": "时限（工作日）",
    "event_id": "事件编号", "permit": "许可证", "permits": "许可证", "annual_capacity_kg": "年经营规模（kg）",
    "accepted_this_year_kg": "本年已接收（kg）", "excess_kg": "超出（kg）", "open_kg": "未处置（kg）",
    "disposed_kg": "已处置（kg）", "origin_region": "起运地", "destination_region": "目的地",
    "origin_site": "起运场所", "destination_site": "目的场所", "receiver": "接收单位", "transporter": "运输单位",
    "vehicle": "车辆", "load_kg": "装载量（kg）", "max_load_kg": "核定载重（kg）", "approval_id": "审批编号",
    "payee_id": "收款单位", "payer_id": "付款单位", "amount_yuan": "金额（元）", "paid_at": "付款时间",
    "days_since_close": "闭环后天数", "period": "申报期", "due": "截止日期", "produced_kg": "产生量（kg）",
    "shipped_kg": "转移量（kg）", "year": "年度", "broken_at_seq": "断裂位置", "sealed_day": "封存日期",
    "sealed_events": "封存事件数", "events_now": "现有事件数", "sealed_root": "封存根哈希", "root_now": "现根哈希",
    "signature_ok": "签名有效", "hash_chain_ok": "哈希链完整", "prev_day": "上一封存日", "prev_root": "上一日根哈希",
    "expected_prev_day": "应链接的封存日", "next_sealed_day": "下一封存日", "kind": "类别", "reason": "原因",
    "driver_user_id": "驾驶员账号编号", "manifest_status": "联单状态", "last_event_status": "末事件状态",
    "events": "事件数",
}


@bp.get("/")
@roles_required(*VIEWERS)
def index():
    return redirect(url_for("regulator.report"))


@bp.get("/anomalies")
@roles_required(*VIEWERS)
def report():
    """异常日报: filters, counts by county and type, one page of anomalies."""
    filters = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    totals = lifecycle.counts(db(), actor=actor(), **filters)
    found = lifecycle.list_anomalies(db(), actor=actor(), page=page, per_page=PER_PAGE, **filters)
    rows = found.items
    names = catalog.region_names(db(), list(totals["by_region"]) + [a.region_code for a in rows])
    pages = found.pages
    export_args = {k: v for k, v in request.args.items() if k != "page"}
    if "date" not in export_args:
        export_args["date"] = filters["day"].isoformat() if filters["day"] else ""
    return render_template("regulator/report.html", rows=rows, totals=totals, filters=filters, page=page,
                           pages=pages, catalog=CATALOG, severities=SEVERITY_NAMES, statuses=STATUS_LABELS,
                           counties=catalog.counties_of(db(), actor()), region_names=names,
                           export_args=export_args)


@bp.get("/anomalies/<int:anomaly_id>")
@roles_required(*VIEWERS)
def detail(anomaly_id: int):
    """One anomaly: its evidence, the manifest's timeline, its history, and what the user may do."""
    user = actor()
    anomaly = lifecycle.get_anomaly(db(), actor=user, anomaly_id=anomaly_id)
    events = lifecycle.manifest_events(db(), anomaly)
    evidence = {EVIDENCE_LABELS.get(k, k): v for k, v in anomaly.evidence.items() if k not in ("manifest", "rule")}
    return render_template("regulator/detail.html", anomaly=anomaly, type=CATALOG[anomaly.code], events=events,
                           evidence=evidence, manifest=anomaly.evidence.get("manifest"),
                           history=lifecycle.history(db(), anomaly), step_names=STEP_NAMES,
                           status_names=STATUS_NAMES, severities=SEVERITY_NAMES, statuses=STATUS_LABELS,
                           region_names=catalog.region_names(db(), [anomaly.region_code, anomaly.related_region_code]),
                           moves=lifecycle.allowed_moves(user, anomaly))


@bp.post("/anomalies/<int:anomaly_id>/status")
@roles_required(*AUTHORITY_ROLES)
def change_status(anomaly_id: int):
    return _act(anomaly_id, "已更新异常状态", lifecycle.change_status, status=request.form.get("status", ""),
                note=request.form.get("note", ""))


@bp.post("/anomalies/<int:anomaly_id>/notes")
@roles_required(*VIEWERS)
def add_note(anomaly_id: int):
    return _act(anomaly_id, "说明已提交", lifecycle.add_note, note=request.form.get("note", ""))


def _act(anomaly_id: int, done: str, service, **fields):
    """Runs one anomaly service from a form; a refusal becomes a message on the anomaly's page."""
    def act():
        service(db(), actor=actor(), anomaly_id=anomaly_id, now=now(), **fields)
        flash(done, "info")

    attempt(act, on_refusal=lambda error: flash(error.message, "error"))
    return redirect(url_for("regulator.detail", anomaly_id=anomaly_id))


# ---------------------------------------------------------------- export

HEADER = ["编号", "日期", "类型代码", "类型", "严重程度", "状态", "区县", "对象", "联单号", "规则", "证据", "发现时间"]


def _export_rows():
    rows = lifecycle.export_anomalies(db(), actor=actor(), limit=EXPORT_LIMIT, **_filters())
    names = catalog.region_names(db(), (a.region_code for a in rows))
    for a in rows:
        manifest = a.evidence.get("manifest") or {}
        evidence = "; ".join(f"{EVIDENCE_LABELS.get(k, k)}={v}" for k, v in a.evidence.items()
                             if k not in ("manifest", "rule"))
        yield [a.id, a.day.isoformat(), a.code, CATALOG[a.code].name, SEVERITY_NAMES.get(a.severity, a.severity),
               STATUS_LABELS.get(a.status, a.status), f"{a.region_code} {names.get(a.region_code, '')}".strip(),
               a.subject_label, manifest.get("number", ""), a.evidence.get("rule", ""), evidence,
               a.detected_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")]


def _filename(ext: str) -> str:
    day = request.args.get("date") or "all"
    return f"anomalies-{day}.{ext}"


@bp.get("/anomalies.csv")
@roles_required(*VIEWERS)
def export_csv():
    return Response(tables.to_csv(HEADER, _export_rows()), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={_filename('csv')}"})


@bp.get("/anomalies.xlsx")
@roles_required(*VIEWERS)
def export_xlsx():
    return Response(tables.to_xlsx(HEADER, _export_rows(), sheet_title="异常"),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={_filename('xlsx')}"})
