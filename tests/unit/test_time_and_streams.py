"""occurred_at limits, business days, and the six waste streams."""
from datetime import date, datetime, timedelta, timezone

import pytest

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.streams import Stream, is_hazardous, stream_of_category
from wastechain.domain.errors import CalendarUnknown
from wastechain.domain.timeutil import add_working_days, check_occurred_at, is_working_day, local_date

NOW = datetime(2026, 6, 10, 4, 0, tzinfo=timezone.utc)


def test_an_omitted_occurred_at_is_the_server_time():
    assert check_occurred_at(None, NOW) == NOW


def test_a_device_time_seven_days_old_is_accepted():
    assert check_occurred_at(NOW - timedelta(days=7), NOW) == NOW - timedelta(days=7)


def test_a_device_time_older_than_seven_days_is_refused():
    with pytest.raises(ValidationFailed, match="7 天"):
        check_occurred_at(NOW - timedelta(days=7, seconds=1), NOW)


def test_a_device_time_five_minutes_ahead_is_accepted():
    assert check_occurred_at(NOW + timedelta(minutes=5), NOW)


def test_a_device_time_more_than_five_minutes_ahead_is_refused():
    with pytest.raises(ValidationFailed, match="5 分钟"):
        check_occurred_at(NOW + timedelta(minutes=5, seconds=1), NOW)


def test_a_device_time_without_offset_is_refused():
    with pytest.raises(ValidationFailed):
        check_occurred_at(NOW.replace(tzinfo=None), NOW)


def test_a_device_time_in_china_offset_is_compared_as_the_same_instant():
    china = (NOW - timedelta(hours=1)).astimezone(timezone(timedelta(hours=8)))
    assert check_occurred_at(china, NOW) == china


def test_the_local_date_is_the_date_in_china():
    assert local_date(datetime(2026, 6, 10, 17, 0, tzinfo=timezone.utc)) == date(2026, 6, 11)


def test_working_days_skip_the_weekend():
    assert add_working_days(date(2026, 6, 12), 1) == date(2026, 6, 15)  # Friday + 1 = Monday
    assert add_working_days(date(2026, 6, 8), 5) == date(2026, 6, 15)


def test_working_days_follow_the_state_council_notice_for_2026():
    # 国办发明电〔2025〕7号: Spring Festival 02-15..02-23 off, Saturdays 02-14 and 02-28 worked (调休)
    assert not is_working_day(date(2026, 2, 16)) and not is_working_day(date(2026, 2, 23))
    assert is_working_day(date(2026, 2, 14)) and is_working_day(date(2026, 2, 28))
    # National Day and Mid-Autumn 10-01..10-07 off, Sunday 09-20 and Saturday 10-10 worked
    assert not is_working_day(date(2026, 10, 5)) and is_working_day(date(2026, 9, 20))
    assert is_working_day(date(2026, 10, 10))
    # Friday 02-13 + 1 working day is the make-up Saturday 02-14; + 2 skips the whole holiday
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_a_day_beyond_the_known_calendar_is_a_clear_error_not_a_guess():
    with pytest.raises(CalendarUnknown) as raised:
        add_working_days(date(2026, 12, 30), 5)
    assert raised.value.code == "CALENDAR_UNKNOWN" and raised.value.params == {"year": 2027}


@pytest.mark.parametrize("category, stream", [("HW01", Stream.MEDICAL), ("HW08", Stream.HAZARDOUS),
                                              ("HW49", Stream.HAZARDOUS), ("SW01", Stream.INDUSTRIAL),
                                              ("S61", Stream.HOUSEHOLD), ("S71", Stream.CONSTRUCTION),
                                              ("S81", Stream.AGRICULTURAL)])
def test_each_category_maps_to_its_stream(category, stream):
    assert stream_of_category(category) == stream


def test_medical_waste_is_hazardous_and_industrial_waste_is_not():
    assert is_hazardous(Stream.MEDICAL) and is_hazardous(Stream.HAZARDOUS)
    assert not is_hazardous(Stream.INDUSTRIAL) and not is_hazardous(Stream.HOUSEHOLD)


def test_an_unknown_category_is_an_error():
    with pytest.raises(ValueError):
        stream_of_category("XX01")
