"""Key rotation keeps seals verifying; false alarms of a wrong key are corrected in the open; seals copied out of
the database; /verify checks the seal signatures of a manifest's days."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from tests.conftest import TEST_CONFIG
from tests.factories import as_database_administrator, row_count
from wastechain import create_app
from wastechain.domain.anomalies import Thresholds, day_window
from wastechain.domain.errors import Forbidden
from wastechain.domain.keys import Keyring, parse_keyring
from wastechain.domain.timeutil import local_date
from wastechain.models import Anomaly, AnomalyNote, DaySeal, ManifestEvent
from wastechain.services.reconciliation import run_reconciliation
from wastechain.services.reconciliation.history import (compare_seal_records, resolve_false_alarms, seal_records,
                                                        verify_history)
from wastechain.settings import DEVELOPMENT_SECRET_KEY

KEY_1, KEY_2, WRONG = "1" * 64, "2" * 64, "w" * 64
BEFORE = Keyring.single(KEY_1, 1)
ROTATED = parse_keyring(KEY_2, 2, f"1:{KEY_1}")


@pytest.fixture
def app(database_url):
    """The service runs on key 1 (BEFORE): the events it writes carry MACs under it."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "SECRET_KEY": KEY_1})
    yield app
    app.extensions["wastechain.engine"].dispose()


@pytest.fixture
def sealed_day(api, world, batch, session):
    """A manifest issued today, and the day sealed under key 1 once it is over."""
    manifest_id = api.issue(world, batch).json["id"]
    day = local_date(session.scalars(select(ManifestEvent.recorded_at)).one())
    summary = _reconcile(session, day, BEFORE)
    assert summary.seal == "created"
    return day, manifest_id


def _reconcile(session, day, keys, *, after=timedelta(hours=1)):
    return run_reconciliation(session, day=day, now=day_window(day).end + after, thresholds=Thresholds(), secret=keys)


def _alarm(session, day) -> Anomaly | None:
    session.expire_all()
    return session.scalar(select(Anomaly).where(Anomaly.fingerprint == f"CHAIN_BROKEN:seal:{day.isoformat()}"))


def test_after_a_key_rotation_old_seals_verify_and_new_ones_carry_the_new_key_id(session, sealed_day):
    day, _ = sealed_day
    summary = _reconcile(session, day + timedelta(days=1), ROTATED)
    assert summary.seal == "created" and _alarm(session, day) is None
    assert verify_history(session, secret=ROTATED).ok
    session.expire_all()
    assert (session.get(DaySeal, day).key_id, session.get(DaySeal, day + timedelta(days=1)).key_id) == (1, 2)
    assert not verify_history(session, secret=Keyring.single(KEY_2, 2)).ok  # key 1 removed: its seals fail


def test_a_false_alarm_of_a_wrong_key_is_resolved_with_a_note_the_regulator_reads(session, sealed_day):
    day, _ = sealed_day
    _reconcile(session, day + timedelta(days=1), Keyring.single(WRONG))  # a command run with another key
    alarm = _alarm(session, day)
    assert alarm.status == "open" and alarm.evidence["signature_ok"] is False  # a critical 记录被篡改
    anomalies_before = row_count(session, Anomaly)
    seals_before = [tuple(r) for r in session.execute(select(DaySeal.day, DaySeal.signature).order_by(DaySeal.day))]

    corrections, kept = resolve_false_alarms(session, keys=BEFORE, actor_username="admin",
                                             now=day_window(day).end + timedelta(days=2))
    assert [(c.day, c.key_id, c.resigned) for c in corrections] == [(day, 1, False)]
    assert kept == []
    # the seal the wrong key made for the next day is not made valid: the service's key still finds it
    assert {p["fingerprint"] for p in verify_history(session, secret=BEFORE).problems} == {
        f"CHAIN_BROKEN:seal:{(day + timedelta(days=1)).isoformat()}"}
    alarm = _alarm(session, day)
    assert alarm.status == "resolved" and row_count(session, Anomaly) == anomalies_before
    note = session.scalar(select(AnomalyNote).where(AnomalyNote.anomaly_id == alarm.id))
    assert (note.kind, note.from_status, note.to_status, note.author_role) == ("status", "open", "resolved", "admin")
    assert "错误的密钥" in note.note and BEFORE.fingerprint() in note.note
    assert [tuple(r) for r in session.execute(select(DaySeal.day, DaySeal.signature).order_by(DaySeal.day))] \
        == seals_before  # a seal that verifies is not touched


