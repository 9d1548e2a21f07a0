"""Time: stored as aware UTC; calendars and business days in Asia/Shanghai."""
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

from wastechain.domain.errors import CalendarUnknown, ValidationFailed
from wastechain.domain.text import N_

CHINA = ZoneInfo("Asia/Shanghai")
MAX_PAST = timedelta(days=7)
MAX_FUTURE = timedelta(minutes=5)
PAPER_ENTRY_PAGE = "/paper/new"  # where a step too old for the chain is entered from its paper manifest (补录)


def local_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def is_working_day(day: date) -> bool:
    """The official calendar (国务院办公厅 yearly notice, via `chinesecalendar`): public holidays are off, the
    调休 weekend days are working days. Upgrading the pinned `chinesecalendar` brings each new year's notice."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarUnknown(N_("工作日历尚未包含 {year} 年的法定节假日安排，请更新节假日日历后再试"),
                              params={"year": day.year}, details={"date": day.isoformat()}) from None


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (the one working-day rule of the product)."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            days -= 1
    return current


def deadline_passed(start: date, working_days: int, day: date) -> bool:
    """Whether `working_days` after `start` is before `day`. A deadline in a year the calendar does not hold yet is
    after any day of the years it does hold, so only a `day` beyond the calendar is refused (CALENDAR_UNKNOWN)."""
    try:
        return add_working_days(start, working_days) < day
    except CalendarUnknown as unknown:
        if day.year < unknown.params["year"]:
            return False
        raise


def receipt_deadline(delivered_at: datetime, working_days: int) -> date:
    """The last day a receiver may confirm receipt: N working days after the delivery's China day
    (《危险废物转移管理办法》第十八条: 5). One rule for the pages, My tasks and the nightly RECEIPT_OVERDUE check."""
    return add_working_days(local_date(delivered_at), working_days)


def known_receipt_deadline(delivered_at: datetime, working_days: int) -> date | None:
    """The deadline for a page to show, or None while the official calendar does not reach it yet."""
    try:
        return receipt_deadline(delivered_at, working_days)
    except CalendarUnknown:
        return None


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
