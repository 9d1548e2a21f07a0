"""Database errors answered for what they are: unavailable → 503, a bad value → 422 saying what, a fault → 500;
pages always get an HTML page, even when the database needed to draw it is down."""
import sqlite3

import pytest
from sqlalchemy.exc import DataError, OperationalError

from tests.factories import assert_refused
from tests.web.helpers import login
from wastechain.services import manifests


class PgError(Exception):
    """What psycopg raises: an error carrying its SQLSTATE."""

    def __init__(self, message: str, sqlstate: str | None):
        super().__init__(message)
        self.sqlstate = sqlstate


def _list_manifests(api):
    """GET /manifests without the factory's no-5xx check (a 503 is the answer under test)."""
    return api.client.get("/api/v1/manifests", headers={"Authorization": f"Bearer {api.token('producer')}"})


def _failing(monkeypatch, name: str, error: Exception):
    def fail(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(manifests, name, fail)


@pytest.mark.parametrize("orig", [sqlite3.OperationalError("database is locked"),
                                  PgError("terminating connection due to administrator command", "57P01"),
                                  PgError("canceling statement due to lock timeout", "55P03"),
                                  PgError("connection failed: Connection refused", None)])
def test_an_unavailable_or_locked_database_is_busy(api, monkeypatch, orig):
    _failing(monkeypatch, "list_manifests", OperationalError("SELECT", {}, orig))
    assert_refused(_list_manifests(api), 503, "BUSY")


@pytest.mark.parametrize("orig", [sqlite3.OperationalError("no such table: manifest"),
                                  PgError('column "nope" does not exist', "42703")])
def test_a_fault_in_our_sql_is_not_disguised_as_busy(api, monkeypatch, orig):
    _failing(monkeypatch, "list_manifests", OperationalError("SELECT", {}, orig))
    with pytest.raises(OperationalError):  # TESTING propagates what would be a logged 500 in production
        _list_manifests(api)


@pytest.mark.parametrize("sqlstate,message", [("22003", "数值超出允许范围"), ("22001", "文本过长"),
                                              ("22021", "包含无效字符"), ("22P02", "数据格式不被接受")])
def test_a_value_the_column_refuses_is_a_validation_error_saying_what(api, monkeypatch, sqlstate, message):
    _failing(monkeypatch, "list_manifests", DataError("SELECT", {}, PgError("data exception", sqlstate)))
    assert assert_refused(api.get("/manifests", as_="producer"), 422, "VALIDATION_ERROR")["message"] == message


def test_a_page_gets_an_html_page_when_the_database_is_busy(client, world, monkeypatch):
    login(client, "producer")
    _failing(monkeypatch, "issued_by_own_organization",
             OperationalError("SELECT", {}, sqlite3.OperationalError("database is locked")))
    response = client.get("/producer", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "系统繁忙" in response.get_data(as_text=True)


def test_a_page_gets_a_bare_html_page_when_even_the_logged_in_user_cannot_be_loaded(client, world, monkeypatch):
    from wastechain.services.accounts import logins

    login(client, "producer")
    down = OperationalError("SELECT", {}, PgError("server closed the connection unexpectedly", None))
    _failing(monkeypatch, "issued_by_own_organization", down)

    def no_user(*_args, **_kwargs):
        raise down

    monkeypatch.setattr(logins, "user_of_login", no_user)
    response = client.get("/producer", headers={"Accept": "text/html"})
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "系统繁忙" in response.get_data(as_text=True)
