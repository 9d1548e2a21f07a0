"""Corrections (修订) of a signed manifest: which fields may be corrected, whom a correction affects, and when it
applies. Pure Python.

A correction is asked for by one party, approved or refused by each other party it affects (and by the regulator
when it touches the jurisdiction rule), and applies only when every required approval is in; one refusal ends it.

Correctable fields are those a correction can change while every figure derived from them stays consistent:
the weight at pickup (only the weighing record: the batches' stock and the lineage follow the manifest's lines and
the receiver's accepted quantity, not this weight) and the vehicle. The waste code, the receiver and the receiver's
own figures move stock, lineage and capacity counters and are not correctable yet.
"""
from dataclasses import dataclass
from enum import StrEnum

from wastechain.domain.text import N_


class CorrectionStatus(StrEnum):
    ASKED = "asked"  # a regulator asked a party to file a correction
    ANSWERED = "answered"  # the asked party filed one
    PENDING = "pending"  # filed, waiting for approvals
    APPLIED = "applied"
    REFUSED = "refused"


class CorrectionParty(StrEnum):
    ISSUER = "issuer"  # the producer (or collector) that issued the manifest
    CARRIER = "carrier"  # its transporter
    RECEIVER = "receiver"
    REGULATOR = "regulator"  # of the jurisdiction where the manifest starts


@dataclass(frozen=True)
class CorrectableField:
    name: str  # N_-marked, for pages
    affects: frozenset[CorrectionParty]
    jurisdiction: bool = False  # touches the jurisdiction rule: the regulator approves too


P = CorrectionParty
FIELDS: dict[str, CorrectableField] = {
    "pickup_kg": CorrectableField(N_("提货重量"), frozenset({P.ISSUER, P.CARRIER, P.RECEIVER})),
    "vehicle_id": CorrectableField(N_("运输车辆"), frozenset({P.ISSUER, P.CARRIER})),
}
STATUS_NAMES = {
    CorrectionStatus.ASKED: N_("监管部门要求修订"), CorrectionStatus.ANSWERED: N_("已提出修订"),
    CorrectionStatus.PENDING: N_("待各方确认"), CorrectionStatus.APPLIED: N_("已生效"),
    CorrectionStatus.REFUSED: N_("已被拒绝"),
}
PARTY_NAMES = {P.ISSUER: N_("产生单位"), P.CARRIER: N_("运输单位"), P.RECEIVER: N_("接收单位"),
               P.REGULATOR: N_("生态环境部门")}
# After pickup only: before it, the issuer cancels and issues again.
CORRECTABLE_STATUSES = frozenset({"in_transit", "delivered", "received", "rejected", "closed"})
FILING_PARTIES = frozenset({P.ISSUER, P.CARRIER, P.RECEIVER})


def required_approvals(field: str, requester: CorrectionParty) -> frozenset[CorrectionParty]:
    """Every party the field affects except the one asking, and the regulator when the jurisdiction rule is touched."""
    spec = FIELDS[field]
    required = set(spec.affects) - {requester}
    if spec.jurisdiction:
        required.add(P.REGULATOR)
    return frozenset(required)


def outcome(required: frozenset[CorrectionParty], decisions: dict[CorrectionParty, bool]) -> CorrectionStatus:
    """One refusal refuses; every required approval applies; otherwise it waits."""
    if any(approved is False for approved in decisions.values()):
        return CorrectionStatus.REFUSED
    if all(decisions.get(party) for party in required):
        return CorrectionStatus.APPLIED
    return CorrectionStatus.PENDING

