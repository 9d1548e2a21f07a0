"""`flask rollups rebuild` fills the dashboard's daily rollups from the history, and the night keeps them."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from wastechain.domain.anomalies import Thresholds
from wastechain.domain.timeutil import local_date
from wastechain.models import DailyFigures, DailyFlow
from wastechain.services.reconciliation import run_reconciliation


def _issue_and_pick_up(api, world, batch) -> None:
    mid = api.issue(world, batch, "100").json["id"]
    assert api.step(mid, "pickup", as_="driver").status_code == 201


def test_rebuild_fills_the_days_of_history_and_a_second_rebuild_changes_nothing(app, api, world, batch, session):
    _issue_and_pick_up(api, world, batch)
    today = local_date(datetime.now(timezone.utc))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["rollups", "rebuild", "--to", today.isoformat()])
    assert result.exit_code == 0, result.output
    assert "rollups rebuilt for" in result.output
    flows = session.execute(select(DailyFlow.day, DailyFlow.kg)).all()
    assert [(day, str(kg)) for day, kg in flows] == [(today, "100.000")]
    rows = session.scalar(select(func.count()).select_from(DailyFigures))
    session.rollback()
    assert runner.invoke(args=["rollups", "rebuild", "--to", today.isoformat()]).exit_code == 0
    assert session.scalar(select(func.count()).select_from(DailyFigures)) == rows > 0


def test_rebuild_refuses_a_malformed_date(app):
    result = app.test_cli_runner().invoke(args=["rollups", "rebuild", "--from", "2026-13-01"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_the_nightly_reconciliation_refreshes_the_days_rollups(api, world, batch, session):
    _issue_and_pick_up(api, world, batch)
    today = local_date(datetime.now(timezone.utc))
    session.rollback()
    run_reconciliation(session, day=today, now=datetime.now(timezone.utc) + timedelta(days=2),
                       thresholds=Thresholds(), secret="test-secret-for-seals")
    session.commit()
    assert session.scalar(select(func.sum(DailyFigures.transferred_kg)).where(DailyFigures.day == today)) == 100
