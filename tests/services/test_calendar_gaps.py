"""A year the official holiday calendar does not hold yet: the working-day checks wait for it, the night still runs."""
from datetime import date, datetime, timezone

from wastechain.domain.anomalies import Thresholds
from wastechain.services.reconciliation import run_reconciliation

UNKNOWN_YEAR_DAY = date(2099, 1, 4)


def test_a_night_in_a_year_the_calendar_lacks_still_runs_its_other_checks_and_seals_the_day(session, world):
    summary = run_reconciliation(session, day=UNKNOWN_YEAR_DAY, now=datetime(2099, 1, 5, tzinfo=timezone.utc),
                                 thresholds=Thresholds(), secret="test-secret")
    assert summary.seal == "created"
    assert any(change.startswith("receipt_overdue stopped: the official holiday calendar has no 2099")
               for change in summary.changes)
