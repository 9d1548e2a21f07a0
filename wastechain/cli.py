"""flask commands: each parses its options and calls one service."""
import time

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from wastechain import schema
from wastechain.catalog import seed_catalog
from wastechain.cli_reconcile import check_seals, export_seals, generate, reconcile
from wastechain.cli_rollups import rebuild_rollups_range
from wastechain.devdata.demo import DEMO_LOGINS, seed_demo
from wastechain.domain.catalog import COLUMNS
from wastechain.domain.errors import DomainError
from wastechain.domain.keys import Keyring, parse_key_file, parse_keyring
from wastechain.services.accounts.auth import create_admin
from wastechain.services.anomalies import notifications
from wastechain.services.catalog import editions, imports
from wastechain.services.outbox import drain
from wastechain.services.reconciliation.history import resolve_false_alarms, verify_history
from wastechain.settings import DEVELOPMENT_SECRET_KEY

db_group = AppGroup("db", help="Database schema (Alembic migrations).")


def _engine():
    return current_app.extensions["wastechain.engine"]


def _session():
    return current_app.extensions["wastechain.sessions"]()


def _settings():
    return current_app.extensions["wastechain.settings"]


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision):
    """Create or migrate the schema, then load the reference catalogs."""
    schema.upgrade(_engine(), revision)
    _seed_catalog()


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision):
    """Step the schema back to a revision."""
    schema.downgrade(_engine(), revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--head", default="head", show_default=True, help="the revision to branch from")
def db_revision(message, head):
    """Write a migration from the models' difference to the database (developers)."""
    schema.revision(_engine(), message, head)


@db_group.command("current")
def db_current():
    """Show the schema revision."""
    schema.current(_engine())


@db_group.command("history")
def db_history():
    """List the migrations, newest first."""
    schema.history()


@db_group.command("check")
def db_check():
    """Fail unless the database is at the newest revision and agrees with the models."""
    try:
        schema.check(_engine())
    except schema.SchemaError as error:
        raise click.ClickException(str(error)) from None


def _seed_catalog():
    with _session() as session:
        written = seed_catalog(session)
    click.echo(f"catalog: {written['regions']} regions and {written['waste_codes']} waste codes written, "
               f"{written['editions']} edition rows (0 means already up to date)")


@click.command("seed-catalog")
@with_appcontext
def seed_catalog_command():
    """Load administrative divisions and waste codes (idempotent)."""
    _seed_catalog()


@click.command("create-admin")
@with_appcontext
@click.option("--username", required=True)
@click.option("--password", required=True)
def create_admin_command(username, password):
    """Create an administrator account."""
    with _session() as session:
        try:
            create_admin(session, username=username, password=password,
                         hash_method=_settings().password_hash_method)
        except DomainError as error:
            raise click.ClickException(error.message) from None
    click.echo(f"administrator {username} created")


@click.command("seed-demo")
@with_appcontext
@click.option("--password", default="demo12345", show_default=True, help="password of every demo account")
def seed_demo_command(password):
    """Build a small Quzhou world with manifests in every state and its past week reconciled; print the logins."""
    seed_demo(_engine(), password=password, settings=_settings(), now=_settings().now())
    click.echo("demo accounts (password: %s):" % password)
    for username, description in DEMO_LOGINS:
        click.echo(f"  {username:<22} {description}")


@click.command("reconcile")
@click.option("--date", "day", default=None, help="the business day YYYY-MM-DD (default: yesterday, Asia/Shanghai)")
def reconcile_command(day):
    """Run the daily reconciliation of one day: anomalies, day seal, summary (idempotent)."""
    raise SystemExit(reconcile(current_app, day))


@click.command("generate-city")
@click.option("--start", required=True, help="first day YYYY-MM-DD")
@click.option("--days", type=int, default=90, show_default=True)
@click.option("--per-day", type=int, default=50, show_default=True, help="manifests per day")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--no-faults", is_flag=True, help="a clean city, no injected faults")
def generate_city_command(start, days, per_day, seed, no_faults):
    """Write a synthetic Quzhou (six counties, months of manifests, injected faults) into the database."""
    raise SystemExit(generate(current_app, start=start, days=days, per_day=per_day, seed=seed, faults=not no_faults))


@click.command("verify-history")
@with_appcontext
@click.option("--resolve-false-alarms", "correct", is_flag=True,
              help="resolve, with a note, open seal-signature alarms whose seal verifies under a known key")
@click.option("--as", "actor", default=None, help="the administrator account the correction is recorded under")
@click.option("--accept-key-file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="a key file (one key per line, id:key or key) of keys that once signed seals and are no longer "
                   "in the keyring; seals they signed are re-signed with the current key")
@click.option("--accept-development-key", is_flag=True,
              help="also accept seals signed with the built-in development key (by a command run without the key)")
def verify_history_command(correct, actor, accept_key_file, accept_development_key):
    """Re-verify every manifest's hash chain and every day seal (after a restore, or on request); exit 1 if any broke."""
    keys = _settings().secret_key
    if correct:
        if not actor:
            raise click.UsageError("--resolve-false-alarms needs --as ADMIN_USERNAME (the note's author)")
        accepted = []
        if accept_key_file:
            with open(accept_key_file) as handle:
                ring = parse_keyring(*parse_key_file(handle.read()))
            accepted += [(f"密钥文件 {accept_key_file} 中的密钥 {i}", Keyring.single(master, i))
                         for i, master in ring.masters.items()]
        if accept_development_key:
            accepted.append(("内置的开发密钥（未配置密钥时运行的命令）", Keyring.single(DEVELOPMENT_SECRET_KEY)))
        with _session() as session:
            try:
                corrections, kept = resolve_false_alarms(session, keys=keys, actor_username=actor,
                                                         now=_settings().now(), accepted=accepted)
            except DomainError as error:
                raise click.ClickException(error.message) from None
        for correction in corrections:
            how = ", re-signed with the current key" if correction.resigned else ""
            click.echo(f"  resolved as a false alarm: anomaly {correction.anomaly_id} of {correction.day} "
                       f"(verifies under key {correction.key_id}{how})")
        for left in kept:
            click.echo(f"  left open: {left['day']}: {left['why']}", err=True)
        click.echo(f"{len(corrections)} false alarms resolved, {len(kept)} alarms left open")
    with _session() as session:
        check = verify_history(session, secret=keys)
    click.echo(f"{check.manifests_verified} manifest chains and {check.seals_verified} day seals verified")
    for problem in check.problems:
        click.echo(f"  broken: {problem['fingerprint']}{_mac_detail(problem)}", err=True)
    raise SystemExit(0 if check.ok else 1)


MAC_DETAILS = {"mac_missing": "has no MAC and no signed seal covers its day",
               "mac_invalid": "has a MAC that does not verify (edited, hash recomputed?)",
               "mac_unknown_key": "has a MAC under key id {key_id}, which is not in the keyring"}


def _mac_detail(problem: dict) -> str:
    """What is wrong with an event's MAC: an unknown key id names a key missing from the keyring (or a forgery)."""
    if not problem.get("mac_problem"):
        return ""
    what = MAC_DETAILS[problem["mac_problem"]].format(key_id=problem.get("mac_key_id"))
    return f" (event {problem.get('broken_at_seq')} {what})"


seals_group = AppGroup("seals", help="Day seals kept outside the database (a notary, a write-once store).")


@seals_group.command("export")
@click.argument("folder")
def seals_export(folder):
    """Write each signed day seal to FOLDER/day-seal-YYYY-MM-DD.json (never overwriting a file)."""
    raise SystemExit(export_seals(current_app, folder))


@seals_group.command("check")
@click.argument("folder")
def seals_check(folder):
    """Compare the exported seal files in FOLDER with the database; exit 1 on any difference."""
    raise SystemExit(check_seals(current_app, folder))


@click.command("run-checks")
@with_appcontext
@click.option("--loop", is_flag=True, help="keep draining: check the outbox every --interval seconds until stopped")
@click.option("--interval", type=float, default=1.0, show_default=True, help="seconds between drains with --loop")
@click.option("--batch", "batch_size", type=int, default=500, show_default=True, help="events per transaction")
def run_checks_command(loop, interval, batch_size):
    """Run the run-time anomaly checks of recorded steps (the outbox), set-based; once, or with --loop forever."""
    settings = _settings()
    while True:
        with _session() as session:
            checked = drain(session, now=settings.now, thresholds=settings.thresholds, batch_size=batch_size)
        if checked or not loop:
            click.echo(f"run-time checks: {checked} steps checked", err=loop)
        if not loop:
            return
        time.sleep(interval)


notifications_group = AppGroup("notifications", help="Warnings (预警) of critical anomalies for a message gateway.")


@notifications_group.command("drain")
@click.option("--webhook", default=None, help="URL that receives each warning as a JSON POST "
                                              "(default: the NOTIFY_WEBHOOK_URL setting)")
def notifications_drain(webhook):
    """POST the undelivered warnings to the gateway and mark them delivered; failed ones stay for the next run."""
    url = webhook or _settings().notify_webhook_url
    if not url:
        raise click.UsageError("no gateway: pass --webhook URL or set NOTIFY_WEBHOOK_URL")
    with _session() as session:
        delivered, failed = notifications.drain(session, send=notifications.webhook(url), now=_settings().now())
    click.echo(f"warnings: {delivered} delivered, {failed} failed")
    if failed:
        raise SystemExit(1)
catalog_group = AppGroup("catalog", help="Catalog editions: what is in force, and loading a new edition.")


def _read(path: str, columns: tuple[str, ...]):
    with open(path, "rb") as handle:
        return imports.read_table(handle.read(), path, columns)


def _echo_plan(plan: imports.ImportPlan) -> None:
    base = f"{plan.base.kind} {plan.base.name}" if plan.base else "nothing"
    click.echo(f"{plan.kind} edition {plan.edition} from {plan.effective_from}: {plan.rows} rows, "
               f"{plan.mapping_rows} mapping rows, compared with {base}")
    for problem in plan.problems:
        click.echo(f"  row {problem.row}, {problem.column}: {problem.message}", err=True)
    if plan.diff is None:
        return
    for name, changes in vars(plan.diff).items():
        for change in changes:
            click.echo(f"  {name}: {_change(change)}")
    if plan.diff.empty:
        click.echo("  no difference")


def _change(change) -> str:
    if isinstance(change, str):
        return change
    if "code" in change:
        return f"{change['code']}: {change['old']!r} -> {change['new']!r}"
    sources = change["from"] if isinstance(change["from"], list) else [change["from"]]
    targets = change["to"] if isinstance(change["to"], list) else [change["to"]]
    return f"{' + '.join(sources)} -> {' + '.join(targets)}"


@catalog_group.command("import")
@click.option("--kind", type=click.Choice(["hazardous", "general", "exemption"]), required=True)
@click.option("--edition", required=True, help="the edition's name, e.g. 2025")
@click.option("--effective", required=True, type=click.DateTime(["%Y-%m-%d"]), help="in force from YYYY-MM-DD")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CSV/XLSX with columns old_code,new_code: the merges and splits of this edition")
@click.option("--title", default=None, help="the edition's full title (default: the catalog's name and edition)")
@click.option("--apply", "apply_", is_flag=True, help="write it (one transaction); without it, a dry run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def catalog_import(kind, edition, effective, mapping, title, apply_, file):
    """Check a new edition's table (CSV or XLSX), show its difference against the edition in force, and with
    --apply load it; running it again changes nothing."""
    rows, problems = _read(file, COLUMNS[kind])
    pairs, mapping_problems = _read(mapping, imports.MAPPING_COLUMNS) if mapping else ([], [])
    options = {"kind": kind, "edition": edition, "effective_from": effective.date(), "rows": rows,
               "mapping": pairs, "problems": problems + mapping_problems}
    with _session() as session:
        try:
            plan = (imports.apply_import(session, actor=None, title=title, **options) if apply_
                    else imports.plan_import(session, **options))
        except imports.CatalogImportRefused as refused:
            plan = imports.ImportPlan(kind=kind, edition=edition, effective_from=effective.date(), rows=len(rows),
                                      problems=refused.problems, mapping_rows=len(pairs))
        _echo_plan(plan)
    if not plan.ok:
        raise click.ClickException(f"{len({p.row for p in plan.problems})} rows refused; nothing was written")
    if plan.applied:
        click.echo("applied")
    elif plan.unchanged:
        click.echo("already loaded exactly so: nothing to write")
    else:
        click.echo("dry run: nothing written (add --apply to load it)")


@catalog_group.command("editions")
def catalog_editions():
    """List every edition (in force from, to, verified, loaded) and the pending ones to load."""
    with _session() as session:
        for e in editions.all_editions(session):
            state = "loaded" if e.loaded else "PENDING: not loaded"
            click.echo(f"{e.kind:<10} {e.name:<8} {e.effective_from} .. {e.effective_to or ''} "
                       f"{'verified' if e.verified else 'provisional'} {state}  {e.title}")
rollups_group = AppGroup("rollups", help="The daily rollups behind the regulators' dashboard.")


@rollups_group.command("rebuild")
@click.option("--from", "first", default=None, help="first day YYYY-MM-DD (default: the oldest day of history)")
@click.option("--to", "last", default=None, help="last day YYYY-MM-DD (default: yesterday, Asia/Shanghai)")
def rollups_rebuild(first, last):
    """Recompute the daily rollups of a range of China days (idempotent); one transaction per 30 days."""
    raise SystemExit(rebuild_rollups_range(current_app, first, last))


def init_app(app) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(catalog_group)
    app.cli.add_command(seals_group)
    app.cli.add_command(notifications_group)
    app.cli.add_command(rollups_group)
    for command in (seed_catalog_command, create_admin_command, seed_demo_command, reconcile_command,
                    generate_city_command, verify_history_command, run_checks_command):
        app.cli.add_command(command)
