"""What each credit rule counts, per enterprise, as of the end of a business day: {organization id: [fact ids]}.

One set-based query per rule over the window; the ids are kept on the credit event so a regulator can open them.
"""
from datetime import date, timedelta

from sqlalchemy import exists, literal_column, select

from wastechain.domain.anomalies import day_window
from wastechain.domain.credit import CreditRule, CreditRules
from wastechain.domain.tipoffs import Finding
from wastechain.domain.vocabulary import AnomalyStatus, Severity
from wastechain.models import Anomaly, Manifest, ManifestEvent, Tipoff, TipoffLink


def _grouped(rows) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for org_id, fact_id in rows:
        found.setdefault(org_id, []).append(fact_id)
    return found


def _anomalies(session, *, day: date, rule: CreditRule, code: str) -> dict[int, list[int]]:
    first = day - timedelta(days=rule.window_days - 1)
    return _grouped(session.execute(
        select(Anomaly.organization_id, Anomaly.id)
        .where(Anomaly.code == code, Anomaly.organization_id.is_not(None), Anomaly.day.between(first, day))
        .order_by(Anomaly.id)))


def critical_anomalies_open(session, *, day: date, rule: CreditRule, rules: CreditRules) -> dict[int, list[int]]:
    """Critical anomalies about the enterprise found at least `critical_grace_days` before the day, not resolved."""
    last = day - timedelta(days=rules.critical_grace_days)
    first = day - timedelta(days=rule.window_days - 1)
    return _grouped(session.execute(
        select(Anomaly.organization_id, Anomaly.id)
        .where(Anomaly.severity == Severity.CRITICAL, Anomaly.status != AnomalyStatus.RESOLVED,
               Anomaly.organization_id.is_not(None), Anomaly.day.between(first, last))
        .order_by(Anomaly.id)))


def receipts_overdue(session, *, day: date, rule: CreditRule, rules: CreditRules) -> dict[int, list[int]]:
    """RECEIPT_OVERDUE anomalies of the receiver in the window."""
    return _anomalies(session, day=day, rule=rule, code="RECEIPT_OVERDUE")


def declarations_missing(session, *, day: date, rule: CreditRule, rules: CreditRules) -> dict[int, list[int]]:
    """DECLARATION_MISSING anomalies of the enterprise in the window."""
    return _anomalies(session, day=day, rule=rule, code="DECLARATION_MISSING")


def refusals(session, *, day: date, rule: CreditRule, rules: CreditRules) -> dict[int, list[int]]:
    """Manifests the enterprise issued whose receiver refused some or all of the waste, weighed in the window."""
    start = day_window(day - timedelta(days=rule.window_days - 1)).start
    end = day_window(day).end
    weighed = exists().where(ManifestEvent.manifest_id == Manifest.id, ManifestEvent.type == "receive",
                             ManifestEvent.rejected_kg > 0, ManifestEvent.occurred_at >= start,
                             ManifestEvent.occurred_at < end)
    # refusals are rare: the partial index ix_manifest_refused holds only manifests with a refused quantity
    return _grouped(session.execute(select(Manifest.issuer_id, Manifest.id)
                                    .where(Manifest.rejected_kg > literal_column("0"), weighed).order_by(Manifest.id)))


def upheld_tipoffs(session, *, day: date, rule: CreditRule, rules: CreditRules) -> dict[int, list[int]]:
    """Tip-offs (有奖举报) closed as upheld in the window that a regulator linked to the enterprise itself (a linked
    manifest alone blames none of its parties)."""
    start = day_window(day - timedelta(days=rule.window_days - 1)).start
    return _grouped(session.execute(
        select(TipoffLink.organization_id, Tipoff.id).join(Tipoff, Tipoff.id == TipoffLink.tipoff_id)
        .where(TipoffLink.organization_id.is_not(None), Tipoff.finding == Finding.UPHELD,
               Tipoff.closed_at >= start, Tipoff.closed_at < day_window(day).end)
        .order_by(Tipoff.id)))


COUNTERS = {"critical_anomaly_open": critical_anomalies_open, "receipt_overdue": receipts_overdue,
            "declaration_missing": declarations_missing, "refusal": refusals, "tipoff_upheld": upheld_tipoffs}
