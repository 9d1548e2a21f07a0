import marshmallow as ma

from wastechain.api.common import Id, Kg, Text, Time
from wastechain.domain.corrections import FIELDS, FILING_PARTIES


class CorrectionIn(ma.Schema):
    field = ma.fields.String(required=True, validate=ma.validate.OneOf(sorted(FIELDS)), metadata={
        "description": "pickup_kg (the weight at pickup) or vehicle_id (the carrier's vehicle)"})
    pickup_kg = Kg(load_default=None, metadata={"description": "the corrected weight, when field is pickup_kg"})
    vehicle_id = Id(load_default=None, metadata={"description": "the corrected vehicle, when field is vehicle_id"})
    reason = Text(required=True, max_length=500, multiline=True)
    ask_id = Id(load_default=None, metadata={"description": "the regulator's ask this correction answers"})


class DecisionIn(ma.Schema):
    reason = Text(load_default="", min_length=0, max_length=500, multiline=True,
                  metadata={"description": "required when refusing"})


class AskIn(ma.Schema):
    party = ma.fields.String(required=True, validate=ma.validate.OneOf(sorted(FILING_PARTIES)))
    reason = Text(required=True, max_length=500, multiline=True)


class DecisionOut(ma.Schema):
    party = ma.fields.String()
    approved = ma.fields.Boolean()
    reason = ma.fields.String()
    user_id = ma.fields.Integer()
    decided_at = Time()


class ValueOut(ma.Schema):
    stored = ma.fields.Raw(allow_none=True)
    shown = ma.fields.String()


class CorrectionOut(ma.Schema):
    id = ma.fields.Integer()
    manifest_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "asked, answered, pending, applied or refused"})
    field = ma.fields.String(allow_none=True, metadata={"description": "null for a regulator's ask"})
    before = ma.fields.Nested(ValueOut, allow_none=True)
    after = ma.fields.Nested(ValueOut, allow_none=True)
    reason = ma.fields.String()
    party = ma.fields.String(metadata={"description": "who filed it; for an ask, the party asked"})
    required = ma.fields.List(ma.fields.String(), metadata={"description": "the parties whose approval it needs"})
    requested_by_id = ma.fields.Integer()
    requested_at = Time()
    closed_at = Time(allow_none=True)
    event_id = ma.fields.Integer(allow_none=True, metadata={"description": "the 'correct' event that applied it"})
    ask_id = ma.fields.Integer(allow_none=True)
    decisions = ma.fields.List(ma.fields.Nested(DecisionOut))


class CorrectionsOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CorrectionOut))
