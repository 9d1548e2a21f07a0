"""The credit record: exact scores from the documented rules on a constructed world, one explained event per change,
idempotent per day, configurable, and refreshed by the nightly reconciliation."""
from datetime import timedelta

from sqlalchemy import select

from tests.factories import NOW, make_anomaly, make_batch
from wastechain.domain.credit import CreditRules
from wastechain.domain.timeutil import local_date
from wastechain.models import Anomaly, CreditEvent
from wastechain.services import credit
from wastechain.services.reconciliation import run_reconciliation

TODAY = local_date(NOW)


def _score(session, org, rules=None) -> int:
    session.rollback()
    return credit.score(session, organization_id=org.id, rules=rules or CreditRules())


def _events(session, org) -> list[tuple]:
    session.rollback()
    return [(e.day, e.rule, e.points, e.count) for e in
            session.scalars(select(CreditEvent).where(CreditEvent.organization_id == org.id).order_by(CreditEvent.id))]


def _refresh(session, day=TODAY, rules=None) -> int:
    written = credit.refresh_credit(session, day=day, now=NOW, rules=rules)
    session.commit()
    return written


def _a_troubled_world(session, world):
    """The producer: a critical anomaly open for 10 days, one open for 3 (still in grace), one resolved, one missing
    declaration. The receiver: four overdue receipts, one of them 400 days ago (outside the window)."""
    for days_ago, status in ((10, "open"), (3, "open"), (20, "resolved")):
        make_anomaly(session, code="JURISDICTION_BREACH", severity="critical", status=status, org=world.producer,
                     day=TODAY - timedelta(days=days_ago))
    make_anomaly(session, code="DECLARATION_MISSING", severity="medium", org=world.producer,
                 day=TODAY - timedelta(days=5))
    for days_ago in (1, 30, 100, 400):
        make_anomaly(session, code="RECEIPT_OVERDUE", severity="medium", org=world.receiver,
                     day=TODAY - timedelta(days=days_ago))


def test_every_enterprise_starts_at_100(session, world):
    assert _score(session, world.producer) == 100 and _events(session, world.producer) == []


def test_scores_follow_the_documented_rules_exactly(session, world):
    _a_troubled_world(session, world)
    assert _refresh(session) == 3
    # 100 − 10 (one critical anomaly past its 7 days of grace) − 5 (one missing declaration)
    assert _score(session, world.producer) == 85
    assert sorted(_events(session, world.producer)) == [(TODAY, "critical_anomaly_open", -10, 1),
                                                        (TODAY, "declaration_missing", -5, 1)]
    # three overdue receipts in 365 days, two allowed: 100 − 5
    assert _score(session, world.receiver) == 95
    assert _events(session, world.receiver) == [(TODAY, "receipt_overdue", -5, 3)]
    assert _score(session, world.transporter) == 100


def test_a_rerun_of_the_day_adds_nothing(session, world):
    _a_troubled_world(session, world)
    _refresh(session)
    before = _events(session, world.producer)
    assert _refresh(session) == 0
    assert _events(session, world.producer) == before and _score(session, world.producer) == 85


def test_a_resolved_anomaly_gives_the_points_back_the_next_day_with_its_own_event(session, world):
    _a_troubled_world(session, world)
    _refresh(session, TODAY - timedelta(days=1))
    assert _score(session, world.producer) == 85
    session.execute(Anomaly.__table__.update().where(Anomaly.severity == "critical").values(status="resolved"))
    session.commit()
    assert _refresh(session) == 1
    assert _score(session, world.producer) == 95
    assert _events(session, world.producer)[-1] == (TODAY, "critical_anomaly_open", 10, 0)


def test_the_grace_period_ends_and_the_second_anomaly_counts_later(session, world):
    _a_troubled_world(session, world)
    _refresh(session)
    _refresh(session, TODAY + timedelta(days=4))  # the anomaly of 3 days ago is now 7 days old
    assert _score(session, world.producer) == 75
    assert _events(session, world.producer)[-1] == (TODAY + timedelta(days=4), "critical_anomaly_open", -10, 2)


def test_an_earlier_day_refreshed_after_a_later_one_changes_nothing(session, world):
    _a_troubled_world(session, world)
    _refresh(session)
    assert _refresh(session, TODAY - timedelta(days=2)) == 0
    assert _score(session, world.producer) == 85


def test_the_rules_are_configurable(session, world):
    _a_troubled_world(session, world)
    rules = CreditRules.from_config({"CREDIT_START_SCORE": "90", "CREDIT_CRITICAL_ANOMALY_OPEN_POINTS": "-30",
                                     "CREDIT_CRITICAL_GRACE_DAYS": "2", "CREDIT_RECEIPT_OVERDUE_ALLOWANCE": "0",
                                     "CREDIT_RECEIPT_OVERDUE_WINDOW_DAYS": "500"})
    _refresh(session, rules=rules)
    # 90 − 2 × 30 (both open criticals past 2 days) − 5 (declaration)
    assert _score(session, world.producer, rules) == 25
    # four overdue receipts in 500 days, none allowed
    assert _score(session, world.receiver, rules) == 70


def test_the_score_never_goes_below_the_floor(session, world):
    for _ in range(12):
        make_anomaly(session, code="JURISDICTION_BREACH", severity="critical", org=world.producer,
                     day=TODAY - timedelta(days=30))
    _refresh(session)
    assert _score(session, world.producer) == 0
    assert _events(session, world.producer) == [(TODAY, "critical_anomaly_open", -120, 12)]


def test_refused_deliveries_cost_the_issuer_beyond_the_first(api, session, world):
    for _ in range(2):
        batch = make_batch(session, world.producer, world.producer_site, kg="500")
        session.commit()
        mid = api.issue(world, batch, "100").json["id"]
        assert api.step(mid, "pickup", as_="driver").status_code == 201
        assert api.step(mid, "deliver", as_="driver").status_code == 201
        assert api.step(mid, "receive", as_="receiver", accepted_kg=60, rejected_kg=40,
                        reason="含水过多").status_code == 201
    _refresh(session, local_date(NOW))
    assert _score(session, world.producer) == 97
    assert [e[1:] for e in _events(session, world.producer)] == [("refusal", -3, 2)]
    assert _score(session, world.receiver) == 100


def test_tip_offs_count_nothing_until_the_tip_off_table_is_merged(session, world):
    rules = CreditRules()
    assert rules.rule("tipoff_upheld").points == -20
    assert credit.facts.upheld_tipoffs(session, day=TODAY, rule=rules.rule("tipoff_upheld"), rules=rules) == {}


def test_the_nightly_reconciliation_refreshes_the_credit_record(app, session, world):
    _a_troubled_world(session, world)
    settings = app.extensions["wastechain.settings"]
    run_reconciliation(session, day=TODAY - timedelta(days=1), now=NOW, thresholds=settings.thresholds,
                       secret=settings.secret_key, credit_rules=settings.credit_rules)
    assert _score(session, world.producer) == 85
    assert {e[0] for e in _events(session, world.producer)} == {TODAY - timedelta(days=1)}
