"""Declarative base, column types shared by all models, and engines (no Flask: tools and services use it)."""
from datetime import datetime, timezone
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, Enum, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from wastechain.domain.quantities import GRAMS_PER_KG, kg_from_grams

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on every database (SQLite keeps no offset, so we store naive UTC there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; pass an aware datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Mass(TypeDecorator):
    """A mass in kilograms as an exact Decimal in Python, stored as integer grams.

    Integer grams keep sums exact in SQL on SQLite too (its NUMERIC is a binary float).
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        grams = Decimal(value) * GRAMS_PER_KG
        if grams != grams.to_integral_value():
            raise ValueError(f"{value} kg has more than 3 decimals")
        return int(grams)

    def process_result_value(self, value, dialect):
        return None if value is None else kg_from_grams(int(value))


def _stored_values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


def stored_enum(enum: type[StrEnum], *, length: int, name: str) -> Enum:
    """A StrEnum stored as its lowercase value in a VARCHAR(length); Python gets the members back.

    `name` names the CHECK constraint that keeps the column to the enum's values: ck_<table>_<name> by the
    naming convention, so pass the column's name. The migrations create the same constraints. Strings outside the
    enum are not refused in Python (validate_strings=False) but by that constraint, on every database alike.
    """
    return Enum(enum, native_enum=False, values_callable=_stored_values, length=length, create_constraint=True,
                name=name, validate_strings=False)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _serialize_sqlite_writers(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _serialize_sqlite_writers(engine: Engine) -> None:
    """Begin every SQLite transaction IMMEDIATE, so read-then-write steps cannot interleave.

    PostgreSQL gets the same guarantee from row locks (SELECT ... FOR UPDATE) in the services.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
