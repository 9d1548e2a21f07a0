"""The run: one day's reconciliation (nightly), and one event's checks right after a step (run time)."""
import logging
import time as clock
from datetime import date, datetime
from typing import Iterable, Iterator

from sqlalchemy import select

from wastechain.domain import anomalies as catalog
from wastechain.domain.anomalies import Thresholds, day_window
from wastechain.domain.credit import CreditRules
from wastechain.domain.errors import CalendarUnknown, ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.timeutil import local_date
from wastechain.domain.vocabulary import AUTHORITY_ROLES
from wastechain.models import DaySeal, User
from wastechain.services import access
from wastechain.services.common import transactional
from wastechain.services.credit import refresh_credit
from wastechain.services.statistics import refresh_rollups
from wastechain.services.reconciliation.context import Candidate, Context, Progress
from wastechain.services.reconciliation.corrections import check_correction_pending
from wastechain.services.reconciliation.enterprises import (backfill_intake, check_capacity_exceeded,
                                                            check_declaration_missing, check_declared_storage,
                                                            check_long_distance,
                                                            check_mass_balance, check_overweight_load,
                                                            check_payment_anomaly, record_intake)
from wastechain.services.reconciliation.findings import store_findings, to_findings
from wastechain.services.reconciliation.seal import check_chains, check_seal_chain, recheck_seals, seal_day
from wastechain.services.reconciliation.sql import CHUNK, E, ensure_sqlite_math, read_cursors_whole
from wastechain.services.reconciliation.transfers import (check_handover_unconfirmed, check_jurisdiction_breach,
                                                          check_location_mismatch,
                                                          check_loop_not_closed, check_permit_invalid,
                                                          check_receipt_overdue, check_refused,
                                                          check_storage_overdue,
                                                          check_transit_overdue, check_weight_mismatch)

log = logging.getLogger(__name__)


def reconcile_day(session, *, actor: User | None, day: date, now: datetime, thresholds: Thresholds, secret: str,
                  progress: Progress | None = None, credit_rules: CreditRules | None = None) -> catalog.RunSummary:
    """Runs the reconciliation of one day (admins and regulators; the CLI passes no actor)."""
    if actor is not None:
        access.require_role(actor, *AUTHORITY_ROLES, doing=N_("运行对账"))
    if day > local_date(now):
        raise ValidationFailed(N_("不能对未来的日期 {day} 对账"), params={"day": str(day)},
                               details={"date": "in the future"})
    return run_reconciliation(session, day=day, now=now, thresholds=thresholds, secret=secret, progress=progress,
                              credit_rules=credit_rules)


NIGHTLY_CHECKS = (check_transit_overdue, check_receipt_overdue, check_weight_mismatch, check_storage_overdue,
                  check_loop_not_closed, check_jurisdiction_breach, check_location_mismatch, check_permit_invalid,
                  check_capacity_exceeded, check_mass_balance, check_declared_storage, check_declaration_missing,
                  check_payment_anomaly, check_long_distance, check_overweight_load, check_handover_unconfirmed,
                  check_refused, check_correction_pending)
EVENT_CHECKS = {
    "pickup": (check_location_mismatch, check_long_distance, check_overweight_load, check_permit_invalid,
               check_storage_overdue, check_handover_unconfirmed),
    "transfer": (check_transit_overdue, check_overweight_load),  # 联运: the leg handed over, the next one loaded
    "deliver": (check_transit_overdue, check_location_mismatch, check_jurisdiction_breach, check_long_distance),
    "receive": (check_receipt_overdue, check_weight_mismatch, check_permit_invalid, check_refused),
    "dispose": (check_loop_not_closed,),
    "issue": (check_mass_balance,),
    "cancel": (check_mass_balance,),
}


