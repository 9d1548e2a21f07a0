import marshmallow as ma

from wastechain.api.common import Id, Kg, Text, Time, qr_url_for
from wastechain.services.storage.containers import KINDS


class ContainerIn(ma.Schema):
    site_id = Id(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS))
    code = Text(load_default=None, allow_none=True, min_length=3, max_length=40)


class ContentIn(ma.Schema):
    child_container_id = Id(load_default=None, allow_none=True)
    batch_id = Id(load_default=None, allow_none=True)
    quantity_kg = Kg(load_default=None, allow_none=True)


class TakeOutIn(ma.Schema):
    child_container_id = Id(load_default=None, allow_none=True)
    batch_id = Id(load_default=None, allow_none=True)


class ChildOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    kind = ma.fields.String()
    total_kg = Kg()


class HeldOut(ma.Schema):
    batch_id = ma.fields.Integer()
    quantity_kg = Kg()


class ContainerOut(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    kind = ma.fields.String()
    status = ma.fields.String()
    organization_id = ma.fields.Integer()
    site_id = ma.fields.Integer()
    parent_id = ma.fields.Integer(allow_none=True)
    manifest_id = ma.fields.Integer(allow_none=True)
    batch_id = ma.fields.Integer(allow_none=True)
    own_kg = Kg(metadata={"description": "waste directly in this container"})
    total_kg = Kg(metadata={"description": "own_kg plus everything nested inside"})
    container_count = ma.fields.Integer(metadata={"description": "this container and all nested in it"})
    children = ma.fields.List(ma.fields.Nested(ChildOut))
    batches = ma.fields.List(ma.fields.Nested(HeldOut))
    qr_url = ma.fields.Function(lambda c: qr_url_for("container", c["id"]))


class ContainerManifestIn(ma.Schema):
    container_ids = ma.fields.List(Id(), required=True, validate=ma.validate.Length(min=1, max=200))
    receiver_site_id = Id(required=True)
    transporter_id = Id(required=True)
    vehicle_id = Id(load_default=None, allow_none=True)
    driver_id = Id(load_default=None, allow_none=True)
    planned_pickup_at = Time(required=True)
    approval_id = Id(load_default=None, allow_none=True)


class ContainerReceiveIn(ma.Schema):
    idempotency_key = Text(required=True, max_length=100)
    accepted_kg = Kg(allow_zero=True, load_default=None, allow_none=True)
    rejected_kg = Kg(allow_zero=True, load_default=None, allow_none=True)
    reason = Text(load_default=None, allow_none=True, min_length=0, max_length=500, multiline=True)
    occurred_at = Time(load_default=None, allow_none=True)
