"""The regulators' anomaly work queue (issue 9 item 1) and the warnings of critical anomalies (item 9): order,
filters, jurisdiction, bulk acknowledge, assignment, and the notification outbox with its webhook delivery."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import JIANGSHAN, KECHENG, NOW, make_anomaly, make_user
from tests.gateway import Gateway
from wastechain.domain.anomalies import Finding
from wastechain.domain.errors import Forbidden, NotFound, ValidationFailed
from wastechain.models import Anomaly, AnomalyNote, Notification, User
from wastechain.services.anomalies import lifecycle, notifications
from wastechain.services.reconciliation.findings import store_findings

DAY = date(2026, 11, 20)


def user(session, username: str) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


def status_of(session, anomaly) -> tuple:
    session.expire_all()
    row = session.get(Anomaly, anomaly.id)
    notes = session.scalars(select(AnomalyNote).where(AnomalyNote.anomaly_id == anomaly.id)).all()
    return row.status, row.assignee_id, len(notes)


def queue(session, username: str, **filters) -> list[int]:
    found = lifecycle.list_anomalies(session, actor=user(session, username), queue=True, **filters)
    return [a.id for a in found.items]


def test_the_queue_lists_the_most_severe_first_then_the_oldest(session, world):
    new_high = make_anomaly(session, org=world.producer, severity="high", day=DAY)
    old_low = make_anomaly(session, org=world.producer, severity="low", day=DAY - timedelta(days=30))
    old_high = make_anomaly(session, org=world.producer, severity="high", day=DAY - timedelta(days=9))
    critical = make_anomaly(session, org=world.producer, code="CHAIN_BROKEN", severity="critical", day=DAY)
    assert queue(session, "kecheng_regulator", status="open") == [critical.id, old_high.id, new_high.id, old_low.id]


def test_the_queue_filters_by_dates_enterprise_and_status(session, world):
    old = make_anomaly(session, org=world.producer, day=DAY - timedelta(days=10))
    recent = make_anomaly(session, org=world.county_receiver, day=DAY)
    done = make_anomaly(session, org=world.producer, day=DAY, status="resolved")
    assert queue(session, "kecheng_regulator", status="open") == [old.id, recent.id]
    assert queue(session, "kecheng_regulator", status="open", date_from=DAY - timedelta(days=1)) == [recent.id]
    assert queue(session, "kecheng_regulator", status="open", date_to=DAY - timedelta(days=1)) == [old.id]
    assert queue(session, "kecheng_regulator", enterprise="示范化工") == [old.id, done.id]
    assert queue(session, "kecheng_regulator", enterprise="100%") == []  # a wildcard is a character, not a pattern


def test_a_county_regulator_sees_only_the_county_and_the_city_sees_every_county(session, world):
    mine = make_anomaly(session, org=world.producer)
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer)
    assert queue(session, "kecheng_regulator") == [mine.id]
    assert sorted(queue(session, "city_regulator")) == sorted([mine.id, theirs.id])


def test_bulk_acknowledge_is_all_or_nothing_across_counties(session, world):
    mine = make_anomaly(session, org=world.producer)
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer)
    with pytest.raises(NotFound):
        lifecycle.acknowledge_many(session, actor=user(session, "kecheng_regulator"), anomaly_ids=[mine.id, theirs.id],
                                   now=NOW)
    assert status_of(session, mine) == ("open", None, 0) and status_of(session, theirs) == ("open", None, 0)
    other = make_anomaly(session, org=world.producer)
    n = lifecycle.acknowledge_many(session, actor=user(session, "kecheng_regulator"), anomaly_ids=[mine.id, other.id],
                                   note="已通知企业", now=NOW)
    assert n == 2 and status_of(session, mine)[0] == "acknowledged" and status_of(session, other)[0] == "acknowledged"


def test_an_anomaly_is_assigned_only_to_an_officer_who_can_act_on_it(session, world):
    anomaly = make_anomaly(session, org=world.producer)
    colleague = make_user(session, username="kecheng_officer", role="regulator", region=KECHENG)
    colleague.display_name = "王科长"
    session.commit()
    boss = user(session, "kecheng_regulator")
    assert [u.shown_name for u in lifecycle.officers(session, actor=boss, anomaly=anomaly)] == \
        ["kecheng_regulator", "王科长"]
    with pytest.raises(ValidationFailed):  # 江山 cannot act on 柯城's case
        lifecycle.assign(session, actor=boss, anomaly_id=anomaly.id, assignee_id=user(session, "jiangshan_regulator").id,
                         now=NOW)
    assert status_of(session, anomaly) == ("open", None, 0)
    lifecycle.assign(session, actor=boss, anomaly_id=anomaly.id, assignee_id=colleague.id, now=NOW)
    assert status_of(session, anomaly)[1] == colleague.id
    assert queue(session, "kecheng_officer", assignee_id=colleague.id) == [anomaly.id]
    assert queue(session, "kecheng_regulator", assignee_id=boss.id) == []


def test_another_countys_regulator_cannot_assign_or_see_the_officers(session, world):
    theirs = make_anomaly(session, region=JIANGSHAN, org=world.other_producer)
    me = user(session, "kecheng_regulator")
    with pytest.raises(NotFound):
        lifecycle.assign(session, actor=me, anomaly_id=theirs.id, assignee_id=me.id, now=NOW)
    assert status_of(session, theirs) == ("open", None, 0)
    going_there = make_anomaly(session, region=JIANGSHAN, org=world.other_producer, related=KECHENG)
    assert lifecycle.officers(session, actor=me, anomaly=going_there) == []
    with pytest.raises(Forbidden):  # the destination's regulator sees it but does not run the origin's case
        lifecycle.assign(session, actor=me, anomaly_id=going_there.id, assignee_id=me.id, now=NOW)


def test_the_warning_badge_counts_open_critical_anomalies_of_the_jurisdiction(session, world):
    make_anomaly(session, org=world.producer, code="CHAIN_BROKEN", severity="critical")
    make_anomaly(session, org=world.producer, code="CHAIN_BROKEN", severity="critical", status="acknowledged")
    make_anomaly(session, org=world.producer, severity="high")
    make_anomaly(session, region=JIANGSHAN, org=world.other_producer, code="CHAIN_BROKEN", severity="critical")
    assert lifecycle.warning_count(session, actor=user(session, "kecheng_regulator")) == 1
    assert lifecycle.warning_count(session, actor=user(session, "city_regulator")) == 2


# ---------------------------------------------------------------- warnings pushed

def critical_finding(n: int, severity: str = "critical") -> Finding:
    return Finding(code="CHAIN_BROKEN", fingerprint=f"CHAIN_BROKEN:test:{n}", subject_type="day", subject_id=None,
                   subject_label="2026-11-20", region_code=KECHENG, evidence={"kind": "day_seal_blank"},
                   severity=severity)


def store(session, *findings) -> int:
    new = store_findings(session, list(findings), day=DAY, now=NOW, source="nightly")
    session.commit()
    return new


def test_a_new_critical_anomaly_leaves_one_warning_and_a_rerun_none(session, world):
    assert store(session, critical_finding(1), critical_finding(2, severity="high")) == 2
    rows = session.scalars(select(Notification)).all()
    assert [(r.payload["code"], r.payload["severity"], r.region_code) for r in rows] == [
        ("CHAIN_BROKEN", "critical", KECHENG)]
    assert store(session, critical_finding(1)) == 0
    assert len(session.scalars(select(Notification)).all()) == 1


def test_warnings_are_posted_to_the_webhook_once_and_kept_when_it_fails(session, world):
    store(session, critical_finding(1))
    with Gateway() as gateway:
        gateway.status = 503
        assert notifications.drain(session, send=notifications.webhook(gateway.url), now=NOW) == (0, 1)
        row = session.scalars(select(Notification)).one()
        assert row.delivered_at is None and row.attempts == 1 and "503" in row.last_error
        gateway.status = 200
        assert notifications.drain(session, send=notifications.webhook(gateway.url), now=NOW) == (1, 0)
        assert notifications.drain(session, send=notifications.webhook(gateway.url), now=NOW) == (0, 0)
    assert [m["id"] for m in gateway.received] == [row.id, row.id]  # the gateway deduplicates by id
    assert gateway.received[-1]["code"] == "CHAIN_BROKEN" and gateway.received[-1]["region_code"] == KECHENG
    session.expire_all()
    assert session.scalars(select(Notification)).one().delivered_at is not None
    assert notifications.undelivered(session) == 0