def test_a_seal_signed_by_the_development_key_is_re_signed_only_when_the_operator_accepts_that_key(session,
                                                                                                     sealed_day):
    day, _ = sealed_day
    development = Keyring.single(DEVELOPMENT_SECRET_KEY)
    _reconcile(session, day + timedelta(days=1), development)  # `flask reconcile` once ran without the key file
    next_day = day + timedelta(days=1)
    _reconcile(session, day + timedelta(days=2), BEFORE)
    assert _alarm(session, next_day).evidence["signature_ok"] is False

    corrections, kept = resolve_false_alarms(session, keys=BEFORE, actor_username="admin", now=day_window(day).end)
    assert not [c for c in corrections if c.day == next_day]
    assert next_day in [left["day"] for left in kept]

    corrections, _ = resolve_false_alarms(session, keys=BEFORE, actor_username="admin", now=day_window(day).end,
                                          accepted=[("内置的开发密钥", development)])
    assert [(c.day, c.key_id, c.resigned) for c in corrections if c.day == next_day] == [(next_day, 1, True)]
    assert _alarm(session, next_day).status == "resolved"
    assert "重新签名" in session.scalar(select(AnomalyNote.note).where(
        AnomalyNote.anomaly_id == _alarm(session, next_day).id))
    assert not [p for p in verify_history(session, secret=BEFORE).problems if "seal" in p["fingerprint"]]


def test_a_real_forgery_is_never_resolved_as_a_false_alarm(session, sealed_day):
    day, _ = sealed_day
    session.execute(text("UPDATE day_seal SET signature = :s WHERE day = :d"), {"s": "0" * 64, "d": day})
    session.commit()
    _reconcile(session, day + timedelta(days=1), BEFORE)
    corrections, kept = resolve_false_alarms(session, keys=BEFORE, actor_username="admin", now=day_window(day).end,
                                             accepted=[("内置的开发密钥", Keyring.single(DEVELOPMENT_SECRET_KEY))])
    assert corrections == [] and kept == [{"day": day, "why": "the signature verifies under no known key"}]
    assert _alarm(session, day).status == "open"


def test_only_an_administrator_may_correct_alarms(session, sealed_day):
    with pytest.raises(Forbidden):
        resolve_false_alarms(session, keys=BEFORE, actor_username="regulator", now=day_window(sealed_day[0]).end)


# ---------------------------------------------------------------- copies of the seals outside the database

def test_exported_seals_agree_with_the_database_until_a_seal_is_changed_or_deleted(session, sealed_day):
    day, _ = sealed_day
    records = json.loads(json.dumps(seal_records(session, keys=BEFORE)))  # as read back from the files
    assert [(r["day"], r["key_id"], r["key_fingerprint"]) for r in records] == [(day.isoformat(), 1,
                                                                                  BEFORE.fingerprint())]
    assert compare_seal_records(session, records, keys=BEFORE) == []

    session.execute(text("UPDATE day_seal SET merkle_root = :r WHERE day = :d"), {"r": "f" * 64, "d": day})
    session.commit()
    assert compare_seal_records(session, records, keys=BEFORE) == [
        {"day": day.isoformat(), "problem": "changed", "fields": ["merkle_root"]}]
    session.execute(text("DELETE FROM day_seal WHERE day = :d"), {"d": day})
    session.commit()
    assert compare_seal_records(session, records, keys=BEFORE) == [
        {"day": day.isoformat(), "problem": "missing_in_database"}]


def test_a_seal_never_exported_is_reported(session, sealed_day):
    assert compare_seal_records(session, [], keys=BEFORE) == [
        {"day": sealed_day[0].isoformat(), "problem": "not_exported"}]


