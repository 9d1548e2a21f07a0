"""Running Alembic migrations against an engine (the CLI and the tests use the same path)."""
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def _config(connection) -> AlembicConfig:
    config = AlembicConfig(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Brings the schema to the newest revision (every head, so parallel branches all apply)."""
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.downgrade(_config(connection), revision)


def revision(engine: Engine, message: str, head: str = "head") -> None:
    """Writes a new migration from the difference between the models and the database (upgraded to every head)."""
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=True, head=head)


def current(engine: Engine) -> None:
    with engine.begin() as connection:
        command.current(_config(connection), verbose=False)
