"""The anomaly catalog of SPEC.md ("Anomalies"): codes, severities, default thresholds, evidence, the day seal.

Pure Python. The reconciliation service finds candidate rows with set-based SQL; the functions here turn a
row's plain facts into a Finding (stable fingerprint, severity, evidence a regulator can act on).
"""
import hashlib
import hmac
import math
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA, deadline_passed
from wastechain.domain.vocabulary import AnomalyStatus, Severity, values

SEVERITIES = values(Severity)
STATUSES = values(AnomalyStatus)
# A regulator moves an anomaly forward; resolved is final (a new finding would carry a new fingerprint).
STATUS_MOVES = {AnomalyStatus.OPEN: {AnomalyStatus.ACKNOWLEDGED, AnomalyStatus.RESOLVED},
                AnomalyStatus.ACKNOWLEDGED: {AnomalyStatus.RESOLVED}, AnomalyStatus.RESOLVED: set()}


SEVERITY_NAMES = {Severity.CRITICAL: N_("严重"), Severity.HIGH: N_("高"), Severity.MEDIUM: N_("中"), Severity.LOW: N_("低")}
ANOMALY_STATUS_NAMES = {AnomalyStatus.OPEN: N_("待处理"), AnomalyStatus.ACKNOWLEDGED: N_("已确认"),
                        AnomalyStatus.RESOLVED: N_("已处理")}


@dataclass(frozen=True)
class AnomalyType:
    code: str
    name: str  # Chinese label for the report (N_-marked)
    severity: str  # default severity; some checks raise it with the size of the deviation
    rule: str  # what is checked and where the rule comes from: a template over the Thresholds' field names

    def rule_text(self, thresholds: "Thresholds", template: str | None = None) -> str:
        """The rule with this deployment's threshold values (超过 500 米), never their configuration keys; a page
        passes the translated template."""
        return (template or self.rule).format(**{k: _shown(k, v) for k, v in vars(thresholds).items()})


def _shown(name: str, value) -> str:
    """A threshold as a person reads it: 0.05 → 5%, 40000 kg."""
    if name == "weight_tolerance":
        return f"{_number(Decimal(value) * 100)}%"
    if isinstance(value, tuple):
        return ", ".join(value)
    return f"{_number(value)} kg" if name.endswith("_kg") else _number(value)


def _number(value) -> str:
    text = f"{value:f}" if isinstance(value, Decimal) else str(value)
    return text.rstrip("0").rstrip(".") if isinstance(value, Decimal) and "." in text else text


CATALOG: dict[str, AnomalyType] = {t.code: t for t in (
    AnomalyType("TRANSIT_OVERDUE", N_("运输超时"), "high",
                N_("提货后超过 {transit_overdue_hours} 小时未送达（《危险废物转移管理办法》运输全程记录）")),
    AnomalyType("RECEIPT_OVERDUE", N_("接收确认超期"), "medium",
                N_("送达后 {receipt_overdue_working_days} 个工作日内未确认接收（《危险废物转移管理办法》第十八条：5 个工作日）")),
    AnomalyType("WEIGHT_MISMATCH", N_("重量差异"), "high",
                N_("接收过磅量与提货量之差超过 {weight_tolerance}（《危险废物转移管理办法》第十八条：数量不符须报告）")),
    AnomalyType("STORAGE_OVERDUE", N_("贮存超期"), "high",
                N_("危险废物贮存超过 {storage_limit_days_hazardous} 天（固废法第八十一条：一年）；"
                "医疗废物暂存超过 {storage_limit_hours_medical} 小时（《医疗废物管理条例》第十七条）")),
    AnomalyType("LOOP_NOT_CLOSED", N_("未闭环"), "medium",
                N_("接收后 {loop_close_days} 天内接收量未全部利用或处置（闭环管理）")),
    AnomalyType("JURISDICTION_BREACH", N_("跨区域转移"), "high",
                N_("废物送达其允许区域之外，或送达扫码、运输轨迹位于允许区域之外，且无有效审批（衢州「危险废物不出市、一般固体废物不出县」）")),
    AnomalyType("LOCATION_MISMATCH", N_("位置不符"), "medium",
                N_("提货或送达扫码位置距所称场所超过 {location_tolerance_m} 米")),
    AnomalyType("PERMIT_INVALID", N_("许可无效"), "high",
                N_("步骤发生时许可证已过期或不覆盖该废物代码（危险废物经营许可证、危险货物道路运输许可）")),
    AnomalyType("CAPACITY_EXCEEDED", N_("超许可规模"), "high",
                N_("接收单位年度接收量超过其危险废物经营许可证的年经营规模（处置能力与产生量相匹配）")),
    AnomalyType("MASS_BALANCE", N_("物料不平衡"), "high",
                N_("批次库存（产生 − 转出）为负或与台账剩余量不一致，或申报的贮存量与台账的场所库存不符（固废法第三十六条、第七十八条 管理台账）")),
    AnomalyType("DECLARATION_MISSING", N_("未申报"), "low",
                N_("年产危险废物 ≥ {declaration_annual_threshold_kg} 的单位未按期年度申报；大宗工业固废未按期月报")),
    AnomalyType("PAYMENT_ANOMALY", N_("资金流异常"), "medium",
                N_("处置费付给运输单位而非接收单位，或闭环 {payment_due_days} 天后仍无付款记录（资金直付）")),
    AnomalyType("CHAIN_BROKEN", N_("记录被篡改"), "critical",
                N_("事件哈希链或日封印不符：记录被修改、插入或删除（电子联单数据须完整保存）")),
    AnomalyType("LONG_DISTANCE", N_("长距离运输"), "low",
                N_("起运地与接收地直线距离或实际运输轨迹长度超过 {long_distance_km} 公里（严控长距离运输）")),
    AnomalyType("OVERWEIGHT_LOAD", N_("车辆超载"), "medium",
                N_("同一车辆同时在途的联单合计重量超过车辆核定载重或 {max_load_kg}")),
    AnomalyType("REFUSED", N_("拒收"), "high",
                N_("接收单位拒收部分或全部废物，或某行过磅量与联单量之差超过 {weight_tolerance}；拒收的废物 "
                   "{refused_onward_days} 天内仍未以退运或改运联单运离（《危险废物转移管理办法》第十八条：须通知产生"
                   "单位并报告生态环境主管部门）")),
    AnomalyType("HANDOVER_UNCONFIRMED", N_("交接未确认"), "medium",
                N_("提货未经产生单位一次性交接码确认，仅凭申报的例外原因记录（《危险废物转移管理办法》：转移时须如实"
                "填写并确认交接记录）")),
    AnomalyType("CORRECTION_PENDING", N_("修订久未确认"), "low",
                N_("联单修订提出后超过 {correction_pending_days} 天仍未获受影响各方确认（修订须各方确认后生效）")),
)}

