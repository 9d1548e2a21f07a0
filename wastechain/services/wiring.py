"""The composition of services: what follows a step, in order, and the sessions that carry it.

Registered once at start-up (create_app, or a tool), never by imports in both directions: the manifests package
knows nothing of lineage, containers, the outbox or the reconciliation; it runs the handlers its session's runtime
lists.
"""
from sqlalchemy.orm import Session, sessionmaker

from wastechain.services.lineage import record_step_effects
from wastechain.services.outbox import enqueue_checks
from wastechain.services.runtime import Runtime
from wastechain.services.storage.containers import move_received
from wastechain.settings import Settings


def build_runtime(settings: Settings) -> Runtime:
    """The ordered in-step handlers: lineage, containers, then the run-time checks' outbox row (the run-checks
    worker runs the checks after the commit, off the request path)."""
    in_step = (record_step_effects, move_received) + ((enqueue_checks,) if settings.runtime_checks else ())
    return Runtime(settings=settings, in_step=in_step)


def session_factory(bind, settings: Settings) -> sessionmaker[Session]:
    """Sessions whose services see this runtime (expire_on_commit off: results stay readable after commit)."""
    return sessionmaker(bind=bind, expire_on_commit=False, info={"wastechain.runtime": build_runtime(settings)})
