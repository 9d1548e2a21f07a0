"""The night reads the year's accepted quantity per receiver from a running total, right on reruns too (issue 14)."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import select

from wastechain.domain.anomalies import Thresholds
from wastechain.domain.timeutil import local_date
from wastechain.models import Anomaly, ReceiverIntakeTotal
from wastechain.services.reconciliation import run_reconciliation

SECRET = "test-secret-for-seals"


def _received(api, world, batch, kg: str) -> int:
    mid = api.issue(world, batch, kg).json["id"]
    assert api.step(mid, "pickup", as_="driver").status_code == 201
    assert api.step(mid, "deliver", as_="driver").status_code == 201
    assert api.step(mid, "receive", as_="receiver", accepted_kg=Decimal(kg), rejected_kg=0).status_code == 201
    return mid


def _night(session, day):
    now = datetime.now(timezone.utc) + timedelta(days=2)
    summary = run_reconciliation(session, day=day, now=now, thresholds=Thresholds(), secret=SECRET)
    session.commit()
    return summary


def _total(session, world, year: int) -> Decimal | None:
    return session.scalar(select(ReceiverIntakeTotal.accepted_kg).where(ReceiverIntakeTotal.receiver_id == world.receiver.id,
                                                                        ReceiverIntakeTotal.year == year))


def test_the_running_total_holds_the_days_receipts_once_however_often_the_night_runs(api, world, batch, session):
    _received(api, world, batch, "120")
    _received(api, world, batch, "30.5")
    today = local_date(datetime.now(timezone.utc))
    session.rollback()
    _night(session, today)
    assert _total(session, world, today.year) == Decimal("150.5")
    _night(session, today)
    assert _total(session, world, today.year) == Decimal("150.5")


def test_capacity_exceeded_is_found_from_the_running_total(api, world, batch, session):
    _received(api, world, batch, "60")
    _received(api, world, batch, "60")
    session.rollback()
    for permit in world.receiver.permits:  # the permit renewed mid-year with a smaller capacity
        permit.annual_capacity_kg = Decimal("100")
    session.commit()
    today = local_date(datetime.now(timezone.utc))
    summary = _night(session, today)
    found = session.scalars(select(Anomaly).where(Anomaly.code == "CAPACITY_EXCEEDED")).all()
    assert summary.by_code.get("CAPACITY_EXCEEDED") == 1 and len(found) == 1
    assert found[0].evidence["accepted_this_year_kg"] == "120.000"
