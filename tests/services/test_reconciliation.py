"""Daily reconciliation on a generated city with known injected faults (issue 5): right, idempotent, tamper-evident."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from wastechain.domain.anomalies import CATALOG, Thresholds, merkle_root
from wastechain.domain.hashing import event_hash
from wastechain.models import Anomaly, DaySeal, ManifestEvent
from wastechain.services.reconciliation import run_reconciliation
from wastechain.services.synthetic import CityPlan, generate_city

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


def generate(session, **plan):
    city = generate_city(session.connection(), CityPlan(**{"start": START, "days": DAYS, "manifests_per_day": 4,
                                                            **plan}))
    session.commit()
    return city


def fingerprints(session) -> set[str]:
    return set(session.scalars(select(Anomaly.fingerprint)))


@pytest.fixture
def city(session):
    city = generate(session)
    reconcile(session, city.first_day, city.last_day)
    return city


def test_reconciliation_finds_every_injected_fault_and_nothing_else(session, city):
    assert set(city.injected) == set(CATALOG)  # every anomaly type of SPEC.md is injected at least once
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
def clean_city(session):
    city = generate(session, days=14, faults=False)
    reconcile(session, city.first_day, city.last_day)
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
    session.execute(text("UPDATE manifest_event SET quantity_kg = quantity_kg - 100000 WHERE id = :id"),
                    {"id": event.id})
    session.commit()
    session.expire_all()
    prev = "0" * 64
    for e in session.scalars(select(ManifestEvent).where(ManifestEvent.manifest_id == manifest_id)
                             .order_by(ManifestEvent.seq)).all():  # the forger recomputes every hash
        new_hash = event_hash(prev, e.hashed_content())
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
    event = _event_on(session, day, "dispose")
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