@dataclass(frozen=True)
class Thresholds:
    """The reconciliation thresholds and their documented defaults (README "Reconciliation thresholds").

    Each field is also a configuration key: its name in upper case (TRANSIT_OVERDUE_HOURS, …).
    """

    transit_overdue_hours: int = 48
    receipt_overdue_working_days: int = 5
    weight_tolerance: Decimal = Decimal("0.05")
    storage_limit_days_hazardous: int = 365
    storage_limit_hours_medical: int = 48
    loop_close_days: int = 30
    location_tolerance_m: int = 1000
    long_distance_km: int = 200
    max_load_kg: Decimal = Decimal("40000")
    payment_due_days: int = 30
    refused_onward_days: int = 5  # refused waste not on a return or redirect manifest after this many days
    declaration_annual_threshold_kg: Decimal = Decimal("5000")
    declaration_annual_due: str = "03-31"  # MM-DD of the following year
    declaration_monthly_due_day: int = 15  # of the following month
    bulk_industrial_categories: tuple[str, ...] = ("SW01", "SW02", "SW11", "SW16")
    seal_recheck_days: int = 7  # earlier day seals re-verified each night
    seal_recheck_cycle_days: int = 30  # every older seal is re-verified once in this many nights
    seal_region: str = "330800"  # region of platform-wide findings (a broken day seal)
    correction_pending_days: int = 7  # a correction (修订) still waiting for an approval after this many days

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name.upper() for f in fields(cls)]

    @classmethod
    def from_config(cls, config) -> "Thresholds":
        """Reads each threshold from its upper-case key (text from the environment, or typed values)."""
        values = {f.name: _coerce(config[f.name.upper()], f.default) for f in fields(cls) if f.name.upper() in config}
        return cls(**values)

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(self).items()}


def _coerce(raw, default):
    if isinstance(default, tuple):
        items = raw.split(",") if isinstance(raw, str) else raw
        return tuple(item.strip() for item in items if item.strip())
    if isinstance(default, Decimal):
        return Decimal(str(raw))
    return type(default)(raw)


@dataclass
class Finding:
    """One anomaly as found: the fingerprint makes a rerun find the same row instead of adding one."""

    code: str
    fingerprint: str
    subject_type: str  # manifest | batch | organization | payment | day
    subject_id: int | None
    subject_label: str
    region_code: str
    evidence: dict
    severity: str = ""
    related_region_code: str | None = None
    organization_id: int | None = None
    manifest_id: int | None = None

    def __post_init__(self):
        if not self.severity:
            self.severity = CATALOG[self.code].severity


# ---------------------------------------------------------------- the day

@dataclass(frozen=True)
class DayWindow:
    day: date
    start: datetime  # aware, 00:00 China time
    end: datetime  # aware, 00:00 China time of the next day


