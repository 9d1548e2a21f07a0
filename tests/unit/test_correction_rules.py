"""Who must approve a correction, and when it applies: one refusal refuses, every required approval applies."""
from wastechain.domain import corrections as rules
from wastechain.domain.corrections import CorrectableField, CorrectionParty as P, CorrectionStatus as S


def test_the_weight_at_pickup_needs_the_two_other_parties():
    assert rules.required_approvals("pickup_kg", P.CARRIER) == {P.ISSUER, P.RECEIVER}
    assert rules.required_approvals("pickup_kg", P.RECEIVER) == {P.ISSUER, P.CARRIER}
    assert rules.required_approvals("vehicle_id", P.CARRIER) == {P.ISSUER}


def test_a_field_touching_the_jurisdiction_rule_needs_the_regulator_too(monkeypatch):
    monkeypatch.setitem(rules.FIELDS, "receiver", CorrectableField("接收单位", frozenset({P.ISSUER, P.RECEIVER}),
                                                                   jurisdiction=True))
    assert rules.required_approvals("receiver", P.ISSUER) == {P.RECEIVER, P.REGULATOR}


def test_the_outcome_waits_for_every_approval_and_stops_at_the_first_refusal():
    required = frozenset({P.ISSUER, P.RECEIVER})
    assert rules.outcome(required, {P.CARRIER: True}) == S.PENDING
    assert rules.outcome(required, {P.CARRIER: True, P.ISSUER: True}) == S.PENDING
    assert rules.outcome(required, {P.CARRIER: True, P.ISSUER: True, P.RECEIVER: True}) == S.APPLIED
    assert rules.outcome(required, {P.CARRIER: True, P.ISSUER: False}) == S.REFUSED
    assert rules.outcome(frozenset(), {P.CARRIER: True}) == S.APPLIED
