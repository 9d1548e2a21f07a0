"""Dev data: the demo world (demo.py) and the synthetic city (synthetic.py, faults.py) for trying and measuring.

Not part of the product: the product packages never import this one (an import-linter contract), only the CLI
commands that build dev data do. The builders write through the real services — state machine, hashing, rules —
so they cannot drift from the product's rules; the only exceptions are the tampering functions in faults.py.
"""
import secrets

from sqlalchemy import event
from sqlalchemy.orm import Session

from wastechain.services.wiring import session_factory
from wastechain.settings import Settings


def session_for(bind, settings: Settings | None = None) -> Session:
    """The one place the dev-data builders get a session from (for `bind`, an Engine); the services commit it.

    Its runtime is the app's (the demo, from the CLI) or, for a tool, settings with a key of its own, so the
    steps it records run the same handlers as the service's: lineage, containers, run-time findings.

    On PostgreSQL each of its transactions runs with JIT off. The run-time OVERWEIGHT_LOAD check that record_step
    makes after every pickup disables nested loops, which inflates the plan's estimated cost past jit_above_cost:
    PostgreSQL then spends about a second compiling each such query (measured on PostgreSQL 15). A city's hundreds
    of pickups would wait minutes for that, so the builders opt out here, for their own transactions only.
    """
    session = session_factory(bind, settings or Settings(secret_key=secrets.token_hex(16)))()
    if session.get_bind().dialect.name == "postgresql":
        @event.listens_for(session, "after_begin")
        def _no_jit(_session, _transaction, connection):
            connection.exec_driver_sql("SET LOCAL jit = off")
    return session
