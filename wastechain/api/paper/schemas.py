import marshmallow as ma
from flask_smorest.fields import Upload

from wastechain.api.common import Kg, PageArgs, Text, Time
from wastechain.api.manifests.schemas import EventOut
from wastechain.domain.paper import PAPER_STEPS


METHOD = r"^[RDCrdc]\d{1,2}$"


class PaperStepIn(ma.Schema):
    """A step of a paper manifest, as written on the form (multipart form fields)."""

    type = ma.fields.String(required=True, validate=ma.validate.OneOf(PAPER_STEPS))
    occurred_at = Time(required=True, metadata={"description": "the time written on the paper form (at most 10 "
                                                               "working days ago)"})
    idempotency_key = Text(required=True, min_length=8, max_length=100)
    quantity_kg = Kg(load_default=None, allow_none=True)
    accepted_kg = Kg(load_default=None, allow_none=True, allow_zero=True)
    rejected_kg = Kg(load_default=None, allow_none=True, allow_zero=True)
    reason = Text(load_default=None, allow_none=True, min_length=0, max_length=500, multiline=True)
    method = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Regexp(METHOD))


class ScanIn(ma.Schema):
    scan = Upload(required=True, metadata={"description": "photo or scan of the signed paper form: JPEG, PNG or PDF"})


class PaperEntryIn(PaperStepIn, ScanIn):
    """The whole multipart request as the document shows it: the step's form fields and the scan (the two are
    parsed apart, as form and files). A form sends a field or leaves it out: none of them is null."""

    quantity_kg = Kg()
    accepted_kg = Kg(allow_zero=True)
    rejected_kg = Kg(allow_zero=True)
    reason = Text(min_length=0, max_length=500, multiline=True)
    method = ma.fields.String(validate=ma.validate.Regexp(METHOD))


class PaperEntryOut(ma.Schema):
    id = ma.fields.Integer()
    manifest_id = ma.fields.Integer()
    event_id = ma.fields.Integer()
    scan_sha256 = ma.fields.String()
    scan_type = ma.fields.String()
    scan_size = ma.fields.Integer()
    entered_by_id = ma.fields.Integer()
    entered_at = Time()
    confirmed_by_id = ma.fields.Integer(allow_none=True)
    confirmed_at = Time(allow_none=True, metadata={"description": "when a regulator confirmed it; null until then"})
    event = ma.fields.Nested(EventOut)


class PaperArgs(PageArgs):
    unconfirmed = ma.fields.Boolean(load_default=False)


