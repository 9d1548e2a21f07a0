"""A clock the tests move instead of sleeping: create_app({"CLOCK": clock}) makes it the app's only clock."""
from datetime import datetime, timedelta, timezone


class MovableClock:
    def __init__(self, start: datetime | None = None):
        self.now = start or datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now
