"""flask db …: the schema's migrations listed, checked, stepped back and forth."""
import os
import re
import subprocess
import sys
from pathlib import Path

from wastechain import ROOT

# Every revision in file order (each file's down_revision is the previous file): the chain the commands must show.
REVISIONS = [re.search(r"^revision = '([^']+)'", path.read_text(), re.M).group(1)
             for path in sorted((ROOT / "migrations" / "versions").glob("0*.py"))]
HEAD = REVISIONS[-1]


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_history_lists_every_migration_newest_first(app):
    output = _run(app, "db", "history")
    listed = re.findall(r"-> (\w+)", output)
    assert listed == REVISIONS[::-1]
    assert f"{HEAD} (head)" in output


def test_check_passes_on_a_migrated_database(app):
    assert "No new upgrade operations detected" in _run(app, "db", "check")


def test_current_shows_the_head_revision(app):
    assert f"{HEAD} (head)" in _run(app, "db", "current")


def test_downgrade_then_upgrade_returns_to_the_head_and_a_passing_check(app):
    _run(app, "db", "downgrade", "0004_anomalies")
    try:
        assert "0004_anomalies" in _run(app, "db", "current")
        behind = app.test_cli_runner().invoke(args=["db", "check"])
        assert behind.exit_code != 0 and "not up to date" in behind.output
    finally:
        output = _run(app, "db", "upgrade")
    assert "0 regions and 0 waste codes written" in output  # the catalogs are loaded after migrating, as before
    assert f"{HEAD} (head)" in _run(app, "db", "current")
    assert "No new upgrade operations detected" in _run(app, "db", "check")


def test_alembic_runs_from_the_repository_root_against_database_url(database_url):
    # the console script, not `python -m alembic`: -m would put the working directory on sys.path by itself
    alembic = Path(sys.executable).parent / "alembic"
    env = {**os.environ, "DATABASE_URL": database_url}
    for args, expected in ((["history"], f"{REVISIONS[-2]} -> {HEAD} (head)"),
                           (["current"], f"{HEAD} (head)"),
                           (["check"], "No new upgrade operations detected")):
        result = subprocess.run([str(alembic), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and expected in result.stdout, result.stdout + result.stderr
