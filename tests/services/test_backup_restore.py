"""A backup restores to a database whose every chain and day seal still verifies, and an edit in it is found.

SQLite is copied with its online backup API; PostgreSQL with pg_dump and pg_restore, as the operations guide says.
"""
import sqlite3
import subprocess
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

from tests.conftest import TEST_CONFIG
from tests.factories import as_database_administrator
from wastechain import create_app
from wastechain.db import make_engine
from wastechain.devdata.demo import seed_demo
from wastechain.models import ManifestEvent
from wastechain.services.reconciliation.history import verify_history
from wastechain.services.wiring import session_factory


@pytest.fixture
def demo(app):
    settings = app.extensions["wastechain.settings"]
    assert seed_demo(app.extensions["wastechain.engine"], password="demo12345", settings=settings,
                     now=settings.now() - timedelta(minutes=1))
    app.extensions["wastechain.engine"].dispose()
    return settings


def _restore_sqlite(url: str, tmp_path) -> str:
    source = sqlite3.connect(make_url(url).database)
    target_path = tmp_path / "restored.db"
    target = sqlite3.connect(target_path)
    source.backup(target)
    source.close()
    target.close()
    return f"sqlite:///{target_path}"


def _restore_postgresql(url: str, tmp_path):
    parsed = make_url(url)
    dump = tmp_path / "wastechain.dump"
    connection = ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username]
    subprocess.run(["pg_dump", *connection, "-Fc", "-f", str(dump), parsed.database], check=True)
    restored = f"wastechain_restored_{uuid.uuid4().hex[:8]}"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{restored}"'))
    subprocess.run(["pg_restore", *connection, "--no-owner", "-d", restored, str(dump)], check=True)
    return parsed.set(database=restored).render_as_string(hide_password=False), admin, restored


@pytest.fixture
def restored(database_url, demo, tmp_path):
    """The demo world's database after a backup and a restore into a new database."""
    if database_url.startswith("sqlite"):
        yield _restore_sqlite(database_url, tmp_path)
        return
    url, admin, name = _restore_postgresql(database_url, tmp_path)
    yield url
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_restored_backup_verifies_every_chain_and_every_seal(restored, demo):
    engine = make_engine(restored)
    with session_factory(engine, demo)() as session:
        check = verify_history(session, secret=demo.secret_key)
    engine.dispose()
    assert check.ok, check.problems
    assert check.manifests_verified >= 9 and check.seals_verified >= 6


def test_an_event_edited_in_the_restored_copy_is_found(restored, demo):
    engine = make_engine(restored)
    with session_factory(engine, demo)() as session:
        with as_database_administrator(session):
            session.execute(update(ManifestEvent).where(ManifestEvent.id == 2).values(quantity_kg=1))
        session.commit()
        check = verify_history(session, secret=demo.secret_key)
    engine.dispose()
    assert not check.ok
    kinds = {p["kind"] for p in check.problems}
    assert "manifest_chain" in kinds  # the edited event's manifest; its day seal too if it was sealed
    assert all(p["fingerprint"].startswith("CHAIN_BROKEN:") for p in check.problems)


def test_the_restored_app_starts_and_answers(restored):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": restored})
    token = app.test_client().post("/api/v1/auth/token", json={"username": "kecheng_eb", "password": "demo12345"})
    assert token.status_code == 200
    listed = app.test_client().get("/api/v1/manifests", headers={"Authorization": f"Bearer {token.json['token']}"})
    assert listed.status_code == 200 and listed.json["total"] > 0
    app.extensions["wastechain.engine"].dispose()
