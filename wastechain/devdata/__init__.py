"""Dev data: the demo world (demo.py) and the synthetic city (synthetic.py, faults.py) for trying and measuring.

Not part of the product: the product packages never import this one (an import-linter contract), only the CLI
commands that build dev data do. The builders write through the real services — state machine, hashing, rules —
so they cannot drift from the product's rules; the only exceptions are the tampering functions in faults.py.
"""
import secrets

from sqlalchemy.orm import Session

from wastechain.services.wiring import session_factory
from wastechain.settings import Settings


def session_for(bind, settings: Settings | None = None) -> Session:
    """The one place the dev-data builders get a session from (for `bind`, an Engine); the services commit it.

    Its runtime is the app's (the demo, from the CLI: steps run the same handlers as the service's, run-time
    findings included) or, for the synthetic city, settings with a key of its own and no run-time findings: the
    city is reconciled at night like any other, and what a step's run-time check would record the nightly run
    finds by the same fingerprint, at half the cost of building the city.
    """
    return session_factory(bind, settings or Settings(secret_key=secrets.token_hex(16), runtime_checks=False))()
