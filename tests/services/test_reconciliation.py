"""Daily reconciliation on a generated city with known injected faults (issue 5): right, idempotent, tamper-evident."""
import os
import pickle
import shutil
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text

from tests.conftest import KEPT_TABLES
from tests.factories import as_database_administrator
from wastechain.db import Base, make_engine, make_session_factory
from wastechain.devdata.city import CityPlan, generate_city
from wastechain.domain.anomalies import CATALOG, Thresholds, day_window, merkle_root
from wastechain.domain.hashing import event_hash
from wastechain.domain.sealing import sign_seal
from wastechain.models import Anomaly, DaySeal, ManifestEvent
from wastechain.services.manifests.events import day_root, verify_manifest_events
from wastechain.models import Manifest
from wastechain.services.reconciliation import run_reconciliation
from wastechain.services.reconciliation.history import verify_history

START = date(2026, 3, 1)
DAYS = 46  # holds a monthly (03-15) and the annual (03-31) declaration deadline, and 30-day follow-ups
NOW = datetime(2026, 4, 17, 4, 0, tzinfo=timezone.utc)
SECRET = "test-secret"


def days(first: date, last: date):
    while first <= last:
        yield first
        first += timedelta(days=1)


def reconcile(session, first: date, last: date):
    return [run_reconciliation(session, day=d, now=NOW, thresholds=Thresholds(), secret=SECRET)
            for d in days(first, last)]


def fingerprints(session) -> set[str]:
    return set(session.scalars(select(Anomaly.fingerprint)))


# ---------------------------------------------------------------- cities: built once per run, then copied

@pytest.fixture(scope="session")
def reconciled_cities(database_template, tmp_path_factory, worker_id):
    """A city goes through the services manifest by manifest, which takes a while: each plan is generated and
    reconciled once per run (by the first test process that needs it; the others wait for its rows), and its rows
    are copied into the fresh database of each test that uses it."""
    root = tmp_path_factory.getbasetemp()
    shared = root if worker_id == "master" else root.parent  # pytest-xdist workers share their parent folder

    def city_of(**plan):
        name = "city" + "".join(f"-{key}-{value}" for key, value in sorted(plan.items()))
        return _once(shared / f"{name}.pickle",
                     lambda: _generate_and_reconcile(database_template, tmp_path_factory.mktemp("city"), plan))

    return city_of


def _once(path, build):
    """The first process to get here builds and pickles the value; the others wait for the file."""
    try:
        os.close(os.open(path.with_suffix(".lock"), os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        deadline = time.monotonic() + 1800
        while not path.exists():
            if time.monotonic() > deadline:
                pytest.fail(f"no one finished {path.name}")
            time.sleep(0.2)
    else:
        try:
            value = build()
        except BaseException as error:
            value = ("failed", f"{type(error).__name__}: {error}")
            raise
        finally:
            path.with_suffix(".tmp").write_bytes(pickle.dumps(value))
            path.with_suffix(".tmp").replace(path)
    value = pickle.loads(path.read_bytes())
    if value[0] == "failed":
        pytest.fail(f"building {path.name} failed in another test process: {value[1]}")
    return value


def _generate_and_reconcile(template, folder, plan):
    kind, url = template
    if kind == "sqlite":
        shutil.copyfile(url, folder / "city.db")
        url = f"sqlite:///{folder / 'city.db'}"
    engine = make_engine(url)
    tables = [t for t in Base.metadata.sorted_tables if t.name not in KEPT_TABLES]
    try:
        city = generate_city(engine, CityPlan(**{"start": START, "days": DAYS, "manifests_per_day": 4, **plan}),
                             keys=SECRET)
        with make_session_factory(engine)() as session:
            reconcile(session, city.first_day, city.last_day)
            rows = [(t.name, [dict(row) for row in session.execute(select(t).order_by(*t.primary_key.columns))
                              .mappings()]) for t in tables]
        return city, rows
    finally:
        if kind == "postgresql":  # the process's own database, emptied as after any test
            with engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()


def _copy_into(session, rows) -> None:
    tables = Base.metadata.tables
    for name, table_rows in rows:
        if table_rows:
            session.execute(tables[name].insert(), table_rows)
    if session.get_bind().dialect.name == "postgresql":
        for name, table_rows in rows:
            if table_rows and "id" in tables[name].c:
                session.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"),
                                                   max(row["id"] for row in table_rows))))
    session.commit()


