"""The nightly credit refresh: each rule's deduction as of the day, written as the change since the last one."""
from datetime import date, datetime

from sqlalchemy import func, select

from wastechain.domain.credit import CreditRules
from wastechain.models import CreditEvent
from wastechain.services.common import transactional
from wastechain.services.credit.facts import COUNTERS

MAX_IDS = 50  # fact ids kept on an event for the regulator to open


@transactional
def refresh_credit(session, *, day: date, now: datetime, rules: CreditRules | None = None) -> int:
    """Writes one credit event per enterprise and rule whose deduction changed by the end of `day`; returns how many
    events were written or corrected. Idempotent per day: a rerun corrects that day's event, never adds a second.
    A day earlier than an enterprise's latest event for a rule changes nothing for that rule (history stays)."""
    rules = rules or CreditRules()
    before = _sums(session, CreditEvent.day < day)
    later = set(_sums(session, CreditEvent.day > day))
    today = {(e.organization_id, e.rule): e for e in session.scalars(select(CreditEvent).where(CreditEvent.day == day))}
    written = 0
    for rule in rules.rules:
        facts = COUNTERS[rule.code](session, day=day, rule=rule, rules=rules)
        known = {org for org, code in (*before, *today) if code == rule.code}
        for org_id in sorted(set(facts) | known):
            if (org_id, rule.code) in later:
                continue
            ids = facts.get(org_id, [])
            points = rule.deduction(len(ids)) - before.get((org_id, rule.code), 0)
            evidence = {"ids": ids[:MAX_IDS], "points_each": rule.points, "allowance": rule.allowance,
                        "window_days": rule.window_days, "deduction": rule.deduction(len(ids))}
            event = today.get((org_id, rule.code))
            if event is not None:
                if (event.points, event.count) != (points, len(ids)):
                    event.points, event.count, event.evidence = points, len(ids), evidence
                    written += 1
            elif points:
                session.add(CreditEvent(organization_id=org_id, day=day, rule=rule.code, points=points,
                                        count=len(ids), evidence=evidence, created_at=now))
                written += 1
    session.flush()
    return written


def _sums(session, *where) -> dict[tuple[int, str], int]:
    rows = session.execute(select(CreditEvent.organization_id, CreditEvent.rule, func.sum(CreditEvent.points))
                           .where(*where).group_by(CreditEvent.organization_id, CreditEvent.rule))
    return {(org, rule): int(total or 0) for org, rule, total in rows}
