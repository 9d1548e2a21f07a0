"""The service and every command refuse to run outside debug or testing with the built-in development key."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wastechain.settings import DEVELOPMENT_SECRET_KEY, Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]


def _run(args: list[str], tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FLASK_DEBUG", "TEST_DATABASE_URL")}
    # The key file is the test's own (none unless it writes one), never the checkout's instance/secret_key.
    clean.update(DATABASE_URL=f"sqlite:///{tmp_path / 'startup.db'}", SECRET_KEY_FILE=str(tmp_path / "secret_key"),
                 **env)
    return subprocess.run(args, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def test_the_wsgi_app_refuses_to_start_without_a_secret_key(tmp_path):
    result = _run([sys.executable, "-c", "import app"], tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is the built-in development key" in result.stderr
    assert "Traceback" not in result.stderr


def test_flask_reconcile_refuses_the_development_key(tmp_path):
    flask = str(Path(sys.executable).with_name("flask"))
    result = _run([flask, "--app", "app", "reconcile", "--date", "2026-11-01"], tmp_path,
                  SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    assert result.returncode != 0
    assert "wastechain cannot start: SECRET_KEY is the built-in development key" in result.stderr
    assert not (tmp_path / "startup.db").exists() or (tmp_path / "startup.db").stat().st_size == 0


def test_debug_runs_with_the_development_key(tmp_path):
    result = _run([sys.executable, "-c", "import app; print(app.app.name)"], tmp_path, FLASK_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wastechain"


def test_a_real_key_starts_the_service(tmp_path):
    result = _run([sys.executable, "-c", "import app; print(app.app.extensions['wastechain.settings'].debug)"],
                  tmp_path, SECRET_KEY="9f1c" * 16)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("key", ["", DEVELOPMENT_SECRET_KEY, "short"])
def test_settings_refuse_a_missing_default_or_short_key_in_production(key):
    with pytest.raises(SettingsError):
        Settings(secret_key=key).validate()


def test_tests_may_use_a_short_key_but_never_none():
    assert Settings(secret_key="test-secret", testing=True).validate().testing
    with pytest.raises(SettingsError, match="SECRET_KEY is not set"):
        Settings(secret_key="", testing=True).validate()