@transactional
def run_reconciliation(session, *, day: date, now: datetime, thresholds: Thresholds, secret: str,
                       progress: Progress | None = None, timings: dict | None = None,
                       credit_rules: CreditRules | None = None) -> catalog.RunSummary:
    """Reconciles one business day (Asia/Shanghai): finds its anomalies, seals its events; idempotent.

    `timings`, when given, receives {part of the run: (seconds, candidate rows)} (the benchmark prints it).
    """
    started = clock.perf_counter()
    ensure_sqlite_math(session)
    read_cursors_whole(session)
    window = day_window(day)
    ctx = Context(session, day, window.start, window.end, thresholds)
    summary = catalog.RunSummary(date=day)
    seal = session.get(DaySeal, day)
    summary.rerun = bool(seal and seal.run_count)
    previous = dict(seal.summary or {}) if summary.rerun else {}
    if seal is None:
        seal = DaySeal(day=day, run_count=0, anomalies_found=0, summary={})
        session.add(seal)
        session.flush()
    timings = {} if timings is None else timings
    lap = clock.perf_counter()

    def timed(part: str, rows: int = 0) -> None:
        nonlocal lap
        moment = clock.perf_counter()
        timings[part] = (round(moment - lap, 3), rows)
        lap = moment

    backfilled = backfill_intake(session, day=day, thresholds=thresholds, progress=progress)
    timed("backfill_intake", backfilled)
    record_intake(ctx)
    timed("record_intake")
    total_checks = len(NIGHTLY_CHECKS) + 2
    fingerprints: set[str] = set()

    def record(candidates: Iterable[Candidate]) -> int:
        batch: list[Candidate] = []
        count = 0
        for candidate in candidates:
            batch.append(candidate)
            count += 1
            if len(batch) >= CHUNK:
                _flush(batch)
                batch = []
        _flush(batch)
        return count

    def _flush(batch: list[Candidate]) -> None:
        if not batch:
            return
        findings = to_findings(session, batch, thresholds=thresholds)
        findings = [f for f in findings if f.fingerprint not in fingerprints]
        for f in findings:
            fingerprints.add(f.fingerprint)
            summary.by_code[f.code] = summary.by_code.get(f.code, 0) + 1
        summary.new_anomalies += store_findings(session, findings, day=day, now=now, source="nightly")

    for i, check in enumerate(NIGHTLY_CHECKS, start=1):
        name = check.__name__.removeprefix("check_")
        timed(name, record(_within_calendar(check(ctx), name, summary.changes)))
        if progress:
            progress(name, i, total_checks)
    broken, summary.manifests_verified = check_chains(ctx, progress, keys=secret)
    timed("chains", record(broken))
    status, problems, summary.events_sealed = seal_day(session, day=day, secret=secret, now=now, seal=seal)
    summary.seal = status
    session.flush()
    timed("seal_day", summary.events_sealed)
    rechecked, summary.seals_rechecked = recheck_seals(session, day=day, secret=secret,
                                                       days=thresholds.seal_recheck_days,
                                                       cycle_days=thresholds.seal_recheck_cycle_days)
    timed("recheck_seals", summary.seals_rechecked)
    chain, _ = check_seal_chain(session, day=day, secret=secret)
    timed("seal_chain", record(problems + rechecked + chain))
    timed("rollups", refresh_rollups(session, day, receipt_working_days=thresholds.receipt_overdue_working_days))
    if progress:
        progress("seal", total_checks, total_checks)
    timed("credit", refresh_credit(session, day=day, now=now, rules=credit_rules))  # after the day's findings
    summary.anomalies_found = len(fingerprints)
    if backfilled:
        summary.changes.append(f"backfilled receiver intake for {backfilled} earlier days of the year")
    if summary.rerun:
        summary.changes.append(f"{summary.new_anomalies} new anomalies since the previous run "
                               f"(which found {previous.get('anomalies_found', 0)})")
        for code, count in sorted(summary.by_code.items()):
            before = previous.get("by_code", {}).get(code, 0)
            if count != before:
                summary.changes.append(f"{code}: {before} → {count}")
        summary.changes.append(f"seal {status}")
    summary.duration_s = clock.perf_counter() - started
    seal.run_count = (seal.run_count or 0) + 1
    seal.last_run_at = now
    seal.anomalies_found = summary.anomalies_found
    seal.summary = {k: v for k, v in summary.as_dict().items() if k in ("anomalies_found", "by_code", "seal")}
    return summary


def _within_calendar(candidates: Iterable[Candidate], name: str, notes: list) -> Iterator[Candidate]:
    """A check's findings up to where it needs a year the official calendar does not hold yet (working days). The
    rest of the run goes on: one unknown year must not stop the night's other checks and its seal."""
    try:
        yield from candidates
    except CalendarUnknown as unknown:
        year = unknown.params["year"]
        log.warning("%s stopped: the official holiday calendar has no %s yet (upgrade chinesecalendar)", name, year)
        notes.append(f"{name} stopped: the official holiday calendar has no {year} yet (upgrade chinesecalendar)")


@transactional
def check_event(session, *, event_id: int, now: datetime, thresholds: Thresholds) -> int:
    """Run-time findings for one recorded event (same checks as the night, scoped to the event)."""
    return check_events(session, event_ids=[event_id], now=now, thresholds=thresholds)


def check_events(session, *, event_ids: Iterable[int], now: datetime, thresholds: Thresholds) -> int:
    """Run-time findings for recorded events, set-based: one run of each check per step type and business day.

    The same checks as the night, scoped to these events instead of a day; findings are stored with the day of
    their event, as the nightly run would. Joins the caller's transaction (the outbox worker commits). Returns
    how many findings were new.
    """
    ensure_sqlite_math(session)
    ids = sorted(set(event_ids))
    groups: dict[tuple[str, date], list[int]] = {}
    for i in range(0, len(ids), CHUNK):
        rows = session.execute(select(E.c.id, E.c.type, E.c.occurred_at).where(E.c.id.in_(ids[i:i + CHUNK])))
        for row in rows:
            if row.type in EVENT_CHECKS:
                groups.setdefault((row.type, local_date(row.occurred_at)), []).append(row.id)
    new = 0
    for (step, on), group in sorted(groups.items()):
        window = day_window(on)
        ctx = Context(session, on, window.start, window.end, thresholds, event_ids=tuple(group))
        candidates = [c for check in EVENT_CHECKS[step]
                      for c in _within_calendar(check(ctx), check.__name__.removeprefix("check_"), [])]
        findings = to_findings(session, candidates, thresholds=thresholds)
        new += store_findings(session, findings, day=on, now=now, source="runtime")
    return new
