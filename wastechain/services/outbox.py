"""Run-time findings off the request path: the step writes an outbox row, the run-checks worker drains it.

A step's own transaction adds one `check_outbox` row for its event (the in-step handler `enqueue_checks`, wired
in services/wiring.py), so a committed step always has its checks pending and a rolled-back one never does. The
worker (`flask run-checks`, started by scripts/run.sh; also run by the nightly `flask reconcile` before the day is
reconciled) takes the oldest rows in batches, runs the same checks as the night set-based over the batch's events
(services.reconciliation.check_events), stores the findings and deletes the rows in one transaction. Several
workers may run: on PostgreSQL each takes rows the others have not locked (SKIP LOCKED). A batch whose checks fail
is retried event by event; an event whose checks still fail is logged and dropped from the outbox, and the
nightly run finds what it would have found by the same fingerprint.
"""
import logging
from datetime import datetime
from typing import Callable

from sqlalchemy import delete, func, insert, select

from wastechain.domain.anomalies import Thresholds
from wastechain.domain.states import Step
from wastechain.models import CheckOutbox, Manifest, ManifestEvent
from wastechain.services.reconciliation import check_events

log = logging.getLogger(__name__)
BATCH = 500
O = CheckOutbox.__table__


def enqueue_checks(session, *, manifest: Manifest, event: ManifestEvent) -> None:
    """In-step handler: the event's run-time checks wait in the outbox (same transaction as the step).

    Steps only, as before the outbox: issuing is checked by its own rules, and the nightly run looks at it.
    """
    if event.type == Step.ISSUE:
        return
    session.execute(insert(O).values(event_id=event.id, created_at=event.recorded_at))


def pending(session) -> int:
    """How many recorded steps still wait for their run-time checks."""
    return session.scalar(select(func.count()).select_from(O)) or 0


def drain(session, *, now: datetime | Callable[[], datetime], thresholds: Thresholds, batch_size: int = BATCH,
          max_batches: int | None = None) -> int:
    """Runs the run-time checks of the pending steps, oldest first, a batch per transaction; returns the events
    checked. Stops when the outbox is empty (or after max_batches). `now` may be a clock (called per batch)."""
    checked = batches = 0
    while max_batches is None or batches < max_batches:
        at = now() if callable(now) else now
        rows = session.execute(select(O.c.id, O.c.event_id).order_by(O.c.id).limit(batch_size)
                               .with_for_update(skip_locked=True)).all()
        if not rows:
            session.rollback()
            break
        batches += 1
        try:
            check_events(session, event_ids=[r.event_id for r in rows], now=at, thresholds=thresholds)
            session.execute(delete(O).where(O.c.id.in_([r.id for r in rows])))
            session.commit()
        except Exception:
            session.rollback()
            log.exception("run-time checks of %d events failed together; checking them one by one", len(rows))
            _one_by_one(session, rows, at, thresholds)
        checked += len(rows)
    return checked


def _one_by_one(session, rows, at: datetime, thresholds: Thresholds) -> None:
    for row in rows:
        try:
            if session.execute(select(O.c.id).where(O.c.id == row.id).with_for_update(skip_locked=True)).first():
                check_events(session, event_ids=[row.event_id], now=at, thresholds=thresholds)
                session.execute(delete(O).where(O.c.id == row.id))
            session.commit()
        except Exception:  # found again by the nightly run, by the same fingerprint
            session.rollback()
            log.exception("run-time checks of event %s failed; left to the nightly run", row.event_id)
            session.execute(delete(O).where(O.c.id == row.id))
            session.commit()
