"""The regulators' anomaly work queue (异常工作台): the jurisdiction's open anomalies of any date, filters, bulk
acknowledge, assignment to an officer, evidence in plain words, the day's digest (预警日报) and the header's badge."""
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_babel import gettext as _

from wastechain.domain.anomalies import ANOMALY_STATUS_NAMES, CATALOG, SEVERITIES, SEVERITY_NAMES, STATUSES
from wastechain.domain.states import STATUS_NAMES, STEP_NAMES
from wastechain.domain.streams import STREAM_NAMES
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA, local_date
from wastechain.domain.vocabulary import AUTHORITY_ROLES, AnomalySource, AnomalyStatus, Role
from wastechain.i18n import message_of
from wastechain.services import catalog
from wastechain.services.anomalies import lifecycle
from wastechain.services.rendering import tables
from wastechain.web.plots import gps_plot
from wastechain.web.common import actor, attempt, cn_time, db, kg, now, roles_required, settings

bp = Blueprint("regulator", __name__, url_prefix="/regulator")

VIEWERS = tuple(r.value for r in Role if r != Role.DRIVER)
REGULATORS = tuple(r.value for r in AUTHORITY_ROLES)
PER_PAGE = 50
DIGEST_LIMIT = 200
EXPORT_LIMIT = 100_000
STATUS_LABELS = ANOMALY_STATUS_NAMES
QUERY_KEYS = ("from", "to", "date", "code", "severity", "status", "county", "enterprise", "mine")


def _day(name: str) -> date | None:
    raw = request.args.get(name) or ""
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        abort(400)


def _filters() -> dict:
    """The queue's filters from the query string. Nothing given: every open anomaly, of any date; `status=`
    (全部) every status; `date` one day (the old report's links)."""
    args = request.args
    day = _day("date")
    code = args.get("code") or None
    severity = args.get("severity") or None
    status = args.get("status", AnomalyStatus.OPEN.value) or None
    county = args.get("county") or None
    if (code and code not in CATALOG) or (severity and severity not in SEVERITIES) or \
            (status and status not in STATUSES) or (county and not (county.isdigit() and len(county) == 6)):
        abort(400)
    return {"date_from": day or _day("from"), "date_to": day or _day("to"), "code": code, "severity": severity,
            "status": status, "region": county, "enterprise": (args.get("enterprise") or "").strip()[:100] or None,
            "assignee_id": actor().id if args.get("mine") == "1" else None}


def _query_args() -> dict:
    """The filters as typed, to keep them in the form, the pager and the export links."""
    args = {k: request.args[k] for k in QUERY_KEYS if k in request.args}
    args.setdefault("status", AnomalyStatus.OPEN.value)
    return args


