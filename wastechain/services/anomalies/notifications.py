"""Warnings pushed (预警): a notification row per new critical anomaly, and its delivery to a message gateway.

The row is written in the transaction that stores the anomaly (run time or nightly), so a committed critical
anomaly always has its warning and a rolled-back one never does. `drain` posts each undelivered row as JSON to a
webhook and marks it delivered in its own transaction. A crash between the POST and that commit sends the row
again on the next drain: the gateway deduplicates by the notification's `id` (at-least-once delivery).
"""
import json
import logging
import urllib.request
from datetime import datetime
from typing import Callable

from sqlalchemy import exists, func, select

from wastechain.domain.vocabulary import Severity
from wastechain.models import Anomaly, Notification

log = logging.getLogger(__name__)
BATCH = 100
WEBHOOK_TIMEOUT_S = 10


def warn_of_critical(session, *, fingerprints: list[str], now: datetime) -> int:
    """In the findings' transaction: one notification per critical anomaly among these that has none yet."""
    if not fingerprints:
        return 0
    warned = exists().where(Notification.anomaly_id == Anomaly.id)
    found = session.scalars(select(Anomaly).where(Anomaly.fingerprint.in_(fingerprints),
                                                  Anomaly.severity == Severity.CRITICAL, ~warned)).all()
    for anomaly in found:
        session.add(Notification(anomaly_id=anomaly.id, region_code=anomaly.region_code, created_at=now,
                                 payload=_payload(anomaly), attempts=0, last_error=""))
    session.flush()
    return len(found)


def _payload(anomaly: Anomaly) -> dict:
    manifest = (anomaly.evidence or {}).get("manifest") or {}
    return {"kind": "critical_anomaly", "anomaly_id": anomaly.id, "code": anomaly.code,
            "severity": str(anomaly.severity), "day": anomaly.day.isoformat(), "region_code": anomaly.region_code,
            "related_region_code": anomaly.related_region_code, "subject": anomaly.subject_label,
            "manifest_number": manifest.get("number")}


def undelivered(session) -> int:
    return session.scalar(select(func.count()).where(Notification.delivered_at.is_(None))) or 0


def drain(session, *, send: Callable[[dict], None], now: datetime, limit: int | None = None) -> tuple[int, int]:
    """Sends the undelivered warnings, oldest first; returns (delivered, failed). A failed one stays undelivered
    with its error and is tried again next time."""
    delivered = failed = 0
    query = select(Notification.id).where(Notification.delivered_at.is_(None)).order_by(Notification.id)
    for notification_id in session.scalars(query.limit(limit) if limit else query).all():
        row = session.scalars(select(Notification).where(Notification.id == notification_id,
                                                         Notification.delivered_at.is_(None))
                              .with_for_update(skip_locked=True)).first()
        if row is None:  # another drain took it
            session.rollback()
            continue
        row.attempts += 1
        try:
            send({"id": row.id, **row.payload})
        except Exception as error:  # the gateway is down or refused it: keep the row for the next drain
            row.last_error = str(error)[:500]
            failed += 1
            log.warning("warning %s not delivered: %s", row.id, error)
        else:
            row.delivered_at, row.last_error = now, ""
            delivered += 1
        session.commit()
    return delivered, failed


def webhook(url: str) -> Callable[[dict], None]:
    """A sender that POSTs the warning as JSON; any answer but 2xx is a failure."""
    def send(message: dict) -> None:
        request = urllib.request.Request(url, data=json.dumps(message, ensure_ascii=False).encode(),
                                         headers={"Content-Type": "application/json; charset=utf-8"}, method="POST")
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as answer:
            if not 200 <= answer.status < 300:
                raise RuntimeError(f"webhook answered {answer.status}")
    return send
