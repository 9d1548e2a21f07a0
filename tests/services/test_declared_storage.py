"""MASS_BALANCE compares the storage a declaration states with the sites' stock in the ledger (issue 10 item 8)."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from wastechain.domain.anomalies import Thresholds
from wastechain.domain.timeutil import local_date
from wastechain.models import Anomaly
from wastechain.services.reconciliation import run_reconciliation


def _declare_and_reconcile(api, session, stored_kg: str):
    year = str(local_date(datetime.now(timezone.utc)).year)
    response = api.post("/declarations", {"period_kind": "annual", "period": year, "stored_kg": stored_kg},
                        as_="producer")
    assert response.status_code == 201, response.json
    session.rollback()
    run_reconciliation(session, day=local_date(datetime.now(timezone.utc)),
                       now=datetime.now(timezone.utc) + timedelta(days=2), thresholds=Thresholds(), secret="s")
    session.commit()
    return session.scalars(select(Anomaly).where(Anomaly.code == "MASS_BALANCE")).all()


def test_a_declaration_that_understates_the_stock_in_storage_is_a_mass_balance_anomaly(api, world, batch, session):
    found = _declare_and_reconcile(api, session, "600")  # the ledger holds the batch's 1000 kg
    assert len(found) == 1 and found[0].organization_id == world.producer.id
    assert found[0].evidence["kind"] == "declared_storage"
    assert (found[0].evidence["declared_stored_kg"], found[0].evidence["ledger_stored_kg"]) == ("600.000", "1000.000")


def test_a_declaration_that_states_the_ledgers_stock_raises_nothing(api, world, batch, session):
    assert _declare_and_reconcile(api, session, "1000") == []
