"""The manifest state machine (SPEC.md "The chain and its state machine"), as data."""
from dataclasses import dataclass
from enum import StrEnum

from wastechain.domain.errors import InvalidTransition
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import ISSUER_ROLES, RECEIVING_ROLES, Role


class ManifestStatus(StrEnum):
    ISSUED = "issued"
    CANCELLED = "cancelled"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    RECEIVED = "received"
    REJECTED = "rejected"
    CLOSED = "closed"


class Step(StrEnum):
    ISSUE = "issue"
    CANCEL = "cancel"
    PICKUP = "pickup"
    DELIVER = "deliver"
    RECEIVE = "receive"
    DISPOSE = "dispose"
    CORRECT = "correct"  # an approved correction (修订): changes recorded values, never the status
    TRANSFER = "transfer"  # 联运: the next leg's driver takes the load over from the current leg's
    CLOSE = "close"  # recorded by the system: the refused part of a manifest has arrived on its onward manifest


class Party(StrEnum):
    """Who in the chain may take a step; users map to parties by role and organization."""

    ISSUER = "issuer"
    REGULATOR = "regulator"
    DRIVER = "driver"  # the driver of the leg that holds the load (the only leg, on a single-carrier manifest)
    NEXT_DRIVER = "next_driver"  # 联运: the driver of the leg that takes the load over next
    RECEIVER = "receiver"


@dataclass(frozen=True)
class Transition:
    step: Step
    source: ManifestStatus | None
    targets: tuple[ManifestStatus, ...]  # more than one: the outcome of the step decides
    parties: frozenset[Party]


S = ManifestStatus
TRANSITIONS: tuple[Transition, ...] = (
    Transition(Step.ISSUE, None, (S.ISSUED,), frozenset({Party.ISSUER})),
    Transition(Step.CANCEL, S.ISSUED, (S.CANCELLED,), frozenset({Party.ISSUER, Party.REGULATOR})),
    Transition(Step.PICKUP, S.ISSUED, (S.IN_TRANSIT,), frozenset({Party.DRIVER})),
    Transition(Step.TRANSFER, S.IN_TRANSIT, (S.IN_TRANSIT,), frozenset({Party.NEXT_DRIVER})),
    Transition(Step.DELIVER, S.IN_TRANSIT, (S.DELIVERED,), frozenset({Party.DRIVER})),
    # Received into a collector's stock, the manifest closes at receipt: that storage record is the end of its
    # leg and the lineage continues on the collector's consolidated outbound manifests.
    Transition(Step.RECEIVE, S.DELIVERED, (S.RECEIVED, S.REJECTED, S.CLOSED), frozenset({Party.RECEIVER})),
    # Disposal may come in several records; the manifest closes when all accepted quantity is treated.
    Transition(Step.DISPOSE, S.RECEIVED, (S.RECEIVED, S.CLOSED), frozenset({Party.RECEIVER})),
    # A manifest with a refused part closes only once that part has arrived on its return or redirect manifest:
    # the onward receipt records this on the original (no party takes it by hand).
    Transition(Step.CLOSE, S.RECEIVED, (S.CLOSED,), frozenset()),
    Transition(Step.CLOSE, S.REJECTED, (S.CLOSED,), frozenset()),
)
SYSTEM_STEPS = (Step.ISSUE, Step.CLOSE, Step.CORRECT)  # recorded by the services, never asked for as a step
_BY_KEY = {(t.source, t.step): t for t in TRANSITIONS}

STATUS_NAMES = {
    S.ISSUED: N_("已开具"),
    S.CANCELLED: N_("已作废"),
    S.IN_TRANSIT: N_("运输中"),
    S.DELIVERED: N_("已送达"),
    S.RECEIVED: N_("已接收"),
    S.REJECTED: N_("已拒收"),
    S.CLOSED: N_("已闭环"),
}
STEP_NAMES = {
    Step.ISSUE: N_("开具联单"),
    Step.CANCEL: N_("作废"),
    Step.PICKUP: N_("提货"),
    Step.DELIVER: N_("送达"),
    Step.RECEIVE: N_("接收"),
    Step.DISPOSE: N_("利用/处置"),
    Step.CORRECT: N_("修订"),
    Step.TRANSFER: N_("联运交接"),
    Step.CLOSE: N_("拒收部分已运达，闭环"),
}


def transition_for(status: str | None, step: str) -> Transition:
    """The transition a step makes from a state, or InvalidTransition naming what the state allows."""
    transition = _BY_KEY.get((ManifestStatus(status) if status else None, Step(step)))
    if transition is None:
        allowed = [t.step.value for t in TRANSITIONS if t.source == status]
        raise InvalidTransition(
            N_("联单当前状态为「{status}」，不能执行「{step}」"),
            params={"status": STATUS_NAMES.get(status, status), "step": STEP_NAMES[Step(step)]}, details={"status": status, "step": step, "allowed_steps": allowed},
        )
    return transition


def steps_from(status: str) -> list[Step]:
    return [t.step for t in TRANSITIONS if t.source == status]


@dataclass(frozen=True)
class ManifestParties:
    """The facts of a manifest that decide who acts as which party on it."""

    issuer_id: int
    receiver_id: int
    transporter_id: int
    driver_id: int | None
    origin_region: str
    next_transporter_id: int | None = None  # 联运: the carrier of the next leg, while one follows
    next_driver_id: int | None = None


def parties_of(*, role: str, organization_id: int | None, user_id: int, in_origin_jurisdiction: bool,
               manifest: ManifestParties) -> frozenset[Party]:
    """The parties of the state machine a user acts as on a manifest, by role and organization.

    A driver acts only for his own transporter and only when no other driver is named; a regulator only in the
    jurisdiction where the manifest starts (it may cancel there).
    """
    parties = set()
    org = organization_id
    if role in ISSUER_ROLES and org == manifest.issuer_id:
        parties.add(Party.ISSUER)
    if role == Role.REGULATOR and in_origin_jurisdiction:
        parties.add(Party.REGULATOR)
    if role == Role.DRIVER and org == manifest.transporter_id and manifest.driver_id in (None, user_id):
        parties.add(Party.DRIVER)
    if (role == Role.DRIVER and manifest.next_transporter_id is not None and org == manifest.next_transporter_id
            and manifest.next_driver_id in (None, user_id)):
        parties.add(Party.NEXT_DRIVER)
    if org == manifest.receiver_id and (role in RECEIVING_ROLES or (role in ISSUER_ROLES and
                                                                     org == manifest.issuer_id)):
        parties.add(Party.RECEIVER)  # an issuer receives its own waste back on a return trip
    return frozenset(parties)


def allowed_steps(status: str, parties: frozenset[Party]) -> list[Step]:
    """The steps these parties may take from this state, in the order of the state machine."""
    return [t.step for t in TRANSITIONS if t.source == status and parties & t.parties]
