"""What a unit of work needs from the app: its settings and the ordered handlers of a step.

create_app builds one Runtime (services.wiring.build_runtime) and its session factory puts it into every
session's `info`, so a service that takes the session has it; nothing is global. Tools and benchmarks get
sessions the same way from wiring.session_factory.
"""
from dataclasses import dataclass
from typing import Callable

from wastechain.settings import Settings

# (session, manifest, event) -> None; in-step handlers run in the step's transaction, in order. Nothing runs after
# the commit in the request: run-time findings are an outbox row written here and checked by a worker.
StepHandler = Callable[..., None]


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    in_step: tuple[StepHandler, ...] = ()


class NoRuntime(RuntimeError):
    pass


def runtime_of(session) -> Runtime:
    runtime = session.info.get("wastechain.runtime")
    if runtime is None:
        raise NoRuntime("this session carries no wastechain runtime: build sessions with the app's session "
                        "factory or services.wiring.session_factory(bind, settings)")
    return runtime