# ---------------------------------------------------------------- /verify

def test_verify_refuses_a_manifest_whose_day_seal_was_re_signed_with_another_key(app, api, session, sealed_day):
    day, manifest_id = sealed_day
    keys = app.extensions["wastechain.settings"].secret_key
    session.execute(text("DELETE FROM day_seal"))
    session.commit()
    _reconcile(session, day, keys)  # sealed with the service's key
    answer = api.get(f"/manifests/{manifest_id}/verify", as_="producer").json
    assert (answer["ok"], answer["seals_ok"], answer["sealed_days"]) == (True, True, [day.isoformat()])

    session.execute(text("DELETE FROM day_seal"))
    session.commit()
    _reconcile(session, day, Keyring.single(WRONG))  # a forger's seal: root right, key not ours
    answer = api.get(f"/manifests/{manifest_id}/verify", as_="producer").json
    assert (answer["ok"], answer["seals_ok"]) == (False, False)
    assert answer["reasons"] == [f"{day.isoformat()} 的封签签名无效（封签可能被改写）"]


def test_an_alarm_about_changed_events_is_not_resolved_even_once_they_match_again(session, sealed_day):
    day, _ = sealed_day
    event = session.scalars(select(ManifestEvent)).one()
    with as_database_administrator(session):
        session.execute(text("UPDATE manifest_event SET hash = :h WHERE id = :id"), {"h": "e" * 64, "id": event.id})
    session.commit()
    _reconcile(session, day + timedelta(days=1), Keyring.single(WRONG))  # wrong key and changed events at once
    with as_database_administrator(session):
        session.execute(text("UPDATE manifest_event SET hash = :h WHERE id = :id"), {"h": event.hash, "id": event.id})
    session.commit()
    corrections, kept = resolve_false_alarms(session, keys=BEFORE, actor_username="admin", now=day_window(day).end)
    assert corrections == [] and kept[0]["why"].startswith("not only about a signature")
    assert _alarm(session, day).status == "open"


def _manifest_alarm(session, manifest_id) -> Anomaly | None:
    session.expire_all()
    return session.scalar(select(Anomaly).where(Anomaly.fingerprint == f"CHAIN_BROKEN:m:{manifest_id}"))


def test_a_mac_alarm_raised_by_a_run_with_another_key_is_resolved_when_the_manifest_verifies(session, sealed_day):
    day, manifest_id = sealed_day
    _reconcile(session, day, Keyring.single(WRONG))  # the day rerun by a command with another key: MACs fail under it
    alarm = _manifest_alarm(session, manifest_id)
    assert alarm.status == "open" and alarm.evidence["mac_problem"] == "mac_invalid"

    corrections, kept = resolve_false_alarms(session, keys=BEFORE, actor_username="admin",
                                             now=day_window(day).end + timedelta(days=1))
    assert alarm.id in [c.anomaly_id for c in corrections]
    alarm = _manifest_alarm(session, manifest_id)
    assert alarm.status == "resolved"
    note = session.scalar(select(AnomalyNote).where(AnomalyNote.anomaly_id == alarm.id))
    assert "错误的密钥" in note.note and BEFORE.fingerprint() in note.note


def test_a_mac_alarm_stays_open_when_the_mac_fails_under_the_services_own_key(api, world, batch, session):
    manifest_id = api.issue(world, batch).json["id"]
    event = session.scalars(select(ManifestEvent)).one()
    day = local_date(event.recorded_at)
    with as_database_administrator(session):
        session.execute(text("UPDATE manifest_event SET mac = :m WHERE id = :id"),
                        {"m": "1:" + "0" * 64, "id": event.id})
    session.commit()
    _reconcile(session, day, BEFORE)
    assert _manifest_alarm(session, manifest_id).evidence["mac_problem"] == "mac_invalid"

    corrections, kept = resolve_false_alarms(session, keys=BEFORE, actor_username="admin",
                                             now=day_window(day).end + timedelta(days=1))
    assert corrections == [] and len(kept) == 1
    assert _manifest_alarm(session, manifest_id).status == "open"
