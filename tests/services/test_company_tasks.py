"""My tasks, counted for the header badge in one query and listed on the page, for each company its own."""
from datetime import datetime, timezone

from sqlalchemy import event, select

from tests.factories import make_anomaly, make_batch
from wastechain.domain.vocabulary import NoteKind
from wastechain.models import AnomalyNote, Declaration, User
from wastechain.services.accounts import tasks

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=timezone.utc)


def _user(session, name):
    return session.scalar(select(User).where(User.username == name))


def _count_queries(session, action):
    seen = []
    engine = session.get_bind()

    def listen(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        result = action()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return result, len(seen)


def test_the_badge_is_one_query_and_agrees_with_the_page(session, world, api):
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    api.issue(world, batch, "10")
    api.issue(world, batch, "20")
    make_anomaly(session, org=world.producer)
    producer = _user(session, "producer")
    number, queries = _count_queries(session, lambda: tasks.count(session, actor=producer, now=NOW))
    assert queries == 1
    page = tasks.my_tasks(session, actor=producer, now=NOW)
    assert number == page.total == 4  # two codes to show, one anomaly, last year's annual declaration
    assert page.declarations[0]["period"] == "2025" and page.declarations[0]["due"].isoformat() == "2026-03-31"


def test_another_company_s_work_is_not_ours(session, world, api):
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    api.issue(world, batch, "10")
    make_anomaly(session, org=world.producer)
    other = _user(session, "other_producer")
    page = tasks.my_tasks(session, actor=other, now=NOW)
    assert page.codes_total == 0 and page.anomalies_total == 0
    assert tasks.count(session, actor=other, now=NOW) == 1  # its own declaration only


def test_an_explained_anomaly_and_a_filed_declaration_leave_the_list(session, world):
    anomaly = make_anomaly(session, org=world.receiver)
    receiver = _user(session, "receiver")
    assert tasks.count(session, actor=receiver, now=NOW) == 2
    session.add(AnomalyNote(anomaly_id=anomaly.id, author_id=receiver.id, author_role="receiver",
                            kind=NoteKind.EXPLANATION, note="已说明", created_at=NOW))
    session.add(Declaration(organization_id=world.receiver.id, period_kind="annual", period="2025",
                            submitted_at=NOW, submitted_by_id=receiver.id))
    session.commit()
    assert tasks.count(session, actor=receiver, now=NOW) == 0
    assert tasks.my_tasks(session, actor=receiver, now=NOW).total == 0


def test_regulators_drivers_and_nobody_have_no_tasks(session, world):
    for name in ("city_regulator", "driver", "admin"):
        assert tasks.count(session, actor=_user(session, name), now=NOW) == 0
    assert tasks.count(session, actor=None, now=NOW) == 0
