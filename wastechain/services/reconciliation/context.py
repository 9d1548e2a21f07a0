"""What a check works on (one day, or one event at run time) and what it yields (candidates)."""
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterator

from sqlalchemy import and_, or_
from sqlalchemy.sql.expression import ColumnElement

from wastechain.domain.anomalies import Thresholds
from wastechain.services.reconciliation.sql import CHUNK

Progress = Callable[[str, int, int], None]


# ---------------------------------------------------------------- context

@dataclass
class Context:
    session: object
    day: date
    start: datetime
    end: datetime
    thresholds: Thresholds
    event_id: int | None = None  # run-time mode: only this event
    event_ids: tuple[int, ...] | None = None  # run-time mode, set-based: only these events (the worker's batch)

    @property
    def nightly(self) -> bool:
        return self.event_id is None and self.event_ids is None

    def scope(self, events) -> ColumnElement:
        """The day's events: occurred on the day, or reached the server on the day (a phone syncing late)."""
        if self.event_id is not None:
            return events.c.id == self.event_id
        if self.event_ids is not None:
            return events.c.id.in_(self.event_ids)
        return or_(and_(events.c.occurred_at >= self.start, events.c.occurred_at < self.end),
                   and_(events.c.recorded_at >= self.start, events.c.recorded_at < self.end))

    def stream(self, query) -> Iterator:
        if not self.nightly:  # a few rows: no server-side cursor (on PostgreSQL, extra round trips per check)
            yield from self.session.execute(query)
            return
        result = self.session.execute(query.execution_options(yield_per=CHUNK))
        yield from result


@dataclass
class Candidate:
    """A row that failed a check; enriched with the manifest's facts before it becomes a Finding."""

    code: str
    key: str
    evidence: dict
    manifest_id: int | None = None
    responsible: str = "issuer"  # issuer | receiver | transporter, or an organization id below
    organization_id: int | None = None
    subject_type: str = "manifest"
    subject_id: int | None = None
    subject_label: str = ""
    region_code: str | None = None
    severity: str = ""
