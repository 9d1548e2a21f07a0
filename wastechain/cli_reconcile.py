"""The reconcile, generate-city and seals commands (flask CLI and scripts/): parse, call one service, print a summary.

Exit status: 0 when the run completed (whatever it found), 1 when the run itself failed, 2 on a bad option.
"""
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import click

from wastechain.db import utcnow
from wastechain.domain.anomalies import CATALOG
from wastechain.domain.timeutil import local_date
from wastechain.devdata.city import CityPlan, generate_city
from wastechain.services.outbox import drain
from wastechain.services.reconciliation import reconcile_day
from wastechain.services.reconciliation.history import compare_seal_records, seal_records


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
                                    thresholds=settings.thresholds, secret=settings.secret_key, progress=_progress(),
                                    credit_rules=settings.credit_rules)
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
        city = generate_city(app.extensions["wastechain.engine"], plan, progress=_progress(),
                             keys=app.extensions["wastechain.settings"].secret_key)
    except Exception as error:
        click.echo(f"error: generation failed: {type(error).__name__}: {error}", err=True)
        return 1
    click.echo(f"generated {city.manifests} manifests and {city.events} events, {city.first_day} – {city.last_day}")
    for code, prints in sorted(city.injected.items()):
        click.echo(f"  injected {code}: {len(prints)}")
    sys.stdout.flush()
    return 0


# ---------------------------------------------------------------- seals kept outside the database

SEAL_FILE = "day-seal-{day}.json"


def export_seals(app, folder: str) -> int:
    """Writes each signed day seal to FOLDER/day-seal-YYYY-MM-DD.json, once: a file already there is never
    overwritten (a write-once copy); one that differs from the database is reported and the exit status is 1."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    settings = app.extensions["wastechain.settings"]
    with app.app_context(), app.extensions["wastechain.sessions"]() as session:
        records = seal_records(session, keys=settings.secret_key)
    written = kept = 0
    differs = []
    for record in records:
        path = target / SEAL_FILE.format(day=record["day"])
        text = json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
        if path.exists():
            if path.read_text() == text:
                kept += 1
            else:
                differs.append(path.name)
            continue
        path.write_text(text)
        path.chmod(0o444)
        written += 1
    click.echo(f"{written} day seals written to {target}, {kept} already there")
    for name in differs:
        click.echo(f"  differs from the database (left as it was): {name}", err=True)
    return 1 if differs else 0


def check_seals(app, folder: str) -> int:
    """Compares the exported seal files in FOLDER with the database; exit status 1 when they disagree."""
    records = []
    for path in sorted(Path(folder).glob(SEAL_FILE.format(day="*"))):
        try:
            records.append(json.loads(path.read_text()))
        except (OSError, ValueError) as error:
            click.echo(f"error: cannot read {path.name}: {error}", err=True)
            return 1
    settings = app.extensions["wastechain.settings"]
    with app.app_context(), app.extensions["wastechain.sessions"]() as session:
        problems = compare_seal_records(session, records, keys=settings.secret_key)
    click.echo(f"{len(records)} exported day seals compared with the database: "
               f"{'they agree' if not problems else f'{len(problems)} differences'}")
    for problem in problems:
        fields = f" ({', '.join(problem['fields'])})" if problem.get("fields") else ""
        click.echo(f"  {problem['day']}: {problem['problem']}{fields}", err=True)
    return 1 if problems else 0
