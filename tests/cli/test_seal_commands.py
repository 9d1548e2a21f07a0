"""flask seals export/check: a write-once copy of every day seal; flask verify-history --resolve-false-alarms."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from wastechain.domain.anomalies import Thresholds, day_window
from wastechain.domain.keys import Keyring
from wastechain.domain.timeutil import local_date
from wastechain.models import Anomaly, ManifestEvent
from wastechain.services.reconciliation import run_reconciliation


def _invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def sealed_day(app, api, world, batch, session):
    """Yesterday's manifest sealed under the service's key."""
    api.issue(world, batch)
    day = local_date(session.scalars(select(ManifestEvent.recorded_at)).one())
    run_reconciliation(session, day=day, now=day_window(day).end + timedelta(hours=1), thresholds=Thresholds(),
                       secret=app.extensions["wastechain.settings"].secret_key)
    return day


def test_export_writes_one_read_only_file_per_sealed_day_and_never_overwrites(app, session, sealed_day, tmp_path):
    result = _invoke(app, "seals", "export", str(tmp_path))
    assert result.exit_code == 0 and "1 day seals written" in result.output
    path = tmp_path / f"day-seal-{sealed_day.isoformat()}.json"
    record = json.loads(path.read_text())
    keys = app.extensions["wastechain.settings"].keys
    assert (record["key_id"], record["key_fingerprint"], record["event_count"]) == (1, keys.fingerprint(), 1)
    assert len(record["signature"]) == 64 and not path.stat().st_mode & 0o222
    again = _invoke(app, "seals", "export", str(tmp_path))
    assert again.exit_code == 0 and "0 day seals written" in again.output and "1 already there" in again.output

    session.execute(text("UPDATE day_seal SET event_count = 7 WHERE day = :d"), {"d": sealed_day})
    session.commit()
    changed = _invoke(app, "seals", "export", str(tmp_path))
    assert changed.exit_code == 1 and "differs from the database" in changed.output
    assert json.loads(path.read_text()) == record  # the copy keeps what was sealed


def test_check_agrees_with_the_export_and_names_a_seal_changed_since(app, session, sealed_day, tmp_path):
    assert _invoke(app, "seals", "export", str(tmp_path)).exit_code == 0
    agreed = _invoke(app, "seals", "check", str(tmp_path))
    assert agreed.exit_code == 0 and "1 exported day seals compared with the database: they agree" in agreed.output
    session.execute(text("UPDATE day_seal SET merkle_root = :r WHERE day = :d"), {"r": "f" * 64, "d": sealed_day})
    session.commit()
    differs = _invoke(app, "seals", "check", str(tmp_path))
    assert differs.exit_code == 1 and f"{sealed_day.isoformat()}: changed (merkle_root)" in differs.output


def test_verify_history_resolves_the_false_alarms_of_a_wrong_key(app, session, sealed_day):
    later = sealed_day + timedelta(days=1)
    run_reconciliation(session, day=later, now=day_window(later).end, thresholds=Thresholds(),
                       secret=Keyring.single("w" * 64))  # checked with a wrong key: a false critical alarm
    run_reconciliation(session, day=later, now=day_window(later).end, thresholds=Thresholds(),
                       secret=app.extensions["wastechain.settings"].secret_key)
    assert session.scalar(select(Anomaly.status).where(
        Anomaly.fingerprint == f"CHAIN_BROKEN:seal:{sealed_day.isoformat()}")) == "open"
    session.rollback()  # end the test's read (SQLite)
    refused = _invoke(app, "verify-history", "--resolve-false-alarms")
    assert refused.exit_code == 2 and "--as ADMIN_USERNAME" in refused.output

    result = _invoke(app, "verify-history", "--resolve-false-alarms", "--as", "admin", "--accept-development-key")
    assert "resolved as a false alarm: anomaly" in result.output and f"of {sealed_day}" in result.output
    session.expire_all()
    assert session.scalar(select(Anomaly.status).where(
        Anomaly.fingerprint == f"CHAIN_BROKEN:seal:{sealed_day.isoformat()}")) == "resolved"
    # the wrong key also sealed the next day: that seal verifies under no key it knows, so it stays broken
    assert result.exit_code == 1 and f"broken: CHAIN_BROKEN:seal:{later}" in result.output


def test_a_seal_signed_by_a_key_given_in_a_file_is_accepted_and_re_signed(app, session, sealed_day, tmp_path):
    later = sealed_day + timedelta(days=1)
    old = "o" * 64
    run_reconciliation(session, day=later, now=day_window(later).end, thresholds=Thresholds(),
                       secret=Keyring.single(old, 7))  # a key the service no longer has sealed the next day
    run_reconciliation(session, day=later + timedelta(days=1), now=day_window(later).end, thresholds=Thresholds(),
                       secret=app.extensions["wastechain.settings"].secret_key)
    session.rollback()
    key_file = tmp_path / "old_keys"
    key_file.write_text(f"7:{old}\n")
    result = _invoke(app, "verify-history", "--resolve-false-alarms", "--as", "admin", "--accept-key-file",
                     str(key_file))
    assert f"of {later} (verifies under key 1, re-signed with the current key)" in result.output
    assert result.exit_code == 0, result.output
