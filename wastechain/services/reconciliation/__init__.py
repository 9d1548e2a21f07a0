"""The daily reconciliation: every anomaly of SPEC.md, found with set-based SQL scoped to one day's work.

Cost follows the work, not the history: each check starts from the day's events (indexed on occurred_at and
recorded_at) or from open items (indexed on status + time), never from all manifests ever recorded. Python only
sees candidate rows that already failed a SQL test (findings), plus the day's event hashes for the seal, which it
streams. The same checks run for the steps just recorded (run-time findings), scoped to those events, by the run-checks
worker draining the outbox (services/outbox.py).
"""
from wastechain.services.reconciliation.run import (
                                                    check_event,
                                                    check_events,
                                                    reconcile_day,
                                                    run_reconciliation,
)

__all__ = ["check_event", "check_events", "reconcile_day", "run_reconciliation"]
