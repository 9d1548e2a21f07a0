"""The last Chinese that reached English clients (issue 13 item 11): the handover code's refusals, a role's refusal,
the throttle's 429 and the enterprise anomaly list read in English for an English client, and are unchanged in
Chinese for a Chinese one."""
import pytest

from tests.conftest import TEST_CONFIG
from tests.factories import assert_refused, make_anomaly, manifest_state, row_count
from tests.web.helpers import issue, login
from wastechain import create_app
from wastechain.i18n import CJK
from wastechain.models import Container, Organization

EN = {"Accept-Language": "en-US,en;q=0.9"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def _step(api, manifest_id: int, code: str, headers: dict, key: str):
    body = {"type": "pickup", "idempotency_key": key, "handover_code": code, "quantity_kg": "100"}
    return api.client.post(f"/api/v1/manifests/{manifest_id}/events", json=body,
                           headers={"Authorization": f"Bearer {api.token('driver')}", **headers})


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_wrong_handover_code_is_refused_in_english_with_the_tries_left(api, session, world):
    manifest = issue(api, session, world)
    code = api.handover_code(manifest["id"])
    error = assert_refused(_step(api, manifest["id"], _wrong(code), EN, "pickup-en-1"), 422, "HANDOVER_CODE_INVALID")
    left = error["details"]["attempts_left"]
    assert error["message"] == f"Wrong handover code; {left} tries left"
    assert manifest_state(api, manifest["id"]) == ("issued", 1)


def test_a_wrong_handover_code_is_refused_in_chinese_as_before(api, session, world):
    manifest = issue(api, session, world)
    code = api.handover_code(manifest["id"])
    error = assert_refused(_step(api, manifest["id"], _wrong(code), ZH, "pickup-zh-1"), 422, "HANDOVER_CODE_INVALID")
    assert error["message"] == f"交接码错误，还可尝试 {error['details']['attempts_left']} 次"
    assert manifest_state(api, manifest["id"]) == ("issued", 1)


def test_a_missing_handover_code_row_is_explained_in_english(api, session, world):
    manifest = issue(api, session, world)  # no code generated yet
    error = assert_refused(_step(api, manifest["id"], "123456", EN, "pickup-en-2"), 422, "HANDOVER_CODE_MISSING")
    assert "has not generated a handover code" in error["message"] and not CJK.search(error["message"])
    assert manifest_state(api, manifest["id"]) == ("issued", 1)


def _register(api, headers: dict):
    body = {"name": "新公司", "credit_code": "91330800MA2DXXXX0X", "region_code": "330802", "roles": ["producer"]}
    return api.client.post("/api/v1/organizations", json=body,
                           headers={"Authorization": f"Bearer {api.token('producer')}", **headers})


@pytest.mark.parametrize("headers, message", [
    (EN, "Your role (Producer) may not register organizations"),
    (ZH, "当前角色（产生单位）不能登记组织"),
])
def test_a_role_refusal_names_the_role_and_what_it_may_not_do_in_the_clients_language(api, session, world, headers,
                                                                                      message):
    before = row_count(session, Organization)
    error = assert_refused(_register(api, headers), 403, "FORBIDDEN")
    assert error["message"] == message
    assert row_count(session, Organization) == before


@pytest.fixture
def small_limits_app(database_url):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "LOGIN_LIMITS_PER_ACCOUNT": "2 per minute",
                      "LOGIN_LIMITS_PER_ADDRESS": "100 per minute"})
    yield app
    app.extensions["wastechain.engine"].dispose()


@pytest.mark.parametrize("headers, start, end", [
    (EN, "Too many attempts; please try again in ", " seconds"),
    (ZH, "尝试次数过多，请 ", " 秒后再试"),
])
def test_a_throttled_login_says_how_long_to_wait_in_the_clients_language(small_limits_app, world, headers, start,
                                                                           end):
    client = small_limits_app.test_client()
    for _ in range(2):
        response = client.post("/api/v1/auth/token", json={"username": "producer", "password": "wrong"},
                               headers=headers)
        assert response.status_code == 401
    response = client.post("/api/v1/auth/token", json={"username": "producer", "password": "wrong"}, headers=headers)
    error = assert_refused(response, 429, "TOO_MANY_REQUESTS")
    seconds = response.headers["Retry-After"]
    assert error["message"] == f"{start}{seconds}{end}"


@pytest.mark.parametrize("headers, name, other", [(EN, "Transit overdue", "运输超时"), (ZH, "运输超时", "Transit overdue")])
def test_the_enterprise_anomaly_list_names_the_type_in_the_clients_language(client, session, world, headers, name,
                                                                             other):
    make_anomaly(session, code="TRANSIT_OVERDUE", org=world.producer)
    login(client, "producer")
    page = client.get("/anomalies/", headers=headers).get_data(as_text=True)
    assert f"<strong>{name}</strong>" in page and f"<strong>{other}</strong>" not in page


@pytest.mark.parametrize("headers, message", [
    (EN, "Login required: send a Bearer token in the Authorization header"),
    (ZH, "需要登录：请在 Authorization 头中提供 Bearer 令牌"),
])
def test_an_api_call_without_a_token_is_refused_in_the_clients_language(client, world, headers, message):
    error = assert_refused(client.get("/api/v1/manifests", headers=headers), 401, "UNAUTHORIZED")
    assert error["message"] == message


def test_a_pickup_without_code_or_reason_says_so_in_english(api, session, world):
    manifest = issue(api, session, world)
    body = {"type": "pickup", "idempotency_key": "pickup-en-none", "quantity_kg": "100"}
    response = api.client.post(f"/api/v1/manifests/{manifest['id']}/events", json=body,
                               headers={"Authorization": f"Bearer {api.token('driver')}", **EN})
    error = assert_refused(response, 422, "HANDOVER_CODE_REQUIRED")
    assert error["message"].startswith("A pickup needs the producer's one-time handover_code")
    assert manifest_state(api, manifest["id"]) == ("issued", 1)


@pytest.mark.parametrize("headers, message", [
    (EN, "Site {id} does not exist or is not your company's"),
    (ZH, "场所 {id} 不存在或不属于本单位"),
])
def test_a_container_at_another_companys_site_is_refused_in_the_clients_language(api, session, world, headers,
                                                                                message):
    site = world.receiver_site.id
    response = api.client.post("/api/v1/containers", json={"site_id": site, "kind": "drum"},
                               headers={"Authorization": f"Bearer {api.token('producer')}", **headers})
    error = assert_refused(response, 422, "VALIDATION_ERROR")
    assert error["message"] == message.format(id=site)
    assert row_count(session, Container) == 0


def test_an_invalid_payment_amount_is_named_in_english(api, session, world):
    manifest = issue(api, session, world)
    body = {"manifest_id": manifest["id"], "payee_id": world.receiver.id, "amount": "abc",
            "paid_at": "2026-01-01T08:00:00+08:00"}
    response = api.client.post("/api/v1/payments", json=body,
                               headers={"Authorization": f"Bearer {api.token('producer')}", **EN})
    error = assert_refused(response, 422, "VALIDATION_ERROR")
    assert "is not a valid amount" in error["message"] and not CJK.search(error["message"])


def test_out_of_range_input_is_refused_in_english_and_in_chinese(api, world):
    for headers, expected in (({}, "日期超出允许范围（1900–2100 年）"),
                              ({"Accept-Language": "en"}, "date out of the allowed range (years 1900–2100)")):
        response = api.client.get("/api/v1/anomalies?from=1800-01-01",
                                   headers={**api._headers("city_regulator"), **headers})
        assert response.status_code == 422 and expected in response.json["error"]["message"]
