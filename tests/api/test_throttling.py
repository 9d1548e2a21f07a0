"""Throttling of passwords, handover codes and code issuing; the constant-time answer for unknown users; the bound
on password checks running at once. Limits are small here (create_app overrides) and checked with N+1 requests."""
import uuid

import pytest
import redis

from tests.conftest import TEST_CONFIG
from tests.factories import PASSWORD, assert_refused, manifest_state, row_count
from tests.web.helpers import events, issue, login, refused_page, token_of
from wastechain import create_app
from wastechain.config import Config
from wastechain.models import ApiToken, UserLogin
from wastechain.services.accounts import auth
from wastechain.settings import Settings, SettingsError

SMALL_LIMITS = {"LOGIN_LIMITS_PER_ACCOUNT": "3 per minute", "LOGIN_LIMITS_PER_ADDRESS": "5 per minute",
                "HANDOVER_LIMITS_PER_MANIFEST": "3 per minute", "HANDOVER_LIMITS_PER_ADDRESS": "100 per minute",
                "CODE_LIMITS_PER_ACCOUNT": "3 per minute", "CODE_LIMITS_PER_ADDRESS": "100 per minute"}
REDIS_URL = "redis://127.0.0.1:6379/0"


def _app(database_url, **overrides):
    return create_app({**TEST_CONFIG, "DATABASE_URL": database_url, **SMALL_LIMITS, **overrides})


@pytest.fixture
def app(database_url):
    """The suite's app with small limits (memory storage, as every test but the Redis one)."""
    app = _app(database_url)
    yield app
    app.extensions["wastechain.engine"].dispose()


@pytest.fixture
def other_app(database_url):
    """A second app on the same database, built by the test with its own configuration."""
    made = []

    def make(**overrides):
        made.append(_app(database_url, **overrides))
        return made[-1]

    yield make
    for app in made:
        app.extensions["wastechain.engine"].dispose()


