from datetime import date, datetime, time, timedelta

import marshmallow as ma

from wastechain.api.common import Id, Kg, PageArgs, Text, Time, qr_url_for
from wastechain.domain.timeutil import CHINA
from wastechain.domain.states import SYSTEM_STEPS, ManifestStatus, Step


class LineIn(ma.Schema):
    batch_id = Id(required=True)
    quantity_kg = Kg(required=True)


class LegIn(ma.Schema):
    transporter_id = Id(required=True)
    vehicle_id = Id(load_default=None, allow_none=True)
    driver_id = Id(load_default=None, allow_none=True)
    handover_site_id = Id(load_default=None, allow_none=True,
                          metadata={"description": "the site where this carrier is planned to take the load over"})
    handover_point = Text(load_default=None, allow_none=True, min_length=0, max_length=200,
                          metadata={"description": "or the hand-over place in words"})


class ManifestIn(ma.Schema):
    lines = ma.fields.List(ma.fields.Nested(LineIn), required=True, validate=ma.validate.Length(min=1, max=50))
    receiver_site_id = Id(required=True)
    transporter_id = Id(required=True)
    vehicle_id = Id(load_default=None, allow_none=True)
    driver_id = Id(load_default=None, allow_none=True)
    planned_pickup_at = Time(required=True)
    approval_id = Id(load_default=None, allow_none=True)
    legs = ma.fields.List(ma.fields.Nested(LegIn), load_default=list, validate=ma.validate.Length(max=9), metadata={
        "description": "联运: the further carriers in order (legs 2, 3 …) after transporter_id (leg 1); each must "
                       "hold a valid transport permit (a transport_permit verdict with subject leg:N)"})


class LineOut(ma.Schema):
    id = ma.fields.Integer()
    batch_id = ma.fields.Integer()
    unit_code = ma.fields.String(attribute="batch.unit_code")
    waste_code = ma.fields.String()
    waste_name = ma.fields.String(attribute="waste.name")
    stream = ma.fields.String(attribute="waste.stream")
    quantity_kg = Kg()
    accepted_kg = Kg(allow_none=True, allow_zero=True, metadata={"description": "received line by line: accepted"})
    rejected_kg = Kg(allow_none=True, allow_zero=True, metadata={"description": "received line by line: refused"})
    refusal_reason = ma.fields.String(allow_none=True)
    method = ma.fields.String(allow_none=True, metadata={"description": "the treatment method chosen at receipt"})


