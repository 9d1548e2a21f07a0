"""Each event carries a MAC of its hash under the keyring's event key (issue 11 item 3): a chain edited and recomputed
with the public hash function is found even on a day not sealed yet; events written before MACs stay protected by
their day's signed seal; a MAC under a retired key verifies while the key stays in the keyring."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import TEST_CONFIG
from tests.factories import as_database_administrator
from wastechain import create_app
from wastechain.domain.anomalies import Thresholds, day_window
from wastechain.domain.hashing import event_hash
from wastechain.domain.keys import Keyring, parse_keyring
from wastechain.domain.timeutil import local_date
from wastechain.models import Anomaly, Manifest, ManifestEvent
from wastechain.services.manifests.events import verify_manifest_events
from wastechain.services.reconciliation import run_reconciliation
from wastechain.services.reconciliation.history import verify_history

KEY_1, KEY_2 = "1" * 64, "2" * 64
SERVICE = Keyring.single(KEY_1, 1)
ROTATED = parse_keyring(KEY_2, 2, f"1:{KEY_1}")


@pytest.fixture
def app(database_url):
    """The service runs on key 1: the events it writes carry MACs under it."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "SECRET_KEY": KEY_1})
    yield app
    app.extensions["wastechain.engine"].dispose()


@pytest.fixture
def picked_up(api, world, batch, session) -> int:
    """A manifest issued and picked up today: two events, both with a MAC."""
    manifest_id = api.issue(world, batch).json["id"]
    assert api.step(manifest_id, "pickup", as_="driver").status_code == 201
    return manifest_id


def _events(session, manifest_id: int) -> list[ManifestEvent]:
    session.expire_all()
    events = list(session.scalars(select(ManifestEvent).where(ManifestEvent.manifest_id == manifest_id)
                                  .order_by(ManifestEvent.seq)))
    session.commit()  # SQLite: end the read, which holds the write lock the app's requests need
    return events


def _rewrite_with_the_public_hash(session, manifest_id: int) -> None:
    """A forger with database access lowers the pickup quantity and recomputes every hash of the chain."""
    prev = "0" * 64
    for event in _events(session, manifest_id):
        with as_database_administrator(session):
            if event.seq == 2:
                event.quantity_kg -= 10
            event.prev_hash, event.hash = prev, event_hash(prev, event.hashed_content())
            session.flush()
        prev = event.hash
    session.commit()


def _strip_macs(session, manifest_id: int, *, seqs=(1, 2)) -> None:
    with as_database_administrator(session):
        session.execute(update(ManifestEvent).where(ManifestEvent.manifest_id == manifest_id,
                                                    ManifestEvent.seq.in_(seqs)).values(mac=None))
    session.commit()


def _today(session, manifest_id: int):
    return local_date(_events(session, manifest_id)[0].recorded_at)


def _nightly(session, day, keys=SERVICE, *, after_day_end: bool):
    now = day_window(day).end + timedelta(hours=1) if after_day_end else day_window(day).start + timedelta(hours=23)
    return run_reconciliation(session, day=day, now=now, thresholds=Thresholds(), secret=keys)


def _chain_alarm(session, manifest_id: int) -> Anomaly | None:
    session.expire_all()
    alarm = session.scalar(select(Anomaly).where(Anomaly.fingerprint == f"CHAIN_BROKEN:m:{manifest_id}"))
    session.commit()
    return alarm


def _verify(api, manifest_id: int) -> dict:
    return api.get(f"/manifests/{manifest_id}/verify", as_="producer").json


def test_every_event_a_step_writes_carries_a_mac_under_the_current_key(session, picked_up):
    events = _events(session, picked_up)
    assert [e.mac.split(":")[0] for e in events] == ["1", "1"]
    assert len({e.mac for e in events}) == 2
    assert verify_history(session, secret=SERVICE).ok


def test_a_chain_recomputed_with_the_public_hash_is_found_on_a_day_not_sealed_yet(api, session, picked_up):
    assert _verify(api, picked_up)["ok"] is True
    _rewrite_with_the_public_hash(session, picked_up)
    day = _today(session, picked_up)

    answer = _verify(api, picked_up)
    assert (answer["ok"], answer["broken_at"], answer["seals_ok"], answer["macs_ok"], answer["unsealed_days"]) == (
        False, 2, True, False, [day.isoformat()])
    assert answer["reasons"] == ["第 2 个事件的密钥校验码不符（事件可能被改写并重算了哈希）"]

    summary = _nightly(session, day, after_day_end=False)
    assert summary.seal == "deferred"  # no seal to compare with: only the MAC can tell
    alarm = _chain_alarm(session, picked_up)
    assert alarm.severity == "critical"
    assert (alarm.evidence["hash_chain_ok"], alarm.evidence["mac_problem"], alarm.evidence["broken_at_seq"]) == (
        True, "mac_invalid", 2)
    assert [p["fingerprint"] for p in verify_history(session, secret=SERVICE).problems] == [
        f"CHAIN_BROKEN:m:{picked_up}"]