@pytest.fixture
def city(session, reconciled_cities):
    city, rows = reconciled_cities()
    _copy_into(session, rows)
    return city


def test_reconciliation_finds_every_injected_fault_and_nothing_else(session, city):
    # every anomaly type of SPEC.md is injected at least once
    assert set(city.injected) == set(CATALOG)
    found = fingerprints(session)
    true_positives = found & city.expected
    precision = len(true_positives) / len(found)
    recall = len(true_positives) / len(city.expected)
    assert (precision, recall) == (1.0, 1.0), {"missed": sorted(city.expected - found),
                                               "false alarms": sorted(found - city.expected)}
    for anomaly in session.scalars(select(Anomaly)):  # each one actionable: severity, region, rule, the manifest
        assert anomaly.severity in ("critical", "high", "medium", "low")
        assert len(anomaly.region_code) == 6
        assert anomaly.evidence["rule"]
        if anomaly.subject_type == "manifest":
            assert anomaly.evidence["manifest"]["number"] == anomaly.subject_label
            assert anomaly.evidence["manifest"]["origin_site"]


def test_rerunning_changes_nothing(session, city):
    before = {a.fingerprint: (a.day, a.status) for a in session.scalars(select(Anomaly))}
    seals = {s.day: s.merkle_root for s in session.scalars(select(DaySeal).where(DaySeal.merkle_root.is_not(None)))}
    summaries = reconcile(session, city.last_day - timedelta(days=9), city.last_day)
    assert all(s.rerun and s.new_anomalies == 0 and s.seal == "unchanged" for s in summaries)
    session.expire_all()
    assert {a.fingerprint: (a.day, a.status) for a in session.scalars(select(Anomaly))} == before
    assert {s.day: s.merkle_root for s in session.scalars(select(DaySeal).where(DaySeal.merkle_root.is_not(None)))} \
        == seals


def test_a_rerun_reports_what_changed(session, city):
    day = city.last_day
    session.execute(text("DELETE FROM anomaly"))  # e.g. found by a run that was rolled back
    session.commit()
    summary = run_reconciliation(session, day=day, now=NOW, thresholds=Thresholds(), secret=SECRET)
    assert summary.rerun
    assert summary.new_anomalies == summary.anomalies_found
    assert any("new anomalies since the previous run" in change for change in summary.changes)


# ---------------------------------------------------------------- tampering, straight in the database

@pytest.fixture
def clean_city(session, reconciled_cities):
    city, rows = reconciled_cities(days=14, faults=False)
    _copy_into(session, rows)
    assert fingerprints(session) == set()
    return city


def _event_on(session, day: date, type_: str = "pickup") -> ManifestEvent:
    start = datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc) - timedelta(hours=8)
    return session.scalars(select(ManifestEvent).where(ManifestEvent.type == type_,
                                                       ManifestEvent.recorded_at >= start,
                                                       ManifestEvent.recorded_at < start + timedelta(days=1))
                           .order_by(ManifestEvent.id)).first()


def test_an_event_altered_in_the_database_is_found(session, clean_city):
    day = clean_city.first_day + timedelta(days=5)
    event = _event_on(session, day)
    with as_database_administrator(session):
        session.execute(text("UPDATE manifest_event SET quantity_kg = quantity_kg - 100000 WHERE id = :id"),
                        {"id": event.id})
    session.commit()
    summary = run_reconciliation(session, day=day, now=NOW, thresholds=Thresholds(), secret=SECRET)
    assert summary.seal == "unchanged"  # the hashes were left alone; the chain itself shows the edit
    assert f"CHAIN_BROKEN:m:{event.manifest_id}" in fingerprints(session)


