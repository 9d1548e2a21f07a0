"""One key source for the service, every flask command and cron: SECRET_KEY, else the key file run.sh writes."""
import os
import subprocess
import sys
from pathlib import Path

from wastechain.domain.keys import Keyring

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
FILE_KEY, ENV_KEY, OLD_KEY = "f" * 64, "e" * 64, "0" * 64
KEYS = "s = app.app.extensions['wastechain.settings'].keys; print(s.current_id, s.retired_ids, s.fingerprint())"


def _run(args: list[str], tmp_path, key_file: str | None = None, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("SECRET_KEY", "SECRET_KEY_ID", "RETIRED_SECRET_KEYS", "FLASK_DEBUG", "TEST_DATABASE_URL")}
    path = tmp_path / "secret_key"
    if key_file is not None:
        path.write_text(key_file)
    clean.update(DATABASE_URL=f"sqlite:///{tmp_path / 'keys.db'}", SECRET_KEY_FILE=str(path), **env)
    return subprocess.run(args, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=300)


def test_without_secret_key_in_the_environment_the_key_file_is_read(tmp_path):
    result = _run([sys.executable, "-c", f"import app; {KEYS}"], tmp_path, key_file=FILE_KEY + "\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "[]", Keyring.single(FILE_KEY).fingerprint()]


def test_the_environment_wins_over_the_key_file(tmp_path):
    result = _run([sys.executable, "-c", f"import app; {KEYS}"], tmp_path, key_file=FILE_KEY, SECRET_KEY=ENV_KEY,
                  SECRET_KEY_ID="3", RETIRED_SECRET_KEYS=f"1:{OLD_KEY}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "[1]", Keyring.single(ENV_KEY, 3).fingerprint()]


def test_a_rotated_key_file_names_the_new_key_first_and_keeps_the_old_one(tmp_path):
    result = _run([sys.executable, "-c", f"import app; {KEYS}"], tmp_path,
                  key_file=f"# rotated\n2:{FILE_KEY}\n1:{OLD_KEY}\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "[1]", Keyring.single(FILE_KEY, 2).fingerprint()]


def test_a_weak_retired_key_stops_the_service(tmp_path):
    result = _run([sys.executable, "-c", "import app"], tmp_path, key_file=f"2:{FILE_KEY}\n1:short\n")
    assert result.returncode != 0
    assert "wastechain cannot start: retired key 1 is the built-in development key or shorter" in result.stderr


def test_flask_reconcile_signs_with_the_key_file_so_the_service_verifies_its_seals(tmp_path):
    """The demo's false alarms: run.sh's key file was not read by `flask reconcile`, which sealed with another key."""
    assert _run([FLASK, "--app", "app", "db", "upgrade"], tmp_path, key_file=FILE_KEY).returncode == 0
    sealed = _run([FLASK, "--app", "app", "reconcile", "--date", "2026-11-20"], tmp_path, key_file=FILE_KEY)
    assert sealed.returncode == 0, sealed.stderr
    assert "seal created" in sealed.stdout
    as_the_service = _run([FLASK, "--app", "app", "verify-history"], tmp_path, SECRET_KEY=FILE_KEY)
    assert as_the_service.returncode == 0, as_the_service.stderr
    assert "1 day seals verified" in as_the_service.stdout
    another_key = _run([FLASK, "--app", "app", "verify-history"], tmp_path, SECRET_KEY=ENV_KEY)
    assert another_key.returncode == 1 and "broken: CHAIN_BROKEN:seal:2026-11-20" in another_key.stderr
