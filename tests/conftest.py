"""A fresh, migrated database per test: a copied SQLite file, or a truncated PostgreSQL database.

TEST_DATABASE_URL chooses the server (default: SQLite). With a PostgreSQL URL the suite creates its own
database on that server, so parallel runs never share one; a server that cannot be reached fails the run.
"""
import os
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wastechain import create_app, schema
from wastechain.catalog import SHIPPED, seed_catalog
from wastechain.db import Base, make_engine, make_session_factory

CATALOG_TABLES = ("catalog_succession", "catalog_exemption", "catalog_entry", "catalog_edition", "waste_code")
KEPT_TABLES = {"region", "alembic_version", *CATALOG_TABLES}
TEST_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
               "PUBLIC_BASE_URL": "http://testserver", "WTF_CSRF_ENABLED": False}


def _server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def _migrate_and_seed(url: str) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    with make_session_factory(engine)() as session:
        seed_catalog(session)
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """SQLite: a migrated file to copy per test. PostgreSQL: a migrated database of this run, dropped at the end."""
    server = _server_url()
    if server is None:
        path = tmp_path_factory.mktemp("template") / "template.db"
        _migrate_and_seed(f"sqlite:///{path}")
        yield ("sqlite", str(path))
        return
    name = f"wastechain_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    _migrate_and_seed(url)
    yield ("postgresql", url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(database_template, tmp_path):
    kind, source = database_template
    if kind == "sqlite":
        target = tmp_path / "test.db"
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        return
    yield source
    engine = create_engine(source)
    tables = [t.name for t in Base.metadata.sorted_tables if t.name not in KEPT_TABLES]
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        reload = _catalog_changed(connection)
        if reload:  # a test imported an edition: the next test starts from the shipped catalog again
            connection.execute(text(f"TRUNCATE {', '.join(CATALOG_TABLES)} RESTART IDENTITY CASCADE"))
    if reload:
        with make_session_factory(engine)() as session:
            seed_catalog(session)
    engine.dispose()


def _catalog_changed(connection) -> bool:
    rows = connection.execute(text("SELECT kind, name, loaded, effective_to FROM catalog_edition"))
    editions = {tuple(row) for row in rows}
    extra = connection.execute(text("SELECT (SELECT count(*) FROM catalog_succession) "
                                    "+ (SELECT count(*) FROM catalog_exemption)")).scalar()
    return editions != {(e.kind, e.name, e.loaded, e.effective_to) for e in SHIPPED} or bool(extra)


@pytest.fixture
def app(database_url):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    yield app
    app.extensions["wastechain.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    """A session of its own for building and checking data (the app's requests use their own sessions)."""
    with app.extensions["wastechain.sessions"]() as session:
        yield session


@pytest.fixture
def world(session):
    from tests.factories import build_world

    return build_world(session)


@pytest.fixture
def batch(session, world):
    """1000 kg of 900-041-49 in the producer's storage."""
    from tests.factories import make_batch

    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    return batch


@pytest.fixture
def api(client, world):
    from tests.factories import Api

    return Api(client)


@pytest.fixture
def clock():
    """The app's clock, moved by the test instead of sleeping (tests/clock.py)."""
    from tests.clock import MovableClock

    return MovableClock()


@pytest.fixture
def clocked(database_url, clock):
    """An app whose every request reads `clock`, with the usual world: (app, session, world)."""
    from tests.factories import build_world

    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "CLOCK": clock})
    with app.extensions["wastechain.sessions"]() as session:
        world = build_world(session)
        session.commit()
        yield app, session, world
    app.extensions["wastechain.engine"].dispose()
