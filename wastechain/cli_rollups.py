"""`flask rollups rebuild`: parse the range, call the rollups service, print what was done."""
from datetime import date

import click

from wastechain.cli_reconcile import _progress, yesterday
from wastechain.services.statistics.rollups import first_day_of_history, rebuild_rollups


def rebuild_rollups_range(app, first: str | None, last: str | None) -> int:
    try:
        last_day = date.fromisoformat(last) if last else yesterday()
        first_day = date.fromisoformat(first) if first else None
    except ValueError:
        click.echo("error: --from and --to must be YYYY-MM-DD", err=True)
        return 2
    settings = app.extensions["wastechain.settings"]
    with app.app_context(), app.extensions["wastechain.sessions"]() as session:
        first_day = first_day or first_day_of_history(session)
        if first_day is None or first_day > last_day:
            click.echo("no days to rebuild")
            return 0
        done = rebuild_rollups(session, first_day, last_day, progress=_progress(),
                               receipt_working_days=settings.thresholds.receipt_overdue_working_days)
        session.commit()
    click.echo(f"rollups rebuilt for {done} days, {first_day} – {last_day}")
    return 0