def test_a_stripped_mac_is_found(api, session, picked_up):
    _strip_macs(session, picked_up, seqs=(2,))
    day = _today(session, picked_up)
    answer = _verify(api, picked_up)
    assert (answer["ok"], answer["broken_at"]) == (False, 2)
    assert "没有密钥校验码" in answer["reasons"][0]
    _nightly(session, day, after_day_end=False)
    assert _chain_alarm(session, picked_up).evidence["mac_problem"] == "mac_missing"


def test_a_mac_stripped_after_a_keyed_event_is_found_even_on_a_sealed_day(api, session, picked_up):
    day = _today(session, picked_up)
    assert _nightly(session, day, after_day_end=True).seal == "created"
    _strip_macs(session, picked_up, seqs=(2,))
    answer = _verify(api, picked_up)
    assert (answer["ok"], answer["seals_ok"], answer["broken_at"]) == (False, True, 2)


def test_a_manifest_stripped_of_all_its_macs_is_found_the_night_its_day_is_sealed(api, world, batch, session,
                                                                                   picked_up):
    later = api.issue(world, batch).json["id"]  # written after the first event with a MAC
    _strip_macs(session, later, seqs=(1,))
    day = _today(session, later)
    assert _nightly(session, day, after_day_end=True).seal == "created"
    assert _chain_alarm(session, later).evidence["mac_problem"] == "mac_missing"
    assert _chain_alarm(session, picked_up) is None
    assert _verify(api, later)["ok"] is False


def test_events_written_before_macs_verify_while_a_signed_seal_covers_their_day(api, session, picked_up):
    day = _today(session, picked_up)
    _strip_macs(session, picked_up)  # as events written before migration 0024 are
    assert _verify(api, picked_up)["ok"] is False  # not sealed yet: nothing vouches for them

    assert _nightly(session, day, after_day_end=True).seal == "created"
    answer = _verify(api, picked_up)
    assert (answer["ok"], answer["sealed_days"], answer["reasons"]) == (True, [day.isoformat()], [])
    assert verify_history(session, secret=SERVICE).ok
    _nightly(session, day + timedelta(days=1), after_day_end=True)
    assert _chain_alarm(session, picked_up) is None


def test_events_without_macs_on_a_sealed_day_are_found_when_rewritten(api, session, picked_up):
    day = _today(session, picked_up)
    _strip_macs(session, picked_up)
    _nightly(session, day, after_day_end=True)
    _rewrite_with_the_public_hash(session, picked_up)
    answer = _verify(api, picked_up)
    assert (answer["ok"], answer["seals_ok"]) == (False, False)
    assert f"{day.isoformat()} 的事件与当日封存的默克尔根不符" in answer["reasons"]
    problems = {p["fingerprint"] for p in verify_history(session, secret=SERVICE).problems}
    assert {f"CHAIN_BROKEN:m:{picked_up}", f"CHAIN_BROKEN:seal:{day.isoformat()}"} <= problems


def test_a_seal_re_signed_under_another_key_no_longer_vouches_for_events_without_macs(session, picked_up):
    day = _today(session, picked_up)
    _strip_macs(session, picked_up)
    _nightly(session, day, Keyring.single("f" * 64), after_day_end=True)  # a forger's seal over the events
    problems = verify_history(session, secret=SERVICE).problems
    chain = next(p for p in problems if p["fingerprint"] == f"CHAIN_BROKEN:m:{picked_up}")
    assert (chain["mac_problem"], chain["broken_at_seq"]) == ("mac_missing", 1)


def test_after_a_key_rotation_old_macs_verify_and_a_removed_key_is_reported_by_id(app, api, session, picked_up):
    assert verify_history(session, secret=ROTATED).ok
    rotated = create_app({**TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": KEY_2,
                          "SECRET_KEY_ID": 2, "RETIRED_SECRET_KEYS": f"1:{KEY_1}"})
    try:
        result = rotated.test_cli_runner().invoke(args=["verify-history"])
        assert result.exit_code == 0, result.output
        with rotated.extensions["wastechain.sessions"]() as other:  # the session's keyring is the rotated one
            assert verify_manifest_events(other, other.get(Manifest, picked_up)).ok
    finally:
        rotated.extensions["wastechain.engine"].dispose()

    problems = verify_history(session, secret=Keyring.single(KEY_2, 2)).problems  # key 1 left the keyring
    chain = next(p for p in problems if p["fingerprint"] == f"CHAIN_BROKEN:m:{picked_up}")
    assert (chain["mac_problem"], chain["mac_key_id"]) == ("mac_unknown_key", 1)
    without_key_1 = create_app({**TEST_CONFIG, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": KEY_2,
                                "SECRET_KEY_ID": 2})
    try:
        result = without_key_1.test_cli_runner().invoke(args=["verify-history"])
    finally:
        without_key_1.extensions["wastechain.engine"].dispose()
    assert result.exit_code == 1
    assert (f"broken: CHAIN_BROKEN:m:{picked_up} (event 1 has a MAC under key id 1, which is not in the keyring)"
            in result.output)
