"""Company administration, my tasks, carrier and enterprise anomaly pages (issue 13 items 8 and 10): each company sees
and manages only its own; refusals change nothing; a password change ends the other logins."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.factories import NOW, PASSWORD, make_anomaly, make_batch, row_count, user_named
from tests.web.helpers import issue, login
from wastechain.domain.timeutil import local_date
from wastechain.models import AnomalyNote, ApiKey, User


@pytest.fixture
def admins(session, world):
    for name in ("producer", "transporter", "receiver"):
        session.scalar(select(User).where(User.username == name)).org_admin = True
    session.commit()
    return world


def _page(response, status=200) -> str:
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:800]
    return text


def _fresh(session, username):
    session.expire_all()
    return user_named(session, username)


# ---------------------------------------------------------------- company administration

def test_a_carrier_admin_adds_a_driver_on_the_page_who_then_logs_in(app, client, admins, session):
    login(client, "transporter")
    page = _page(client.get("/company"))
    assert "driver2" in page and "other_producer" not in page and "producer" not in re.findall(r'data-username="(\w+)"', page)
    response = client.post("/company/users", data={"username": "new_driver", "password": "longpassword",
                                                   "role": "driver"})
    assert response.status_code == 302
    assert "new_driver" in _page(client.get("/company"))
    response = app.test_client().post("/login", data={"username": "new_driver", "password": "longpassword"})
    assert response.status_code == 302


def test_an_error_keeps_what_was_typed_and_creates_nothing(client, admins, session):
    login(client, "transporter")
    before = row_count(session, User)
    page = _page(client.post("/company/users", data={"username": "a new name", "password": "longpassword",
                                                     "role": "driver"}), 422)
    assert 'value="a new name"' in page and "用户名：格式不正确或未填写" in page
    assert row_count(session, User) == before


def test_a_user_who_is_not_admin_is_refused_the_company_pages(client, admins, session):
    login(client, "driver")
    assert client.get("/company").status_code == 403
    before = row_count(session, User)
    assert client.post("/company/users", data={"username": "sneaky", "password": "longpassword",
                                               "role": "driver"}).status_code == 403
    assert row_count(session, User) == before


def test_an_admin_cannot_open_or_deactivate_another_company_s_user(client, admins, session):
    other = _fresh(session, "other_producer")
    login(client, "transporter")
    assert client.get(f"/company/users/{other.id}").status_code == 404
    assert client.post(f"/company/users/{other.id}/deactivate").status_code == 404
    assert _fresh(session, "other_producer").active


def test_a_deactivated_driver_cannot_log_in_and_its_browser_is_signed_out(app, client, admins, session):
    phone = app.test_client()
    login(phone, "driver")
    assert phone.get("/driver").status_code == 200
    driver = _fresh(session, "driver")
    login(client, "transporter")
    assert client.post(f"/company/users/{driver.id}/deactivate").status_code == 302
    assert "已停用" in _page(client.get(f"/company/users/{driver.id}"))
    assert phone.get("/driver").status_code == 302
    assert app.test_client().post("/login", data={"username": "driver", "password": PASSWORD}).status_code == 401


def test_changing_one_s_password_keeps_this_login_and_ends_the_others(app, client, world, session):
    other = app.test_client()
    login(other, "receiver")
    login(client, "receiver")
    response = client.post("/account", data={"current_password": PASSWORD, "new_password": "fresh-password-9"})
    assert response.status_code == 302
    assert client.get("/receiver/").status_code == 200
    assert other.get("/receiver/").status_code == 302
    assert app.test_client().post("/login", data={"username": "receiver",
                                                  "password": "fresh-password-9"}).status_code == 302


def test_a_wrong_current_password_is_refused_in_chinese_and_changes_nothing(app, client, world):
    login(client, "receiver")
    page = _page(client.post("/account", data={"current_password": "nope-nope", "new_password": "fresh-password-9"}),
                 422)
    assert "当前密码不正确" in page
    assert app.test_client().post("/login", data={"username": "receiver", "password": PASSWORD}).status_code == 302


def test_a_key_is_shown_once_and_only_its_hash_is_kept(client, admins, session):
    login(client, "producer")
    page = _page(client.post("/company/keys", data={"name": "ERP 同步"}), 201)
    key = re.search(r'id="key-value" class="mono" value="(wck_[^"]+)"', page).group(1)
    assert client.get("/api/v1/manifests", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    again = _page(client.get("/company/keys"))
    assert key not in again and key[:12] in again and "最近使用" in again
    record = session.scalar(select(ApiKey))
    session.commit()
    assert client.post(f"/company/keys/{record.id}/revoke").status_code == 302
    assert client.get("/api/v1/manifests", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_the_site_form_adds_a_site_named_by_county(client, admins, session):
    login(client, "producer")
    page = _page(client.get("/company/sites"))
    assert "柯城区" in page
    response = client.post("/company/sites", data={"name": "二号贮存点", "kind": "storage", "region_code": "330802"})
    assert response.status_code == 302 and "二号贮存点" in _page(client.get("/company/sites"))


def test_a_carrier_admin_registers_a_vehicle_and_a_bad_plate_keeps_the_form(client, admins, session):
    login(client, "transporter")
    page = _page(client.post("/company/vehicles", data={"plate": "ABC", "max_load_kg": "8000"}), 422)
    assert 'value="ABC"' in page and 'value="8000"' in page
    assert client.post("/company/vehicles", data={"plate": "浙H99999", "max_load_kg": "8000"}).status_code == 302
    assert "浙H99999" in _page(client.get("/carrier/fleet"))


def test_a_regulator_created_account_is_confirmed_on_the_company_page(client, admins, session, api):
    created = api.post("/users", {"username": "reg_made", "password": "longpassword", "role": "producer",
                                  "organization_id": admins.producer.id}, as_="kecheng_regulator").json
    login(client, "producer")
    assert "等待您确认" in _page(client.get("/company"))
    assert client.post(f"/company/users/{created['id']}/confirm").status_code == 302
    assert not _fresh(session, "reg_made").pending_confirmation


# ---------------------------------------------------------------- tasks and badge

def test_the_badge_and_tasks_list_the_codes_to_show_and_anomalies_to_explain(client, api, admins, session):
    manifest = issue(api, session, admins)
    anomaly = make_anomaly(session, org=admins.producer, manifest_id=manifest["id"])
    make_anomaly(session, org=admins.other_producer)  # another company's: not ours
    login(client, "producer")
    page = _page(client.get("/tasks"))
    badge = int(re.search(r'id="task-badge"[^>]*>(\d+)<', page).group(1))
    assert manifest["number"] in page and f"/anomalies/{anomaly.id}" in page
    assert badge == 3  # one code to show, one anomaly to explain, last year's declaration
    response = client.post(f"/anomalies/{anomaly.id}/explanation", data={"note": "车辆故障，已更换车辆"})
    assert response.status_code == 302
    after = _page(client.get("/tasks"))
    assert int(re.search(r'id="task-badge"[^>]*>(\d+)<', after).group(1)) == 2
    assert f"/anomalies/{anomaly.id}" not in after


def test_a_receiver_sees_deliveries_to_weigh_with_their_deadline(client, api, admins, session):
    manifest = issue(api, session, admins)
    assert api.step(manifest["id"], "pickup", as_="driver", quantity_kg="100").status_code == 201
    assert api.step(manifest["id"], "deliver", as_="driver").status_code == 201
    login(client, "receiver")
    page = _page(client.get("/tasks"))
    assert manifest["number"] in page and "截止" in page


# ---------------------------------------------------------------- enterprise anomalies

def test_an_enterprise_sees_only_anomalies_about_it_and_cannot_open_others(client, admins, session):
    ours = make_anomaly(session, org=admins.producer)
    theirs = make_anomaly(session, org=admins.other_producer)
    login(client, "producer")
    page = _page(client.get("/anomalies/"))
    assert f"/anomalies/{ours.id}" in page and f"/anomalies/{theirs.id}" not in page
    before = row_count(session, AnomalyNote)
    assert client.get(f"/anomalies/{theirs.id}").status_code == 404
    assert client.post(f"/anomalies/{theirs.id}/explanation", data={"note": "x"}).status_code == 404
    assert row_count(session, AnomalyNote) == before


def test_an_empty_explanation_is_refused_and_nothing_is_added(client, admins, session):
    ours = make_anomaly(session, org=admins.producer)
    login(client, "producer")
    _page(client.post(f"/anomalies/{ours.id}/explanation", data={"note": "  "}), 422)
    assert row_count(session, AnomalyNote) == 0


# ---------------------------------------------------------------- carrier

def test_a_carrier_lists_the_manifests_it_carries_filtered_by_status(client, api, admins, session):
    manifest = issue(api, session, admins)
    login(client, "transporter")
    page = _page(client.get("/carrier/"))
    assert manifest["number"] in page
    assert manifest["number"] not in _page(client.get("/carrier/?status=closed"))
    assert manifest["number"] in _page(client.get(f"/carrier/manifests/{manifest['id']}"))
    assert "driver2" in _page(client.get("/carrier/fleet"))


def test_a_carrier_cannot_open_a_manifest_it_does_not_carry(client, api, admins, session):
    from tests.factories import make_rival_transporter

    rival = make_rival_transporter(session)
    session.commit()
    manifest = issue(api, session, admins, transporter_id=rival.id)
    login(client, "transporter")
    assert client.get(f"/carrier/manifests/{manifest['id']}").status_code == 404
    assert manifest["number"] not in _page(client.get("/carrier/"))


# ---------------------------------------------------------------- tasks: payments to confirm, declarations due

EN = {"Accept-Language": "en-US,en;q=0.9"}


def _badge(page: str) -> int:
    found = re.search(r'id="task-badge"[^>]*>(\d+)<', page)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_payment_the_producer_records_waits_on_the_receiver_until_confirmed(app, client, api, admins, session,
                                                                               lang):
    headers = EN if lang == "en" else {}
    manifest = issue(api, session, admins)
    login(client, "producer")
    recorded = client.post("/declarations/payments", data={"manifest_id": str(manifest["id"]), "payee": "receiver",
                                                           "amount": "1200.50", "paid_on": local_date(NOW).isoformat()})
    assert recorded.status_code == 302, recorded.get_data(as_text=True)[:500]
    receiver = app.test_client()
    login(receiver, "receiver")
    page = _page(receiver.get("/tasks", headers=headers))
    section = re.search(r'<section class="card" id="task-payments">.*?</section>', page, re.S).group(0)
    assert manifest["number"] in section and "1200.50" in section
    assert "/declarations/payments?unconfirmed=1#payment-" in section
    assert ("Payments to confirm" in section) if lang == "en" else ("待确认的收款" in section)
    assert _badge(page) == page.count('class="row-link"')  # the badge counts what the page lists
    payment_id = int(re.search(r'data-payment="(\d+)"', section).group(1))
    assert f'id="payment-{payment_id}"' in _page(receiver.get("/declarations/payments?unconfirmed=1"))
    assert receiver.post(f"/declarations/payments/{payment_id}/confirm").status_code == 302
    after = _page(receiver.get("/tasks", headers=headers))
    assert 'id="task-payments"' not in after and _badge(after) == _badge(page) - 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_large_producer_sees_last_month_s_report_due_until_it_submits_it(client, admins, session, lang):
    headers = EN if lang == "en" else {}
    make_batch(session, admins.producer, admins.producer_site, kg="120000",
               generated_at=datetime(NOW.year - 1, 6, 1, 4, 0, tzinfo=timezone.utc))  # 重点监管: ≥ 100 t last year
    session.commit()
    today = local_date(NOW)
    previous = today.replace(day=1) - timedelta(days=1)
    month = f"{previous.year:04d}-{previous.month:02d}"
    login(client, "producer")
    page = _page(client.get("/tasks", headers=headers))
    section = re.search(r'<section class="card" id="task-declarations">.*?</section>', page, re.S).group(0)
    assert f"/declarations/?month={month}#monthly-form" in section
    assert f"/declarations/?year={today.year - 1}" in section
    due = f"{today.year:04d}-{today.month:02d}-15"
    assert due in section
    if lang == "en":
        assert "monthly report of bulk industrial solid waste" in section and "Fill in" in section
    else:
        assert f"{month} 大宗工业固体废物月报" in section and "危险废物环境重点监管单位" in section
    assert _badge(page) == page.count('class="row-link"')
    form = _page(client.get(f"/declarations/?month={month}"))
    assert f'data-due="{due}"' in form  # the form the link opens shows the same due date
    submitted = client.post("/declarations/", data={"period_kind": "monthly", "period": month})
    assert submitted.status_code == 302, submitted.get_data(as_text=True)[:500]
    after = _page(client.get("/tasks", headers=headers))
    assert 'data-declaration="monthly"' not in after and _badge(after) == _badge(page) - 1