def _token(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def _throttled(response) -> dict:
    error = assert_refused(response, 429, "TOO_MANY_REQUESTS")
    assert int(response.headers["Retry-After"]) >= 1
    assert error["details"]["retry_after"] == int(response.headers["Retry-After"])
    return error


# ---- passwords: per account and per address, page and API alike ----

def test_the_right_password_is_refused_once_the_account_has_used_up_its_attempts(client, session, world):
    for _ in range(3):
        assert_refused(_token(client, "producer", "wrong-password"), 401, "UNAUTHORIZED")
    _throttled(_token(client, "producer", PASSWORD))
    assert row_count(session, ApiToken) == 0


def test_an_account_is_throttled_whichever_address_the_attempts_come_from(client, session, world):
    for n in range(3):
        assert_refused(_token(client, "producer", "wrong-password", address=f"10.0.1.{n}"), 401, "UNAUTHORIZED")
    _throttled(_token(client, "producer", PASSWORD, address="10.0.1.99"))
    assert row_count(session, ApiToken) == 0


def test_an_address_is_throttled_whichever_usernames_it_tries(client, session, world):
    for n in range(5):
        assert_refused(_token(client, f"guess{n}", "password123"), 401, "UNAUTHORIZED")
    _throttled(_token(client, "producer", PASSWORD))
    assert row_count(session, ApiToken) == 0
    assert _token(client, "producer", PASSWORD, address="10.0.0.2").status_code == 200  # another address may


def test_other_accounts_are_not_throttled_by_one_accounts_attempts(client, session, world):
    for n in range(3):
        _token(client, "producer", "wrong-password", address=f"10.0.2.{n}")
    assert _token(client, "driver", PASSWORD, address="10.0.2.9").status_code == 200


def test_the_page_login_and_the_api_token_count_the_same_attempts(client, session, world):
    for _ in range(2):
        wrong = client.post("/login", data={"username": "producer", "password": "wrong-password"})
        assert wrong.status_code == 401
    assert_refused(_token(client, "producer", "wrong-password", address="127.0.0.1"), 401, "UNAUTHORIZED")
    refused = client.post("/login", data={"username": "producer", "password": PASSWORD, "next": "/"},
                          headers={"Accept": "text/html"})
    assert refused.mimetype == "text/html" and int(refused.headers["Retry-After"]) >= 1
    assert "尝试次数过多" in refused_page(refused, 429)
    assert row_count(session, UserLogin) == 0
    assert client.get("/producer").status_code == 302  # not logged in


# ---- handover codes offered at pickup: per manifest and per address ----

def test_handover_codes_offered_through_the_api_are_throttled_per_manifest(client, api, session, world):
    manifest = issue(api, session, world)
    code = api.handover_code(manifest["id"])
    for n in range(3):
        wrong = api.step(manifest["id"], "pickup", as_="driver", handover_code=f"00000{n}", quantity_kg="100")
        assert_refused(wrong, 422, "HANDOVER_CODE_INVALID")
    _throttled(api.step(manifest["id"], "pickup", as_="driver", handover_code=code, quantity_kg="100"))
    assert manifest_state(api, manifest["id"]) == ("issued", 1)


def test_steps_without_a_handover_code_are_not_counted(client, api, session, world):
    manifest = issue(api, session, world)
    for n in range(4):
        refused = api.step(manifest["id"], "pickup", as_="driver", handover_code=None, quantity_kg="100")
        assert_refused(refused, 422, "HANDOVER_CODE_REQUIRED")
    picked = api.step(manifest["id"], "pickup", as_="driver", quantity_kg="100")
    assert picked.status_code == 201, picked.json


def test_handover_codes_offered_on_the_scan_page_are_throttled_per_manifest(client, api, session, world):
    manifest = issue(api, session, world)
    code = api.handover_code(manifest["id"])
    login(client, "driver")
    for n in range(3):
        wrong = client.post(f"/s/{token_of(manifest)}/step",
                            json={"type": "pickup", "idempotency_key": f"phone-key-000{n}", "quantity_kg": "100",
                                  "handover_code": f"00000{n}"})
        assert_refused(wrong, 422, "HANDOVER_CODE_INVALID")
    right = client.post(f"/s/{token_of(manifest)}/step",
                        json={"type": "pickup", "idempotency_key": "phone-key-0009", "quantity_kg": "100",
                              "handover_code": code})
    _throttled(right)
    assert [e["type"] for e in events(api, manifest["id"])] == ["issue"]


# ---- issuing handover codes: per account and per address ----

def test_issuing_handover_codes_through_the_api_is_throttled_per_account(client, api, session, world):
    manifest = issue(api, session, world)
    for _ in range(3):
        assert api.post(f"/manifests/{manifest['id']}/handover-code", as_="producer").status_code == 201
    _throttled(api.post(f"/manifests/{manifest['id']}/handover-code", as_="producer"))


def test_issuing_handover_codes_on_the_producers_page_is_throttled_with_a_readable_page(client, api, session, world):
    manifest = issue(api, session, world)
    login(client, "producer")
    for _ in range(3):
        assert client.post(f"/producer/manifests/{manifest['id']}/handover-code").status_code == 200
    refused = client.post(f"/producer/manifests/{manifest['id']}/handover-code", headers={"Accept": "text/html"})
    assert "尝试次数过多" in refused_page(refused, 429)


# ---- storage: Redis when configured, and refusal (not a free pass) when it is down ----

def test_attempts_are_counted_in_redis_when_it_is_configured(other_app, session, world):
    prefix = f"test-{uuid.uuid4().hex}"
    client = other_app(RATELIMIT_STORAGE_URI=REDIS_URL, RATELIMIT_KEY_PREFIX=prefix).test_client()
    server = redis.Redis.from_url(REDIS_URL)
    try:
        for _ in range(3):
            assert_refused(_token(client, "producer", "wrong-password"), 401, "UNAUTHORIZED")
        assert server.keys(f"*{prefix}*")  # counted in Redis (a Redis that is down fails this test)
        _throttled(_token(client, "producer", PASSWORD))
        assert row_count(session, ApiToken) == 0
    finally:
        keys = server.keys(f"*{prefix}*")
        if keys:
            server.delete(*keys)


def test_an_unreachable_throttling_storage_refuses_logins_as_busy(other_app, session, world):
    client = other_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0").test_client()
    assert_refused(_token(client, "producer", PASSWORD), 503, "BUSY")
    assert row_count(session, ApiToken) == 0


# ---- constant-time answer for unknown users, bounded password checks ----

@pytest.fixture
def password_checks(monkeypatch):
    """Every password hash the service checks against, in order."""
    checked = []
    real = auth.check_password_hash

    def counting(password_hash, password):
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(auth, "check_password_hash", counting)
    return checked


def test_an_unknown_username_costs_a_password_check_against_a_dummy_hash(app, client, world, password_checks):
    assert_refused(_token(client, "nobody", PASSWORD), 401, "UNAUTHORIZED")
    dummy = app.extensions["wastechain.password_gate"].dummy_hash
    assert password_checks == [dummy]
    assert dummy.startswith(TEST_CONFIG["PASSWORD_HASH_METHOD"] + "$")  # made with the users' method


def test_a_known_username_costs_one_password_check_as_an_unknown_one_does(client, session, world, password_checks):
    assert_refused(_token(client, "producer", "wrong-password"), 401, "UNAUTHORIZED")
    assert_refused(_token(client, "nobody", "wrong-password"), 401, "UNAUTHORIZED")
    assert len(password_checks) == 2 and password_checks[0] != password_checks[1]


def test_a_deactivated_user_costs_a_password_check_too(client, session, world, password_checks):
    from tests.factories import user_named

    user_named(session, "producer").active = False
    session.commit()
    assert_refused(_token(client, "producer", PASSWORD), 401, "UNAUTHORIZED")
    assert len(password_checks) == 1


def test_a_login_that_cannot_get_a_password_check_slot_is_refused_as_busy(other_app, session, world):
    busy_app = other_app(PASSWORD_HASH_CONCURRENCY=1, PASSWORD_HASH_WAIT_SECONDS=0)
    client = busy_app.test_client()
    with busy_app.extensions["wastechain.password_gate"].slot():  # another login is hashing
        assert_refused(_token(client, "producer", PASSWORD), 503, "BUSY")
        page = client.post("/login", data={"username": "producer", "password": PASSWORD},
                           headers={"Accept": "text/html"})
        assert refused_page(page, 503)
    assert row_count(session, ApiToken) == 0 and row_count(session, UserLogin) == 0
    assert _token(client, "producer", PASSWORD, address="10.0.3.1").status_code == 200  # the slot is free again


# ---- settings ----

def test_production_uses_the_documented_default_limits(monkeypatch, tmp_path):
    for key in ("RATELIMIT_STORAGE_URI", "LOGIN_LIMITS_PER_ACCOUNT", "LOGIN_LIMITS_PER_ADDRESS",
                "HANDOVER_LIMITS_PER_MANIFEST", "HANDOVER_LIMITS_PER_ADDRESS", "CODE_LIMITS_PER_ACCOUNT",
                "CODE_LIMITS_PER_ADDRESS", "PASSWORD_HASH_CONCURRENCY", "PASSWORD_HASH_WAIT_SECONDS"):
        monkeypatch.delenv(key, raising=False)
    settings = Settings.from_config({**Config(str(tmp_path)).as_dict(), "SECRET_KEY": "k" * 32})
    assert settings.ratelimit_storage_uri == "memory://"
    assert settings.login_limits_per_account == "10 per minute;50 per hour"
    assert settings.login_limits_per_address == "30 per minute"
    assert settings.handover_limits_per_manifest == "10 per minute;30 per hour"
    assert settings.password_hash_concurrency == 2


def test_a_limit_that_cannot_be_read_stops_the_start(database_url):
    with pytest.raises(SettingsError, match="LOGIN_LIMITS_PER_ACCOUNT"):
        _app(database_url, LOGIN_LIMITS_PER_ACCOUNT="ten a minute")