class EventOut(ma.Schema):
    id = ma.fields.Integer()
    manifest_id = ma.fields.Integer()
    seq = ma.fields.Integer()
    type = ma.fields.String()
    status_after = ma.fields.String()
    actor_id = ma.fields.Integer()
    actor_role = ma.fields.String()
    idempotency_key = ma.fields.String()
    occurred_at = Time()
    recorded_at = Time()
    lat = ma.fields.Float(allow_none=True)
    lon = ma.fields.Float(allow_none=True)
    quantity_kg = Kg(allow_none=True)
    accepted_kg = Kg(allow_none=True)
    rejected_kg = Kg(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    method = ma.fields.String(allow_none=True)
    data = ma.fields.Dict()
    prev_hash = ma.fields.String()
    hash = ma.fields.String()


class StepEventOut(EventOut):
    status = ma.fields.String(attribute="manifest.status", metadata={"description": "the manifest's status now"})


class ManifestOut(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    issuer_id = ma.fields.Integer()
    issuer_name = ma.fields.String(attribute="issuer.name")
    origin_site_id = ma.fields.Integer()
    origin_region_code = ma.fields.String()
    receiver_id = ma.fields.Integer()
    receiver_name = ma.fields.String(attribute="receiver.name")
    receiver_site_id = ma.fields.Integer()
    destination_region_code = ma.fields.String()
    transporter_id = ma.fields.Integer()
    transporter_name = ma.fields.String(attribute="transporter.name")
    vehicle_id = ma.fields.Integer(allow_none=True)
    driver_id = ma.fields.Integer(allow_none=True)
    current_leg = ma.fields.Integer(allow_none=True, metadata={
        "description": "联运: the leg whose carrier holds the load; null for a single carrier"})
    approval_id = ma.fields.Integer(allow_none=True)
    planned_pickup_at = Time()
    issued_at = Time()
    status_changed_at = Time()
    total_kg = Kg()
    pickup_kg = Kg(allow_none=True)
    received_kg = Kg(allow_none=True)
    accepted_kg = Kg(allow_none=True)
    rejected_kg = Kg(allow_none=True)
    disposed_kg = Kg()
    lines = ma.fields.List(ma.fields.Nested(LineOut))
    qr_url = ma.fields.Function(lambda manifest: qr_url_for("manifest", manifest.id))


class LegOut(ma.Schema):
    seq = ma.fields.Integer()
    transporter_id = ma.fields.Integer()
    transporter_name = ma.fields.String(attribute="transporter.name")
    vehicle_id = ma.fields.Integer(allow_none=True)
    driver_id = ma.fields.Integer(allow_none=True)
    handover_site_id = ma.fields.Integer(allow_none=True)
    handover_point = ma.fields.String(allow_none=True)
    started_at = Time(allow_none=True)
    ended_at = Time(allow_none=True)


class ManifestDetailOut(ManifestOut):
    events = ma.fields.List(ma.fields.Nested(EventOut))
    legs = ma.fields.Method("_legs", metadata={
        "description": "联运: the carriers in order (leg 1 is transporter_id); empty for a single carrier",
        "type": "array", "items": {"type": "object"}})

    def _legs(self, manifest):
        return LegOut(many=True).dump(manifest.legs) if manifest.current_leg is not None else []


class Moment(Time):
    """A time with offset, or a plain date meaning that day in China (as `to`, up to the end of that day)."""

    def __init__(self, *, end_of_day: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.end_of_day = end_of_day
        self.metadata.setdefault("description", "ISO 8601 time with offset, or a date YYYY-MM-DD (China time)")

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) == 10:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                raise self.make_error("invalid", input=value, obj_type=self.OBJ_TYPE) from None
            return datetime.combine(day + timedelta(days=1 if self.end_of_day else 0), time(), CHINA)
        return super()._deserialize(value, attr, data, **kwargs)


class ManifestArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf([s.value for s in ManifestStatus]))
    region = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^\d{6}$"))
    date_from = Moment(load_default=None, data_key="from")
    date_to = Moment(load_default=None, data_key="to", end_of_day=True)
    q = Text(load_default=None, min_length=0, max_length=100, metadata={"description": "part of the manifest number"})
    waste_code = Text(load_default=None, min_length=0, max_length=20,
                      metadata={"description": "part of a waste code on one of its lines"})
    party = Text(load_default=None, min_length=0, max_length=100,
                 metadata={"description": "part of the name of its issuer, receiver or transporter"})


class LineReceiptIn(ma.Schema):
    line_id = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 2**31 - 1))
    accepted_kg = Kg(required=True, allow_zero=True)
    rejected_kg = Kg(load_default=0, allow_zero=True)
    reason = Text(load_default=None, allow_none=True, min_length=0, max_length=500, multiline=True,
                  metadata={"description": "why this line's refused part was refused (or the step's reason)"})
    method = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Regexp(r"^[RDCrdc]\d{1,2}$"),
                              metadata={"description": "the utilization/disposal method chosen at receipt"})


class StepIn(ma.Schema):
    type = ma.fields.String(required=True, validate=ma.validate.OneOf([s.value for s in Step if s not in SYSTEM_STEPS]))
    idempotency_key = Text(load_default=None, min_length=8, max_length=100, metadata={
        "description": "required here or as the Idempotency-Key header: a retry with the same key returns the "
                       "first event"})
    occurred_at = Time(load_default=None, allow_none=True)
    lat = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(-90, 90))
    lon = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(-180, 180))
    quantity_kg = Kg(load_default=None, allow_none=True)
    accepted_kg = Kg(load_default=None, allow_none=True, allow_zero=True)
    rejected_kg = Kg(load_default=None, allow_none=True, allow_zero=True)
    reason = Text(load_default=None, allow_none=True, min_length=0, max_length=500, multiline=True)
    method = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Regexp(r"^[RDCrdc]\d{1,2}$"))
    lines = ma.fields.List(ma.fields.Nested(LineReceiptIn), load_default=None, allow_none=True,
                           validate=ma.validate.Length(1, 500), metadata={
        "description": "receive, line by line: every line of the manifest once with its accepted and refused kg, "
                       "the reason of a refused part and the method chosen; the step's totals are their sums. "
                       "Without lines the receipt is for the manifest as a whole"})
    handover_code = ma.fields.String(load_default=None, allow_none=True, load_only=True, metadata={
        "description": "pickup: the producer's one-time 交接码 (POST /manifests/{id}/handover-code); the event "
                       "then records handover_confirmed: true. A pickup needs it or handover_exception_reason"})
    handover_exception_reason = Text(load_default=None, allow_none=True, max_length=500, multiline=True,
                                     load_only=True, metadata={
        "description": "pickup without the code: why the producer could not confirm the handover; recorded "
                       "with handover_confirmed: false and raises the anomaly HANDOVER_UNCONFIRMED"})


