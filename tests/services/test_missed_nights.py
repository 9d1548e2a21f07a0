"""A reconciliation after missed nights seals each missed day once, in order, before the day asked for."""
from datetime import date, timedelta

from sqlalchemy import select

from tests.factories import NOW, user_named
from wastechain.models import DaySeal
from wastechain.services.reconciliation import reconcile_day


def test_the_nights_missed_between_two_seals_are_each_sealed_once(app, session, world):
    settings = app.extensions["wastechain.settings"]
    admin = user_named(session, "admin")
    first = date(2026, 11, 1)
    for day in (first, first + timedelta(days=5)):
        reconcile_day(session, actor=admin, day=day, now=NOW, thresholds=settings.thresholds,
                      secret=settings.secret_key, credit_rules=settings.credit_rules)
    sealed = session.scalars(select(DaySeal.day).where(DaySeal.merkle_root.is_not(None)).order_by(DaySeal.day)).all()
    assert sealed == [first + timedelta(days=n) for n in range(6)]
