"""Running Alembic migrations against an engine (the CLI and the tests use the same path)."""
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import Connection, Engine

from wastechain import ROOT


class SchemaError(Exception):
    """A migration left the database inconsistent (rows with broken foreign keys)."""


def _config(connection) -> AlembicConfig:
    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["connection"] = connection
    return config


@contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction for migrations.

    SQLite changes a table's constraints by copying the table and dropping the old one (Alembic's batch mode), and
    with foreign keys enforced that drop fails as soon as another table's rows refer to it. So on SQLite foreign keys
    are switched off for the migration (a pragma that only works outside a transaction) and checked as a whole before
    the commit instead.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise SchemaError(f"the migration leaves rows with broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Brings the schema to the newest revision (every head, so parallel branches all apply)."""
    with migrating(engine) as connection:
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Steps the schema back to a revision."""
    with migrating(engine) as connection:
        command.downgrade(_config(connection), revision)


def revision(engine: Engine, message: str, head: str = "head") -> None:
    """Writes a new migration from the difference between the models and the database (upgraded to every head)."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True, head=head)


def current(engine: Engine) -> None:
    """Prints the database's revision."""
    with engine.begin() as connection:
        command.current(_config(connection), verbose=False)
