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
from wastechain.domain.anomalies import CATALOG, Thresholds, merkle_root
from wastechain.domain.hashing import event_hash
from wastechain.models import Anomaly, DaySeal, ManifestEvent
from wastechain.services.reconciliation import run_reconciliation

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
        city = generate_city(engine, CityPlan(**{"start": START, "days": DAYS, "manifests_per_day": 4, **plan}))
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
    assert f"CHAIN_BROKEN:m:{manifest_id}" not in found  # the chain itself is consistent again…
    assert f"CHAIN_BROKEN:seal:{day.isoformat()}" in found  # …but the night after, the seal no longer matches
    assert summary.seals_rechecked >= 3


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