def test_an_altered_record_found_at_night_leaves_one_warning_for_the_gateway(session, clean_city):
    from wastechain.models import Anomaly, Notification

    day = clean_city.first_day + timedelta(days=5)
    event = _event_on(session, day)
    with as_database_administrator(session):
        session.execute(text("UPDATE manifest_event SET quantity_kg = quantity_kg - 100000 WHERE id = :id"),
                        {"id": event.id})
    session.commit()
    for _ in range(2):  # a rerun warns of nothing new
        run_reconciliation(session, day=day, now=NOW, thresholds=Thresholds(), secret=SECRET)
    found = session.scalars(select(Anomaly).where(Anomaly.fingerprint == f"CHAIN_BROKEN:m:{event.manifest_id}")).one()
    warnings = session.scalars(select(Notification)).all()
    assert [(w.anomaly_id, w.region_code, w.payload["code"]) for w in warnings] == [
        (found.id, found.region_code, "CHAIN_BROKEN")]


def test_a_manifest_chain_rewritten_consistently_is_caught_by_the_day_seal(session, clean_city):
    day = clean_city.first_day + timedelta(days=5)
    event = _event_on(session, day)
    manifest_id = event.manifest_id
    with as_database_administrator(session):
        session.execute(text("UPDATE manifest_event SET quantity_kg = quantity_kg - 100000 WHERE id = :id"),
                        {"id": event.id})
    session.commit()
    session.expire_all()
    prev = "0" * 64
    for e in session.scalars(select(ManifestEvent).where(ManifestEvent.manifest_id == manifest_id)
                             .order_by(ManifestEvent.seq)).all():  # the forger recomputes every hash
        new_hash = event_hash(prev, e.hashed_content())
        with as_database_administrator(session):
            session.execute(text("UPDATE manifest_event SET prev_hash = :p, hash = :h WHERE id = :id"),
                            {"p": prev, "h": new_hash, "id": e.id})
        prev = new_hash
    session.commit()
    later = day + timedelta(days=3)
    summary = run_reconciliation(session, day=later, now=NOW, thresholds=Thresholds(), secret=SECRET)
    found = fingerprints(session)
    assert f"CHAIN_BROKEN:seal:{day.isoformat()}" in found  # the seal no longer matches the day's events
    assert summary.seals_rechecked >= 3
    # …and the recomputed hashes no longer match their MACs, which the forger cannot make without the key
    verify_history_problems = verify_history(session, secret=SECRET).problems
    chain = next(p for p in verify_history_problems if p["fingerprint"] == f"CHAIN_BROKEN:m:{manifest_id}")
    assert (chain["hash_chain_ok"], chain["mac_problem"]) == (True, "mac_invalid")


def test_a_deleted_event_breaks_the_seal_of_its_day(session, clean_city):
    day = clean_city.first_day + timedelta(days=8)
    event = _event_on(session, day, "deliver")  # a disposal event has its disposal record pointing at it
    with as_database_administrator(session):
        session.execute(text("DELETE FROM manifest_event WHERE id = :id"), {"id": event.id})
    session.commit()
    summary = run_reconciliation(session, day=day, now=NOW, thresholds=Thresholds(), secret=SECRET)
    assert summary.seal == "mismatch"
    anomaly = session.scalar(select(Anomaly).where(Anomaly.fingerprint == f"CHAIN_BROKEN:seal:{day.isoformat()}"))
    assert anomaly.severity == "critical"
    assert anomaly.evidence["events_now"] == anomaly.evidence["sealed_events"] - 1


