"""My tasks, counted for the header badge in one query and listed on the page, for each company its own."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import event, select

from tests.factories import make_anomaly, make_batch
from wastechain.domain.anomalies import Thresholds
from wastechain.domain.vocabulary import NoteKind
from wastechain.models import AnomalyNote, Declaration, User
from wastechain.services.accounts import tasks
from wastechain.services.anomalies import declarations, payments

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


# ---------------------------------------------------------------- payments to confirm, declarations due

def _manifest_id(session, world, api) -> int:
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    response = api.issue(world, batch, "10")
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_a_payment_recorded_by_the_producer_waits_on_the_receiver_until_confirmed(session, world, api):
    manifest_id = _manifest_id(session, world, api)
    receiver = _user(session, "receiver")
    before = tasks.count(session, actor=receiver, now=NOW)
    payment = payments.record_payment(session, actor=_user(session, "producer"), manifest_id=manifest_id,
                                      payee_id=world.receiver.id, amount=Decimal("1200.50"),
                                      paid_at=NOW - timedelta(days=1), now=NOW)
    receiver = _user(session, "receiver")  # loaded again after the commit, so only the badge is counted
    number, queries = _count_queries(session, lambda: tasks.count(session, actor=receiver, now=NOW))
    assert queries == 1 and number == before + 1
    page = tasks.my_tasks(session, actor=receiver, now=NOW)
    assert [p.id for p in page.payments] == [payment.id] and page.payments_total == 1 and page.total == number
    assert tasks.my_tasks(session, actor=_user(session, "producer"), now=NOW).payments_total == 0  # the payer's
    assert tasks.my_tasks(session, actor=_user(session, "other_receiver"), now=NOW).payments_total == 0
    payments.confirm_payment(session, actor=receiver, payment_id=payment.id, now=NOW)
    assert tasks.count(session, actor=receiver, now=NOW) == before
    assert tasks.my_tasks(session, actor=receiver, now=NOW).payments == []


def _large_producer(session, world):
    """100 t of hazardous waste last year: 重点监管, which reports monthly."""
    make_batch(session, world.producer, world.producer_site, kg="100000",
               generated_at=datetime(2025, 6, 1, 4, 0, tzinfo=timezone.utc))
    session.commit()
    return _user(session, "producer")


def test_a_large_producer_has_last_month_s_report_due_until_it_is_submitted(session, world):
    producer = _large_producer(session, world)
    number, queries = _count_queries(session, lambda: tasks.count(session, actor=producer, now=NOW))
    page = tasks.my_tasks(session, actor=producer, now=NOW)
    assert queries == 1 and number == page.total == 2
    due = {d["period_kind"]: d for d in page.declarations}
    assert due["monthly"]["period"] == "2026-11" and due["monthly"]["due"] == date(2026, 12, 15)
    assert not due["monthly"]["overdue"] and due["monthly"]["tier"].key == "key"
    forms = declarations.declaration_forms(session, actor=producer, now=NOW, thresholds=Thresholds())
    assert forms["tier"] == due["monthly"]["tier"]  # one rule for the page and the tasks
    assert forms["monthly"]["due"] == due["monthly"]["due"] and forms["annual"]["due"] == due["annual"]["due"]
    late = datetime(2026, 12, 20, 4, 0, tzinfo=timezone.utc)
    assert {d["period_kind"]: d["overdue"] for d in tasks.my_tasks(session, actor=producer, now=late).declarations} \
        == {"annual": True, "monthly": True}  # last year's was due on 31 March
    payments.submit_declaration(session, actor=producer, period_kind="monthly", period="2026-11", now=NOW)
    assert tasks.count(session, actor=producer, now=NOW) == 1
    assert [d["period_kind"] for d in tasks.my_tasks(session, actor=producer, now=NOW).declarations] == ["annual"]


def test_a_small_producer_has_no_monthly_report_due(session, world):
    make_batch(session, world.producer, world.producer_site, kg="20000",
               generated_at=datetime(2025, 6, 1, 4, 0, tzinfo=timezone.utc))
    session.commit()
    page = tasks.my_tasks(session, actor=_user(session, "producer"), now=NOW)
    assert [d["period_kind"] for d in page.declarations] == ["annual"]
    assert page.declarations[0]["tier"].key == "simplified"


def test_the_tasks_page_reads_each_list_in_a_fixed_number_of_statements(session, world, api):
    producer = _user(session, "producer")
    for amount in ("100", "200", "300"):
        payments.record_payment(session, actor=producer, manifest_id=_manifest_id(session, world, api),
                                payee_id=world.receiver.id, amount=Decimal(amount), paid_at=NOW, now=NOW)
    receiver = _user(session, "receiver")
    page, queries = _count_queries(session, lambda: tasks.my_tasks(session, actor=receiver, now=NOW))
    names, later = _count_queries(session, lambda: {(p.manifest.number, p.payer.name) for p in page.payments})
    assert len(names) == 3 and later == 0  # loaded with the list, no query per row
    assert queries <= 9  # weigh, anomalies, payments, corrections: list and total each; declarations in one