# Evidence keys as a regulator reads them (unknown keys are shown as they are).
EVIDENCE_LABELS = {
    "unit_code": N_("批次识别码"), "waste_code": N_("废物代码"), "stream": N_("废物类别"), "generated_at": N_("产生时间"),
    "deadline": N_("期限"), "limit_hours": N_("时限（小时）"), "limit_days": N_("时限（天）"), "status": N_("状态"),
    "organization": N_("单位"), "site": N_("场所"), "step": N_("环节"), "scanned_at": N_("扫码时间"), "scan_lat": N_("扫码纬度"),
    "scan_lon": N_("扫码经度"), "site_lat": N_("场所纬度"), "site_lon": N_("场所经度"), "distance_m": N_("距离（米）"),
    "tolerance_m": N_("允许偏差（米）"), "distance_km": N_("运输距离（公里）"), "threshold_km": N_("距离上限（公里）"),
    "picked_up_at": N_("提货时间"), "delivered_at": N_("送达时间"), "received_at": N_("接收时间"), "closed_at": N_("闭环时间"),
    "pickup_kg": N_("提货量（kg）"), "received_kg": N_("过磅量（kg）"), "accepted_kg": N_("接收量（kg）"),
    "difference_kg": N_("差值（kg）"), "difference_pct": N_("差异（%）"), "tolerance_pct": N_("允许偏差（%）"),
    "hours_in_transit": N_("在途时长（小时）"), "hours_in_transit_at_day_end": N_("当日结束时在途（小时）"),
    "threshold_hours": N_("时限（小时）"), "threshold_days": N_("时限（天）"), "threshold_working_days": N_("时限（工作日）"),
    "event_id": N_("事件编号"), "permit": N_("许可证"), "permits": N_("许可证"), "annual_capacity_kg": N_("年经营规模（kg）"),
    "accepted_this_year_kg": N_("本年已接收（kg）"), "excess_kg": N_("超出（kg）"), "open_kg": N_("未处置（kg）"),
    "disposed_kg": N_("已处置（kg）"), "origin_region": N_("起运地"), "destination_region": N_("目的地"),
    "origin_site": N_("起运场所"), "destination_site": N_("目的场所"), "receiver": N_("接收单位"), "transporter": N_("运输单位"),
    "vehicle": N_("车辆"), "load_kg": N_("装载量（kg）"), "max_load_kg": N_("核定载重（kg）"), "approval_id": N_("审批编号"),
    "payee_id": N_("收款单位"), "payer_id": N_("付款单位"), "amount_yuan": N_("金额（元）"), "paid_at": N_("付款时间"),
    "days_since_close": N_("闭环后天数"), "period": N_("申报期"), "due": N_("截止日期"), "produced_kg": N_("产生量（kg）"),
    "shipped_kg": N_("转移量（kg）"), "year": N_("年度"), "broken_at_seq": N_("断裂位置"), "sealed_day": N_("封存日期"),
    "sealed_events": N_("封存事件数"), "events_now": N_("现有事件数"), "sealed_root": N_("封存根哈希"), "root_now": N_("现根哈希"),
    "signature_ok": N_("签名有效"), "hash_chain_ok": N_("哈希链完整"), "prev_day": N_("上一封存日"), "prev_root": N_("上一日根哈希"),
    "expected_prev_day": N_("应链接的封存日"), "next_sealed_day": N_("下一封存日"), "kind": N_("类别"), "reason": N_("原因"),
    "driver_user_id": N_("驾驶员"), "manifest_status": N_("联单状态"), "last_event_status": N_("末事件状态"),
    "events": N_("事件数"), "as_of": N_("截至"), "category": N_("废物类别代码"), "categories": N_("废物类别代码"),
    "expected_remaining_kg": N_("应有剩余（kg）"), "ledger_remaining_kg": N_("台账剩余（kg）"),
    "generated_kg": N_("产生量（kg）"), "hazardous_generated_kg": N_("危险废物产生量（kg）"), "payment_id": N_("付款编号"),
    "threshold_kg": N_("限值（kg）"), "vehicle_id": N_("车辆"), "receiver_id": N_("接收单位"),
    "receiver_site": N_("接收场所"), "party": N_("相关单位"), "date": N_("日期"), "manifest_id": N_("联单编号"),
    "number": N_("联单编号"), "total_kg": N_("联单量（kg）"), "region_code": N_("区域"),
    "correction_id": N_("修订编号"), "correction": N_("修订项"), "requested_at": N_("提出时间"), "waiting_for": N_("待确认方"),
    "period_kind": N_("申报类型"), "declared_stored_kg": N_("申报贮存量（kg）"), "ledger_stored_kg": N_("台账库存（kg）"),
    "rejected_kg": N_("拒收量（kg）"), "lines": N_("拒收或不符的行"), "quantity_kg": N_("联单行数量（kg）"),
    "refused_at": N_("拒收时间"), "in_custody_kg": N_("运输单位保管中（kg）"),
    "track_km": N_("轨迹长度（公里）"), "track_points": N_("轨迹点数"), "allowed_region": N_("允许区域"),
    "points_outside": N_("区域外位置点数"), "delivery_scan_outside": N_("送达扫码在区域外"),
    "outside_at": N_("首次出区域时间"), "outside_lat": N_("区域外纬度"), "outside_lon": N_("区域外经度"),
    "leg": N_("运输区段"), "handed_over_at": N_("交接时间"),
    "mac_ok": N_("密钥校验码有效"), "mac_problem": N_("校验码问题"), "mac_key_id": N_("校验码密钥编号"),
}
REGION_KEYS = ("origin_region", "destination_region", "region_code", "related_region_code", "region", "allowed_region")
STATUS_KEYS = ("status", "manifest_status", "last_event_status")
# The kinds a finding's evidence names (CHAIN_BROKEN, DECLARATION_MISSING, PAYMENT_ANOMALY).
EVIDENCE_KINDS = {
    "manifest_chain": N_("联单哈希链断裂"), "manifest_without_events": N_("联单没有任何事件"),
    "day_seal_missing": N_("日封印缺失"), "day_seal_blank": N_("日封印为空"), "day_seal_chain": N_("日封印链断裂"),
    "day_seal_out_of_order": N_("日封印顺序错乱"), "day_seal_signature": N_("日封印签名无效"),
    "annual": N_("年度申报"), "monthly": N_("月度申报"), "paid_to_transporter": N_("付款给运输单位"),
    "no_payment": N_("无付款记录"), "declared_storage": N_("申报贮存量与台账不符"),
    "not_moved_on": N_("拒收的废物逾期未以退运或改运联单运离"),
}
# What is wrong with an event's keyed MAC (CHAIN_BROKEN evidence `mac_problem`, domain/hashing.py).
MAC_PROBLEMS = {"mac_missing": N_("事件缺少密钥校验码"), "mac_invalid": N_("事件密钥校验码不符"),
                "mac_unknown_key": N_("校验码使用了未知的密钥")}
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")
SOURCE_NAMES = {AnomalySource.RUNTIME: N_("运行时发现"), AnomalySource.NIGHTLY: N_("每日对账")}
NOTE_KINDS = {"explanation": N_("企业说明"), "comment": N_("备注")}