def test_an_inserted_event_breaks_the_seal_of_its_day(session, clean_city):
    day = clean_city.first_day + timedelta(days=8)
    event = _event_on(session, day, "dispose")
    with as_database_administrator(session):
        session.execute(text("UPDATE manifest_event SET recorded_at = :t WHERE id = :id"),
                        {"t": event.recorded_at.replace(tzinfo=None) + timedelta(days=1) if session.get_bind().dialect.name == "sqlite"
                         else event.recorded_at + timedelta(days=1), "id": event.id})
    session.commit()
    run_reconciliation(session, day=day + timedelta(days=1), now=NOW, thresholds=Thresholds(), secret=SECRET)
    found = fingerprints(session)
    assert f"CHAIN_BROKEN:seal:{(day + timedelta(days=1)).isoformat()}" in found  # an event appeared
    assert f"CHAIN_BROKEN:seal:{day.isoformat()}" in found  # and one vanished from the day before


def test_a_day_not_over_is_checked_but_not_sealed(session, clean_city):
    today = clean_city.last_day + timedelta(days=1)
    noon = datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc) + timedelta(hours=4)  # 12:00 in China
    summary = run_reconciliation(session, day=today, now=noon, thresholds=Thresholds(), secret=SECRET)
    assert summary.seal == "deferred"


def test_merkle_root_changes_with_any_leaf_and_order():
    leaves = [(1, "a" * 64), (2, "b" * 64), (3, "c" * 64)]
    root = merkle_root(leaves)
    assert merkle_root(leaves) == root
    assert merkle_root(leaves[:2]) != root
    assert merkle_root([leaves[1], leaves[0], leaves[2]]) != root
    assert merkle_root([(1, "a" * 64), (2, "b" * 64), (3, "d" * 64)]) != root


# ---------------------------------------------------------------- chained day seals, rolling re-check (issue 11)

def _rewrite_last_event(session, day: date) -> ManifestEvent:
    """A forger lowers the quantity of a manifest's last event on the day and recomputes its hash: the manifest's
    chain is consistent again, only the day's Merkle root shows the edit."""
    events = session.scalars(select(ManifestEvent).where(
        ManifestEvent.recorded_at >= day_window(day).start, ManifestEvent.recorded_at < day_window(day).end,
        ManifestEvent.quantity_kg.is_not(None)).order_by(ManifestEvent.id)).all()
    last_seq = dict(session.execute(select(ManifestEvent.manifest_id, func.max(ManifestEvent.seq))
                                    .group_by(ManifestEvent.manifest_id)).all())
    event = next(e for e in events if e.seq == last_seq[e.manifest_id])
    with as_database_administrator(session):
        event.quantity_kg -= 1
        event.hash = event_hash(event.prev_hash, event.hashed_content())
        session.flush()
    session.commit()
    session.expire_all()
    return session.get(ManifestEvent, event.id)


def _seal_evidence(session, day: date) -> dict | None:
    anomaly = session.scalar(select(Anomaly).where(Anomaly.fingerprint == f"CHAIN_BROKEN:seal:{day.isoformat()}"))
    return anomaly.evidence if anomaly else None


def test_a_deleted_day_seal_is_chain_broken_the_next_night_and_the_day_is_not_resealed(session, clean_city):
    day = clean_city.first_day + timedelta(days=5)
    session.execute(text("DELETE FROM day_seal WHERE day = :d"), {"d": day})
    session.commit()
    run_reconciliation(session, day=clean_city.last_day, now=NOW, thresholds=Thresholds(), secret=SECRET)
    assert _seal_evidence(session, day)["kind"] == "day_seal_missing"
    summary = run_reconciliation(session, day=day, now=NOW, thresholds=Thresholds(), secret=SECRET)
    assert summary.seal == "chain_broken"
    session.expire_all()
    assert session.get(DaySeal, day).merkle_root is None  # whatever its events are now, they are not sealed


