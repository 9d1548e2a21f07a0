"""SQL helpers the checks share: the tables, seconds since 1970, grams, distances, per-dialect bits."""
import math
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Float, func, select, text, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from wastechain.domain import anomalies as catalog
from wastechain.domain import rules
from wastechain.domain.streams import HAZARDOUS_STREAMS as _HAZARDOUS
from wastechain.models import Anomaly, Batch, Manifest, ManifestEvent, ManifestLeg, ManifestLine, Permit, WasteCode



E = ManifestEvent.__table__
M = Manifest.__table__
L = ManifestLine.__table__
ML = ManifestLeg.__table__
B = Batch.__table__
W = WasteCode.__table__
CHUNK = 1000
HAZARDOUS_STREAMS = tuple(s.value for s in _HAZARDOUS)

# ---------------------------------------------------------------- SQL helpers

class epoch(FunctionElement):
    """Seconds since 1970 of a stored time, on both databases (SQLite keeps naive UTC text)."""

    type = Float()
    inherit_cache = True


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return "((julianday(%s) - 2440587.5) * 86400.0)" % compiler.process(element.clauses, **kw)


@compiles(epoch, "postgresql")
def _epoch_pg(element, compiler, **kw):
    return "extract(epoch from %s)" % compiler.process(element.clauses, **kw)


def g(column) -> ColumnElement:
    """A Mass column as raw integer grams (arithmetic must not go through the kg type)."""
    return type_coerce(column, BigInteger)


def haversine_m(lat1, lon1, lat2, lon2) -> ColumnElement:
    """Great-circle distance in SQL, the same formula as domain.anomalies.distance_m."""
    r = math.pi / 180
    dlat = (lat2 - lat1) * r / 2
    dlon = (lon2 - lon1) * r / 2
    a = func.sin(dlat) * func.sin(dlat) + func.cos(lat1 * r) * func.cos(lat2 * r) * func.sin(dlon) * func.sin(dlon)
    return 2 * catalog.EARTH_RADIUS_M * func.asin(func.sqrt(a))


def ensure_sqlite_math(session) -> None:
    """SQLite builds may lack the math functions PostgreSQL has; register them on this connection."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if getattr(raw, "_wastechain_math", False):
        return
    for name, fn in (("sin", math.sin), ("cos", math.cos), ("asin", math.asin), ("sqrt", math.sqrt)):
        raw.create_function(name, 1, fn, deterministic=True)
    try:
        raw._wastechain_math = True
    except AttributeError:  # sqlite3.Connection has no __dict__ on some builds; registering twice is harmless
        pass


def read_cursors_whole(session) -> None:
    """Plans the night's queries for what the night does with them (PostgreSQL; SET LOCAL: until the transaction ends).

    - cursor_tuple_fraction = 1: the night streams its queries in chunks (yield_per: a server-side cursor, so memory
      stays flat), and PostgreSQL plans a cursor for its first 10 % of rows by default. For "the day's events
      ORDER BY id" that means walking the primary key from the first event ever and filtering on the day: a scan of
      the whole history (13.7 s instead of 0.23 s at 1,000,000 events). Every cursor of the night is read whole.
    - jit = off: a plan's estimated cost grows with the tables' sizes even when it reads only the day's rows, so
      with history the night's joins pass jit_above_cost (and jit_optimize_above_cost) and PostgreSQL compiles
      each of them before running it once: measured 4.5 s of JIT in the 5.8 s of the mass balance at 214,000
      manifests, for a query that runs in 0.7 s without it. Nothing of the night runs long enough to win it back.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
        session.execute(text("SET LOCAL jit = off"))


def insert_anomaly(dialect: str):
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Anomaly.__table__)


def jsonable(value):
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.astimezone(catalog.CHINA).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def aware(value: datetime | str | None) -> datetime | None:
    """A time read through a raw (untyped) column: SQLite gives naive UTC text."""
    from datetime import timezone

    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def same_permit_spans(facts, first_on: date, last_on: date) -> bool:
    """Whether one permit is valid over the whole span (so checking its two ends settles every day between)."""
    return first_on == last_on or any(f.valid_from <= first_on and last_on <= f.valid_to for f in facts)


def permits_of(session, org_ids: set[int]) -> dict[int, list[rules.PermitFacts]]:
    out: dict[int, list[rules.PermitFacts]] = {}
    if not org_ids:
        return out
    for permit in session.scalars(select(Permit).where(Permit.organization_id.in_(org_ids))):
        out.setdefault(permit.organization_id, []).append(rules.PermitFacts(
            number=permit.number, kind=permit.kind, valid_from=permit.valid_from, valid_to=permit.valid_to,
            waste_codes=frozenset(permit.waste_codes), methods=frozenset(permit.methods),
            annual_capacity_kg=permit.annual_capacity_kg))
    return out
