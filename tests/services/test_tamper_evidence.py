"""The events table is append-only at the database on PostgreSQL (migration 0007); a DBA can still edit it."""
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError

from tests.factories import as_database_administrator
from wastechain.models import ManifestEvent
from wastechain.services.reconciliation.history import verify_history


@pytest.fixture
def event(api, world, batch, session) -> ManifestEvent:
    api.issue(world, batch)
    return session.scalars(select(ManifestEvent)).one()


def _postgresql(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@pytest.mark.parametrize("statement", ["UPDATE manifest_event SET quantity_kg = 1 WHERE id = :id",
                                       "DELETE FROM manifest_event WHERE id = :id"])
def test_postgresql_refuses_to_update_or_delete_an_event(session, event, statement):
    before = session.execute(select(ManifestEvent.__table__).where(ManifestEvent.id == event.id)).one()
    if not _postgresql(session):
        # SQLite (development) has no trigger: the edit reaches the table and only the chains and seals find it
        session.execute(text(statement), {"id": event.id})
        session.commit()
        check = verify_history(session, secret="test-secret")
        assert not check.ok and check.problems[0]["fingerprint"].startswith("CHAIN_BROKEN:m:")
        return
    with pytest.raises(ProgrammingError) as refused:
        session.execute(text(statement), {"id": event.id})
    assert refused.value.orig.sqlstate == "42501"  # insufficient_privilege
    assert "append-only" in str(refused.value.orig)
    session.rollback()
    assert session.execute(select(ManifestEvent.__table__).where(ManifestEvent.id == event.id)).one() == before


def test_a_database_administrator_can_still_edit_an_event_and_the_guard_comes_back(session, event):
    with as_database_administrator(session):
        session.execute(text("UPDATE manifest_event SET reason = 'edited' WHERE id = :id"), {"id": event.id})
    session.commit()
    assert session.execute(select(ManifestEvent.reason).where(ManifestEvent.id == event.id)).scalar() == "edited"
    if _postgresql(session):
        with pytest.raises(ProgrammingError):
            session.execute(text("DELETE FROM manifest_event WHERE id = :id"), {"id": event.id})