def day_window(day: date) -> DayWindow:
    start = datetime.combine(day, time(0), tzinfo=CHINA)
    return DayWindow(day, start, start + timedelta(days=1))


def receipt_cutoff(day: date, working_days: int) -> date:
    """The latest delivery date whose receipt deadline (N working days later) has passed by the end of `day`."""
    candidate = day - timedelta(days=1)
    while not deadline_passed(candidate, working_days, day):
        candidate -= timedelta(days=1)
    return candidate


def annual_due_date(year: int, due: str) -> date:
    """The annual declaration for `year` is due on MM-DD of the following year."""
    month, dom = (int(part) for part in due.split("-"))
    return date(year + 1, month, dom)


def monthly_period_due_on(day: date, due_day: int) -> str | None:
    """The month ('YYYY-MM') whose monthly report falls due on `day`, if any."""
    if day.day != due_day:
        return None
    previous = day.replace(day=1) - timedelta(days=1)
    return f"{previous.year:04d}-{previous.month:02d}"


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius); the SQL checks use the same formula."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


EARTH_RADIUS_M = 6371008.8


def kg(grams) -> Decimal:
    return (Decimal(int(grams)) / 1000).quantize(Decimal("0.001"))


def exceeds_tolerance(reference_g: int, measured_g: int, tolerance: Decimal) -> bool:
    """|measured − reference| > tolerance × reference, in exact integer arithmetic."""
    return Decimal(abs(measured_g - reference_g)) > tolerance * Decimal(reference_g)


def weight_severity(reference_g: int, measured_g: int, tolerance: Decimal) -> str:
    deviation = Decimal(abs(measured_g - reference_g)) / Decimal(reference_g or 1)
    return "high" if deviation > 2 * tolerance else "medium"


# ---------------------------------------------------------------- the seal

def merkle_leaf(event_id: int, event_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + f"{event_id}:{event_hash}".encode()).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


class MerkleBuilder:
    """RFC 6962-shaped Merkle tree hash built from a stream of leaves in O(log n) memory."""

    def __init__(self):
        self._stack: list[tuple[int, bytes]] = []  # (height, hash); heights strictly decrease
        self.count = 0

    def add(self, leaf: bytes) -> None:
        self.count += 1
        node, height = leaf, 0
        while self._stack and self._stack[-1][0] == height:
            _, left = self._stack.pop()
            node, height = _node(left, node), height + 1
        self._stack.append((height, node))

    def root(self) -> str:
        if not self._stack:
            return hashlib.sha256(b"").hexdigest()
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = _node(left, node)
        return node.hex()


def merkle_root(leaves: list[tuple[int, str]]) -> str:
    builder = MerkleBuilder()
    for event_id, event_hash in leaves:
        builder.add(merkle_leaf(event_id, event_hash))
    return builder.root()


def seal_signature(secret: str, day: date, count: int, root: str, *, prev_day: date | None = None,
                   prev_root: str | None = None) -> str:
    """HMAC-SHA256 with the server's SECRET_KEY over the day's root and the previous sealed day's root.

    The link makes the seals one chain: deleting, blanking or re-signing one day's seal breaks the next day's. A
    seal without a link (the chain's start, or one written before seals were chained) signs the original message.
    """
    message = f"wastechain-day-seal|{day.isoformat()}|{count}|{root}"
    if prev_day is not None:
        message += f"|prev|{prev_day.isoformat()}|{prev_root}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def seal_ok(secret: str, day: date, count: int, root: str, signature: str, *, prev_day: date | None = None,
            prev_root: str | None = None) -> bool:
    expected = seal_signature(secret, day, count, root, prev_day=prev_day, prev_root=prev_root)
    return hmac.compare_digest(expected, signature)


def rolling_recheck(day: date, sealed_day: date, cycle_days: int) -> bool:
    """Whether the night of `day` re-checks an older seal: each one once every `cycle_days` nights."""
    return sealed_day.toordinal() % max(cycle_days, 1) == day.toordinal() % max(cycle_days, 1)


@dataclass
class RunSummary:
    """What one reconciliation run did (returned to the CLI and the API)."""

    date: date
    anomalies_found: int = 0  # anomalies of this day (new and already known)
    new_anomalies: int = 0
    by_code: dict = field(default_factory=dict)
    rerun: bool = False
    seal: str = ""  # created | unchanged | mismatch | deferred | unsealable | chain_broken
    events_sealed: int = 0
    manifests_verified: int = 0
    seals_rechecked: int = 0
    duration_s: float = 0.0
    changes: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "anomalies_found": self.anomalies_found,
                "new_anomalies": self.new_anomalies, "by_code": dict(sorted(self.by_code.items())),
                "rerun": self.rerun, "seal": self.seal, "events_sealed": self.events_sealed,
                "manifests_verified": self.manifests_verified, "seals_rechecked": self.seals_rechecked,
                "duration_s": round(self.duration_s, 3), "changes": self.changes}
