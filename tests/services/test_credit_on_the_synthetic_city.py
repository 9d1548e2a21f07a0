"""Credit scores on the generated city: after every day of the period is reconciled (which refreshes the credit
record each night), every enterprise's score is exactly what the documented default rules give when counted by
hand from the city's anomalies and weigh-ins as of the last day."""
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from tests.services.test_reconciliation import city, reconciled_cities  # noqa: F401  (the reconciled city)
from wastechain.domain.anomalies import day_window
from wastechain.domain.credit import CreditRules
from wastechain.models import Anomaly, CreditEvent, Manifest, ManifestEvent, Organization

RULES = CreditRules()


def _by_hand(session, last_day) -> dict[int, int]:
    """Each enterprise's score from the rows, rule by rule, as README "Credit record" states the defaults."""
    year_ago = last_day - timedelta(days=364)
    anomalies = session.scalars(select(Anomaly)).all()
    critical = Counter(a.organization_id for a in anomalies if a.organization_id and a.severity == "critical"
                       and a.status != "resolved" and a.day <= last_day - timedelta(days=7))
    late = Counter(a.organization_id for a in anomalies if a.organization_id and a.code == "RECEIPT_OVERDUE"
                   and year_ago <= a.day <= last_day)
    undeclared = Counter(a.organization_id for a in anomalies if a.organization_id
                         and a.code == "DECLARATION_MISSING" and year_ago <= a.day <= last_day)
    start, end = day_window(year_ago).start, day_window(last_day).end
    refused_manifests = {m for m, in session.execute(
        select(ManifestEvent.manifest_id).where(ManifestEvent.type == "receive", ManifestEvent.rejected_kg > 0,
                                                ManifestEvent.occurred_at >= start, ManifestEvent.occurred_at < end))}
    issuers = dict(session.execute(select(Manifest.id, Manifest.issuer_id)).all())
    refused = Counter(issuers[m] for m in refused_manifests)
    scores = {}
    for org_id in session.scalars(select(Organization.id)):
        scores[org_id] = max(0, 100 - 10 * critical[org_id] - 5 * max(0, late[org_id] - 2)
                             - 5 * undeclared[org_id] - 3 * max(0, refused[org_id] - 1))
    return scores


def test_every_enterprises_score_is_what_the_rules_give(session, city):  # noqa: F811
    expected = _by_hand(session, city.last_day)
    points = dict(session.execute(select(CreditEvent.organization_id, func.sum(CreditEvent.points))
                                  .group_by(CreditEvent.organization_id)).all())
    scores = {org_id: RULES.score(int(points.get(org_id, 0))) for org_id in expected}
    assert scores == expected, sorted(scores.items())
    assert sum(1 for s in scores.values() if s < 100) >= 2  # the injected faults do cost some enterprises
    assert session.scalar(select(func.count()).select_from(CreditEvent).where(CreditEvent.points == 0)) == 0