class VerifyOut(ma.Schema):
    ok = ma.fields.Boolean(metadata={"description": "chain intact, status matches the last event, sealed days match"})
    events = ma.fields.Integer()
    broken_at = ma.fields.Integer(allow_none=True)
    status_ok = ma.fields.Boolean(metadata={"description": "the manifest's status is its last event's"})
    seals_ok = ma.fields.Boolean(metadata={"description": "each sealed day of its events still has the sealed root"})
    macs_ok = ma.fields.Boolean(metadata={"description": "each event's MAC (HMAC of its hash under the service's key) "
                                                         "verifies; events from before MACs only on a matching sealed day"})
    sealed_days = ma.fields.List(ma.fields.Date())
    unsealed_days = ma.fields.List(ma.fields.Date(), metadata={"description": "not sealed yet (e.g. today)"})
    reasons = ma.fields.List(ma.fields.String(), metadata={"description": "why ok is false, in Chinese"})


class HandoverCodeOut(ma.Schema):
    code = ma.fields.String(metadata={"description": "6 digits, single use, shown to the driver at the gate"})
    expires_at = Time()


class VerdictOut(ma.Schema):
    rule = ma.fields.String(metadata={"description": "quantity, jurisdiction, receiver_permit or transport_permit"})
    rule_name = ma.fields.String(metadata={"description": "the rule's name in the request's language"})
    ok = ma.fields.Boolean()
    code = ma.fields.String(allow_none=True, metadata={"description": "the error code the issue would answer"})
    subject = ma.fields.String(metadata={"description": "the batch's unit code, for a line's rule"})
    message = ma.fields.String(metadata={"description": "the verdict in plain words (Chinese, or English on "
                                                        "Accept-Language: en), regions by name"})


class CheckOut(ma.Schema):
    ok = ma.fields.Boolean(metadata={"description": "POST /manifests with this body would issue the manifest"})
    verdicts = ma.fields.List(ma.fields.Nested(VerdictOut))


class TrackPointIn(ma.Schema):
    client_key = Text(required=True, min_length=8, max_length=100, metadata={
        "description": "the phone's key of this point: a point resent under the same key is stored once"})
    lat = ma.fields.Float(required=True, validate=ma.validate.Range(-90, 90))
    lon = ma.fields.Float(required=True, validate=ma.validate.Range(-180, 180))
    occurred_at = Time(load_default=None, allow_none=True, metadata={
        "description": "the device's time of the fix: at most 7 days old, at most 5 minutes ahead; omitted: now"})
    accuracy_m = ma.fields.Float(load_default=None, allow_none=True, validate=ma.validate.Range(0, 100_000))


class TrackIn(ma.Schema):
    points = ma.fields.List(ma.fields.Nested(TrackPointIn), required=True, validate=ma.validate.Length(1, 500))


class TrackPointOut(ma.Schema):
    client_key = ma.fields.String()
    lat = ma.fields.Float()
    lon = ma.fields.Float()
    accuracy_m = ma.fields.Float(allow_none=True)
    occurred_at = ma.fields.DateTime()
    recorded_at = ma.fields.DateTime()


class TrackOut(ma.Schema):
    manifest_id = ma.fields.Integer()
    created = ma.fields.Integer(metadata={"description": "points stored by this request (the others were replays)"})
    points = ma.fields.List(ma.fields.Nested(TrackPointOut))
    length_km = ma.fields.Float(metadata={"description": "the track's length through its points in time order"})