def evidence_label(key: str) -> str:
    return _(EVIDENCE_LABELS[key]) if key in EVIDENCE_LABELS else key


def evidence_value(key: str, value, region_names: dict) -> str:
    """An evidence value as a regulator reads it: times in China time, regions, statuses and kinds by name."""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, (list, tuple)):
        return _("、").join(evidence_value(key, v, region_names) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{evidence_label(k)}: {evidence_value(k, v, region_names)}" for k, v in value.items())
    if value is None:
        return "—"
    text = str(value)
    if ISO_TIME.fullmatch(text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return text
        return cn_time(moment if moment.tzinfo else moment.replace(tzinfo=CHINA))
    if key in REGION_KEYS:
        return region_names.get(text, text)
    if key.endswith("_kg"):
        try:
            return kg(Decimal(text))
        except ArithmeticError:
            return text
    names = STATUS_NAMES if key in STATUS_KEYS else {"stream": STREAM_NAMES, "step": STEP_NAMES,
                                                      "kind": EVIDENCE_KINDS, "period_kind": EVIDENCE_KINDS,
                                                      "mac_problem": MAC_PROBLEMS}.get(key)
    if names and text in names:
        return _(names[text])
    return text


def evidence_regions(evidence: dict) -> list[str]:
    """Every region code an anomaly's evidence names (to show them by name)."""
    manifest = evidence.get("manifest") or {}
    return [str(v) for k, v in evidence.items() if k in REGION_KEYS and v] + \
        [manifest.get("origin_region"), manifest.get("destination_region")]


def rule_of(code: str) -> str:
    """The anomaly type's rule in the page's language, with this deployment's threshold values (not their keys)."""
    kind = CATALOG[code]
    return kind.rule_text(settings().thresholds, _(kind.rule))


@bp.get("/anomalies")  # the old report's address
@bp.get("/")
@roles_required(*VIEWERS)
def index():
    """异常工作台: every open anomaly of the jurisdiction, most severe and oldest first; filters, bulk acknowledge."""
    filters = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    user = actor()
    found = lifecycle.list_anomalies(db(), actor=user, page=page, per_page=PER_PAGE, queue=True, **filters)
    names = catalog.region_names(db(), [a.region_code for a in found.items] + [user.region_code or ""])
    return render_template("regulator/queue.html", found=found, filters=filters, args=_query_args(),
                           catalog=CATALOG, severities=SEVERITY_NAMES, statuses=STATUS_LABELS,
                           counties=catalog.counties_of(db(), user), region_names=names,
                           may_decide={a.id for a in found.items if lifecycle.allowed_moves(user, a)})


@bp.get("/report")
@roles_required(*VIEWERS)
def report():
    return redirect(url_for("regulator.index", **request.args))


@bp.get("/digest")
@roles_required(*VIEWERS)
def digest():
    """预警日报: the day's new anomalies of the jurisdiction by severity and type, counts per county, links.

    Read in the morning: without ?date= it shows yesterday (China time), the day the night's reconciliation
    checked; the previous and next days are one link away (no link past today)."""
    today = local_date(now())
    day = _day("date") or today - timedelta(days=1)
    user = actor()
    totals = lifecycle.counts(db(), actor=user, day=day)
    found = lifecycle.list_anomalies(db(), actor=user, day=day, queue=True, per_page=DIGEST_LIMIT)
    names = catalog.region_names(db(), list(totals["by_region"]) + [user.region_code or ""])
    return render_template("regulator/digest.html", day=day, totals=totals, found=found, catalog=CATALOG,
                           severities=SEVERITY_NAMES, statuses=STATUS_LABELS, region_names=names,
                           previous=day - timedelta(days=1),
                           next=day + timedelta(days=1) if day < today else None)


@bp.post("/acknowledge")
@roles_required(*REGULATORS)
def acknowledge():
    """Bulk acknowledge: the ticked anomalies in one transaction, all or none."""
    back = url_for("regulator.index", **{k: v for k, v in request.form.items() if k in QUERY_KEYS})
    try:
        ids = [int(v) for v in request.form.getlist("ids")]
    except ValueError:
        abort(400)

    def act():
        n = lifecycle.acknowledge_many(db(), actor=actor(), anomaly_ids=ids, note=request.form.get("note", ""),
                                       now=now())
        flash(_("已确认 %(n)s 条异常", n=n), "info")

    attempt(act, on_refusal=lambda error: flash(message_of(error), "error"))
    return redirect(back)


def _detail(anomaly_id: int, *, note: str = "", chosen: str = "", status: int = 200):
    """One anomaly: its evidence, the manifest's timeline, its history, and what the user may do."""
    user = actor()
    anomaly = lifecycle.get_anomaly(db(), actor=user, anomaly_id=anomaly_id)
    events = lifecycle.manifest_events(db(), anomaly)
    region_names = catalog.region_names(db(), [anomaly.region_code, anomaly.related_region_code,
                                               *evidence_regions(anomaly.evidence)])
    named = lifecycle.evidence_names(db(), anomaly.evidence)
    evidence = {evidence_label(k): named.get(k) or evidence_value(k, v, region_names)
                for k, v in anomaly.evidence.items() if k not in ("manifest", "rule")}
    return render_template("regulator/detail.html", anomaly=anomaly, type=CATALOG[anomaly.code], events=events,
                           evidence=evidence, manifest=anomaly.evidence.get("manifest"), rule=rule_of(anomaly.code),
                           history=lifecycle.history(db(), anomaly), step_names=STEP_NAMES,
                           status_names=STATUS_NAMES, severities=SEVERITY_NAMES, statuses=STATUS_LABELS,
                           sources=SOURCE_NAMES, note_kinds=NOTE_KINDS, region_names=region_names,
                           moves=lifecycle.allowed_moves(user, anomaly), plot=gps_plot(anomaly.evidence),
                           officers=lifecycle.officers(db(), actor=user, anomaly=anomaly), note=note,
                           chosen=chosen), status


@bp.get("/anomalies/<int:anomaly_id>")
@roles_required(*VIEWERS)
def detail(anomaly_id: int):
    return _detail(anomaly_id)


@bp.post("/anomalies/<int:anomaly_id>/status")
@roles_required(*AUTHORITY_ROLES)
def change_status(anomaly_id: int):
    """Acknowledge or resolve; a refusal (resolving without a note) shows the page again with what was typed."""
    status, note = request.form.get("status", ""), request.form.get("note", "")

    def act():
        lifecycle.change_status(db(), actor=actor(), anomaly_id=anomaly_id, status=status, note=note, now=now())
        flash(_("已更新异常状态"), "info")
        return redirect(url_for("regulator.detail", anomaly_id=anomaly_id))

    def refused(error):
        flash(message_of(error), "error")
        return _detail(anomaly_id, note=note, chosen=status, status=422)

    return attempt(act, on_refusal=refused)


@bp.post("/anomalies/<int:anomaly_id>/assign")
@roles_required(*AUTHORITY_ROLES)
def assign(anomaly_id: int):
    raw = request.form.get("assignee_id", "")
    if raw and not raw.isdigit():
        abort(400)
    return _act(anomaly_id, N_("已指派"), lifecycle.assign, assignee_id=int(raw) if raw else None)


@bp.post("/anomalies/<int:anomaly_id>/notes")
@roles_required(*VIEWERS)
def add_note(anomaly_id: int):
    return _act(anomaly_id, N_("说明已提交"), lifecycle.add_note, note=request.form.get("note", ""))


def _act(anomaly_id: int, done: str, service, **fields):
    """Runs one anomaly service from a form; a refusal becomes a message on the anomaly's page."""
    def act():
        service(db(), actor=actor(), anomaly_id=anomaly_id, now=now(), **fields)
        flash(_(done), "info")

    attempt(act, on_refusal=lambda error: flash(message_of(error), "error"))
    return redirect(url_for("regulator.detail", anomaly_id=anomaly_id))


# ---------------------------------------------------------------- export

HEADER = [N_("编号"), N_("日期"), N_("类型代码"), N_("类型"), N_("严重程度"), N_("状态"), N_("区县"), N_("对象"),
          N_("联单号"), N_("规则"), N_("证据"), N_("发现时间")]


def _header() -> list[str]:
    return [_(name) for name in HEADER]


def _export_rows():
    """The rows of the export in the page's language; the region code stays beside its name for spreadsheets."""
    rows = lifecycle.export_anomalies(db(), actor=actor(), limit=EXPORT_LIMIT, queue=True, **_filters())
    names = catalog.region_names(db(), [code for a in rows for code in (a.region_code, *evidence_regions(a.evidence))])
    rules = {code: rule_of(code) for code in {a.code for a in rows}}
    for a in rows:
        manifest = a.evidence.get("manifest") or {}
        evidence = "; ".join(f"{evidence_label(k)}={evidence_value(k, v, names)}" for k, v in a.evidence.items()
                             if k not in ("manifest", "rule"))
        yield [a.id, a.day.isoformat(), a.code, _(CATALOG[a.code].name), _(SEVERITY_NAMES.get(a.severity, a.severity)),
               _(STATUS_LABELS.get(a.status, a.status)), f"{a.region_code} {names.get(a.region_code, '')}".strip(),
               a.subject_label, manifest.get("number", ""), rules[a.code], evidence,
               a.detected_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")]


def _filename(ext: str) -> str:
    day = request.args.get("date") or local_date(now()).isoformat()
    return f"anomalies-{day}.{ext}"


@bp.get("/anomalies.csv")
@roles_required(*VIEWERS)
def export_csv():
    return Response(tables.to_csv(_header(), _export_rows()), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={_filename('csv')}"})


@bp.get("/anomalies.xlsx")
@roles_required(*VIEWERS)
def export_xlsx():
    return Response(tables.to_xlsx(_header(), _export_rows(), sheet_title=_("异常")),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={_filename('xlsx')}"})


# ---------------------------------------------------------------- the header's warning badge

def warning_count() -> int:
    """Critical anomalies of the jurisdiction still open: counted once per request, only when base.html asks."""
    if "warning_count" not in g:
        g.warning_count = lifecycle.warning_count(db(), actor=current_user._get_current_object()) \
            if current_user.is_authenticated and current_user.role in REGULATORS else 0
    return g.warning_count


def init_app(app) -> None:
    @app.context_processor
    def _warning_badge():
        return {"warning_count": warning_count}