def test_a_blanked_day_seal_is_chain_broken_and_rerunning_the_day_does_not_seal_it(session, clean_city):
    day = clean_city.first_day + timedelta(days=5)
    session.execute(text("UPDATE day_seal SET merkle_root = NULL, signature = NULL, event_count = NULL, "
                         "sealed_at = NULL WHERE day = :d"), {"d": day})
    session.commit()
    summary = run_reconciliation(session, day=day, now=NOW, thresholds=Thresholds(), secret=SECRET)
    assert summary.seal == "chain_broken"
    assert _seal_evidence(session, day)["kind"] == "day_seal_blank"
    session.expire_all()
    assert session.get(DaySeal, day).merkle_root is None


def test_the_newest_seal_blanked_is_not_sealed_over(session, clean_city):
    day = clean_city.last_day
    session.execute(text("UPDATE day_seal SET merkle_root = NULL, signature = NULL, event_count = NULL, "
                         "sealed_at = NULL WHERE day = :d"), {"d": day})
    session.commit()
    summary = run_reconciliation(session, day=day, now=NOW, thresholds=Thresholds(), secret=SECRET)
    assert summary.seal == "chain_broken" and _seal_evidence(session, day)["kind"] == "day_seal_blank"


def test_a_day_rewritten_and_resealed_with_the_key_breaks_the_next_days_seal(session, clean_city):
    day = clean_city.first_day + timedelta(days=5)
    _rewrite_last_event(session, day)
    seal = session.get(DaySeal, day)
    count, root = day_root(session, day)  # even a forger holding the key can only re-sign this one day
    seal.event_count, seal.merkle_root = count, root
    seal.key_id, seal.signature = sign_seal(SECRET, day, count, root, prev_day=seal.prev_day, prev_root=seal.prev_root)
    session.commit()
    run_reconciliation(session, day=clean_city.last_day, now=NOW, thresholds=Thresholds(), secret=SECRET)
    evidence = _seal_evidence(session, day + timedelta(days=1))
    assert evidence["kind"] == "day_seal_chain" and evidence["prev_day"] == day.isoformat()


def test_a_missed_night_is_sealed_in_order_by_the_next_one(session, clean_city):
    first, second = (clean_city.last_day + timedelta(days=n) for n in (1, 2))
    summary = run_reconciliation(session, day=second, now=NOW, thresholds=Thresholds(), secret=SECRET)
    assert summary.seal == "created"
    session.expire_all()
    assert session.get(DaySeal, second).prev_day == first
    assert session.get(DaySeal, first).prev_day == clean_city.last_day
    assert not any(f.startswith("CHAIN_BROKEN") for f in fingerprints(session))


def test_an_event_rewritten_on_a_day_40_days_old_is_found_within_one_cycle_of_nights(session, city):
    thresholds = Thresholds()
    forged_day = city.last_day - timedelta(days=40)
    _rewrite_last_event(session, forged_day)
    fingerprint = f"CHAIN_BROKEN:seal:{forged_day.isoformat()}"
    assert fingerprint not in fingerprints(session)
    for night in range(1, thresholds.seal_recheck_cycle_days + 1):
        day = city.last_day + timedelta(days=night)
        run_reconciliation(session, day=day, now=day_window(day).end + timedelta(hours=4), thresholds=thresholds,
                           secret=SECRET)
        if fingerprint in fingerprints(session):
            break
    assert fingerprint in fingerprints(session)
    assert _seal_evidence(session, forged_day)["root_now"] != _seal_evidence(session, forged_day)["sealed_root"]


def test_verify_finds_a_chain_rewritten_over_a_sealed_day(session, clean_city):
    day = clean_city.first_day + timedelta(days=5)
    event = _rewrite_last_event(session, day)
    check = verify_manifest_events(session, session.get(Manifest, event.manifest_id))
    assert (check.ok, check.status_ok, check.seals_ok, check.macs_ok) == (False, True, False, False)
    assert check.broken_at == event.seq  # the hashes chain again, but the rewritten event's MAC fails
    assert day in check.sealed_days and check.reasons
