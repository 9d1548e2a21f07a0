"""Behind nginx (TRUSTED_PROXIES=1) the throttle counts the client's address from X-Forwarded-For, not nginx's."""
import pytest

from tests.conftest import TEST_CONFIG
from tests.factories import assert_refused
from wastechain import create_app

LIMITS = {"LOGIN_LIMITS_PER_ADDRESS": "2 per minute", "LOGIN_LIMITS_PER_ACCOUNT": "100 per minute"}


@pytest.fixture
def make_app(database_url):
    made = []

    def make(**overrides):
        made.append(create_app({**TEST_CONFIG, "DATABASE_URL": database_url, **LIMITS, **overrides}))
        return made[-1].test_client()

    yield make
    for app in made:
        app.extensions["wastechain.engine"].dispose()


def _attempt(client, client_address: str):
    return client.post("/api/v1/auth/token", json={"username": "producer", "password": "wrong-password"},
                       headers={"X-Forwarded-For": client_address}, environ_base={"REMOTE_ADDR": "127.0.0.1"})


def test_with_a_trusted_proxy_each_client_address_has_its_own_count(make_app, world):
    client = make_app(TRUSTED_PROXIES=1)
    for _ in range(2):
        assert_refused(_attempt(client, "203.0.113.7"), 401, "UNAUTHORIZED")
    assert_refused(_attempt(client, "203.0.113.7"), 429, "TOO_MANY_REQUESTS")
    assert_refused(_attempt(client, "198.51.100.9"), 401, "UNAUTHORIZED")  # another client behind the same nginx


def test_without_it_a_forged_header_does_not_escape_the_count(make_app, world):
    client = make_app()
    for address in ("203.0.113.7", "203.0.113.8"):
        assert_refused(_attempt(client, address), 401, "UNAUTHORIZED")
    assert_refused(_attempt(client, "203.0.113.9"), 429, "TOO_MANY_REQUESTS")
