"""The reconcile and generate-city commands (flask CLI and scripts/): parse, call one service, print a summary.

Exit status: 0 when the run completed (whatever it found), 1 when the run itself failed, 2 on a bad option.
"""
import sys
import time
from datetime import date, timedelta

import click

from wastechain.db import utcnow
from wastechain.domain.anomalies import CATALOG
from wastechain.domain.timeutil import local_date
from wastechain.devdata.city import CityPlan, generate_city
from wastechain.services.outbox import drain
from wastechain.services.reconciliation import reconcile_day


def yesterday() -> date:
    return local_date(utcnow()) - timedelta(days=1)


def _progress():
    started = time.perf_counter()

    def show(label: str, done: int, total: int) -> None:
        of = f"/{total}" if total else ""
        click.echo(f"  [{time.perf_counter() - started:6.1f}s] {label} {done}{of}", err=True)

    return show


def reconcile(app, day: str | None) -> int:
    """Runs one day's reconciliation; prints progress to stderr and the summary to stdout."""
    try:
        target = date.fromisoformat(day) if day else yesterday()
    except ValueError:
        click.echo(f"error: --date must be YYYY-MM-DD, got {day!r}", err=True)
        return 2
    click.echo(f"reconciling {target} (Asia/Shanghai)…", err=True)
    try:
        settings = app.extensions["wastechain.settings"]
        with app.app_context(), app.extensions["wastechain.sessions"]() as session:
            checked = drain(session, now=settings.now, thresholds=settings.thresholds)  # steps not yet checked
            if checked:
                click.echo(f"run-time checks of {checked} steps left in the outbox: done", err=True)
            summary = reconcile_day(session, actor=None, day=target, now=settings.now(),
                                    thresholds=settings.thresholds, secret=settings.secret_key, progress=_progress())
    except Exception as error:  # the run failed: say so and exit non-zero (cron mails stderr)
        click.echo(f"error: reconciliation of {target} failed: {type(error).__name__}: {error}", err=True)
        return 1
    click.echo(f"reconciliation of {summary.date}: {summary.anomalies_found} anomalies "
               f"({summary.new_anomalies} new){' — rerun' if summary.rerun else ''}; "
               f"seal {summary.seal}, {summary.events_sealed} events sealed, "
               f"{summary.manifests_verified} manifest chains verified, {summary.seals_rechecked} earlier seals "
               f"rechecked; {summary.duration_s:.1f} s")
    for code, count in sorted(summary.by_code.items()):
        click.echo(f"  {code:<20} {CATALOG[code].name:<8} {count}")
    for change in summary.changes:
        click.echo(f"  changed: {change}")
    return 0


def generate(app, *, start: str, days: int, per_day: int, seed: int, faults: bool) -> int:
    """Writes a synthetic city through the services and prints what was injected."""
    try:
        plan = CityPlan(start=date.fromisoformat(start), days=days, manifests_per_day=per_day, seed=seed,
                        faults=faults)
    except ValueError as error:
        click.echo(f"error: {error}", err=True)
        return 2
    try:
        city = generate_city(app.extensions["wastechain.engine"], plan, progress=_progress())
    except Exception as error:
        click.echo(f"error: generation failed: {type(error).__name__}: {error}", err=True)
        return 1
    click.echo(f"generated {city.manifests} manifests and {city.events} events, {city.first_day} – {city.last_day}")
    for code, prints in sorted(city.injected.items()):
        click.echo(f"  injected {code}: {len(prints)}")
    sys.stdout.flush()
    return 0
