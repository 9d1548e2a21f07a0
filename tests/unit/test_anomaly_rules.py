"""Pure pieces of the reconciliation (issue 5): deadlines, tolerances, distances, the seal."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from wastechain.domain.anomalies import (CATALOG, Thresholds, annual_due_date, distance_m,
                                         exceeds_tolerance, merkle_root, monthly_period_due_on, receipt_cutoff,
                                         rolling_recheck, seal_ok, seal_signature)
from wastechain.domain.errors import CalendarUnknown


def test_receipt_is_overdue_after_five_working_days_not_five_calendar_days():
    # delivered Thursday 03-05: due Thursday 03-12, late from Friday 03-13
    assert receipt_cutoff(date(2026, 3, 13), 5) == date(2026, 3, 5)
    # delivered Friday 03-06 or over the weekend: due Friday 03-13, late from Saturday 03-14
    assert receipt_cutoff(date(2026, 3, 14), 5) == date(2026, 3, 8)


def test_receipt_deadlines_over_the_2026_spring_festival_and_national_day_follow_the_official_calendar():
    # delivered Thursday 02-12: due Thursday 02-26 (02-13, the make-up Saturday 02-14, then 02-24..02-26 after the
    # holiday 02-15..02-23), so a weekday-only count (due 02-19, inside the holiday) would fire a week early
    assert receipt_cutoff(date(2026, 2, 26), 5) < date(2026, 2, 12) == receipt_cutoff(date(2026, 2, 27), 5)
    # delivered Tuesday 09-29: 09-30, then 10-08, 10-09, the make-up Saturday 10-10 and Monday 10-12
    assert receipt_cutoff(date(2026, 10, 12), 5) < date(2026, 9, 29) == receipt_cutoff(date(2026, 10, 13), 5)


def test_the_nights_of_the_calendars_last_days_run_and_a_night_beyond_it_is_a_clear_error():
    # delivered 12-28: its deadline falls in 2027, which the pinned calendar does not hold yet: not overdue on 12-31
    assert receipt_cutoff(date(2026, 12, 31), 5) == date(2026, 12, 23)
    with pytest.raises(CalendarUnknown):
        receipt_cutoff(date(2027, 1, 4), 5)


def test_weight_tolerance_is_exact_integer_arithmetic():
    assert not exceeds_tolerance(1_000_000, 1_050_000, Decimal("0.05"))
    assert exceeds_tolerance(1_000_000, 1_050_001, Decimal("0.05"))
    assert exceeds_tolerance(1_000_000, 850_000, Decimal("0.05"))


def test_declaration_deadlines():
    assert annual_due_date(2025, "03-31") == date(2026, 3, 31)
    assert monthly_period_due_on(date(2026, 3, 15), 15) == "2026-02"
    assert monthly_period_due_on(date(2026, 1, 15), 15) == "2025-12"
    assert monthly_period_due_on(date(2026, 3, 14), 15) is None


def test_distance_quzhou_to_ningbo_is_long_and_within_a_county_is_short():
    assert 250_000 < distance_m(28.969, 118.873, 29.874, 121.550) < 300_000
    assert distance_m(28.969, 118.873, 28.970, 118.873) < 200


def test_every_code_has_a_name_a_severity_and_a_rule_and_thresholds_have_defaults():
    assert len(CATALOG) == 18  # the 15 of SPEC.md, HANDOVER_UNCONFIRMED (issue 11), CORRECTION_PENDING and REFUSED (issue 10)
    assert all(t.name and t.rule and t.severity in ("critical", "high", "medium", "low") for t in CATALOG.values())
    assert Thresholds.from_config({}).as_dict()["transit_overdue_hours"] == 48
    assert Thresholds.from_config({"WEIGHT_TOLERANCE": "0.1"}).weight_tolerance == Decimal("0.1")


def test_a_seal_needs_the_secret():
    root = merkle_root([(1, "a" * 64)])
    signature = seal_signature("key", date(2026, 3, 1), 1, root)
    assert seal_ok("key", date(2026, 3, 1), 1, root, signature)
    assert not seal_ok("other", date(2026, 3, 1), 1, root, signature)
    assert not seal_ok("key", date(2026, 3, 1), 2, root, signature)


def test_a_chained_seal_signs_the_previous_days_root():
    day, before, root = date(2026, 3, 2), date(2026, 3, 1), merkle_root([(1, "a" * 64)])
    signature = seal_signature("key", day, 1, root, prev_day=before, prev_root="b" * 64)
    assert seal_ok("key", day, 1, root, signature, prev_day=before, prev_root="b" * 64)
    assert not seal_ok("key", day, 1, root, signature, prev_day=before, prev_root="c" * 64)
    assert not seal_ok("key", day, 1, root, signature)  # the link cannot be stripped either


def test_every_older_seal_has_its_turn_once_in_a_cycle_of_nights():
    sealed = [date(2025, 1, 1) + timedelta(days=n) for n in range(400)]
    nights = [date(2026, 6, 1) + timedelta(days=n) for n in range(30)]
    turns = {day: sum(rolling_recheck(night, day, 30) for night in nights) for day in sealed}
    assert set(turns.values()) == {1}
