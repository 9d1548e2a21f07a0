"""Time: stored as aware UTC; calendars and business days in Asia/Shanghai."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_

CHINA = ZoneInfo("Asia/Shanghai")
MAX_PAST = timedelta(days=7)
MAX_FUTURE = timedelta(minutes=5)
PAPER_ENTRY_PAGE = "/paper/new"  # where a step too old for the chain is entered from its paper manifest (补录)


def local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def add_working_days(start: date, days: int) -> date:
    """Counts Monday to Friday only (statutory holidays are not modelled yet)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def receipt_deadline(delivered_at: datetime, working_days: int) -> date:
    """The last day a receiver may confirm receipt: N working days after the delivery's China day
    (《危险废物转移管理办法》: 5). One rule for the pages, My tasks and the nightly RECEIPT_OVERDUE check."""
    return add_working_days(local_date(delivered_at), working_days)


def check_occurred_at(occurred_at: datetime | None, now: datetime) -> datetime:
    """The device's time of a step: at most 7 days old, at most 5 minutes ahead (API.md); omitted means now."""
    if occurred_at is None:
        return now
    if occurred_at.tzinfo is None:
        raise ValidationFailed(N_("发生时间必须带时区，例如 2026-11-23T08:30:00+08:00"), details={"occurred_at": "no offset"})
    if occurred_at > now + MAX_FUTURE:
        raise ValidationFailed(N_("发生时间晚于服务器时间超过 5 分钟"), details={"occurred_at": "in the future"})
    if occurred_at < now - MAX_PAST:
        raise ValidationFailed(N_("发生时间早于 7 天前：请在「纸质联单补录」页面 {page} 上传纸质联单补录"),
                               params={"page": PAPER_ENTRY_PAGE},
                               details={"occurred_at": "older than 7 days", "paper_entry": PAPER_ENTRY_PAGE})
    return occurred_at


def moment_of_day(value: str | None, now: datetime) -> datetime | None:
    """A date typed on a form as the moment of a record: empty or today means now (None); an earlier day means
    noon of that day in China, so the record falls on the day the user meant whatever the time zone."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(N_("日期格式应为 YYYY-MM-DD"), details={"date": value}) from None
    if day == local_date(now):
        return None
    return datetime.combine(day, time(12), tzinfo=CHINA)
