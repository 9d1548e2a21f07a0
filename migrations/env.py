"""Alembic environment: the schema's only source.

The app and the tests hand their connection in through wastechain.schema (config.attributes["connection"]);
`alembic` run from the repository root connects to DATABASE_URL, by default the app's own SQLite file
instance/wastechain.db (wastechain.config reads the environment, as for the app).
"""
from alembic import context

from wastechain import ROOT, schema
from wastechain.config import Config
from wastechain.db import Base, make_engine
import wastechain.models  # noqa: F401  (registers every table)

target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    instance = ROOT / "instance"
    instance.mkdir(exist_ok=True)  # as create_app does, for the default SQLite file
    engine = make_engine(Config(str(instance)).DATABASE_URL)
    try:
        with schema.migrating(engine) as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `alembic upgrade head` against a database")
run_migrations_online()
