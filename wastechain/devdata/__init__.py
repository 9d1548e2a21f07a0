"""Dev data: the demo world (demo.py) and the synthetic city (synthetic.py, faults.py) for trying and measuring.

Not part of the product: the product packages never import this one (an import-linter contract), only the CLI
commands that build dev data do. The builders write through the real services — state machine, hashing, rules —
so they cannot drift from the product's rules; the only exceptions are the tampering functions in faults.py.
"""
from sqlalchemy import event
from sqlalchemy.orm import Session

from wastechain.db import make_session_factory


def session_for(bind) -> Session:
    """The one place the dev-data builders get a session from (for `bind`, an Engine); the services commit it.

    On PostgreSQL each of its transactions runs with JIT off. The run-time OVERWEIGHT_LOAD check that record_step
    makes after every pickup disables nested loops, which inflates the plan's estimated cost past jit_above_cost:
    PostgreSQL then spends about a second compiling each such query (measured on PostgreSQL 15). A city's hundreds
    of pickups would wait minutes for that, so the builders opt out here, for their own transactions only.
    """
    session = make_session_factory(bind)()
    if session.get_bind().dialect.name == "postgresql":
        @event.listens_for(session, "after_begin")
        def _no_jit(_session, _transaction, connection):
            connection.exec_driver_sql("SET LOCAL jit = off")
    return session
