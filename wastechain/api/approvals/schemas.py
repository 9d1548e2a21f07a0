import marshmallow as ma

from wastechain.api.common import Kg, Time


class ApprovalIn(ma.Schema):
    producer_id = ma.fields.Integer(required=True)
    waste_codes = ma.fields.List(ma.fields.String(), required=True, validate=ma.validate.Length(min=1))
    destination_site_id = ma.fields.Integer(required=True)
    max_quantity_kg = Kg(required=True)
    valid_from = ma.fields.Date(required=True)
    valid_to = ma.fields.Date(required=True)


class ApprovalOut(ApprovalIn):
    id = ma.fields.Integer()
    reserved_kg = Kg()
    remaining_kg = Kg()
    granted_by_id = ma.fields.Integer()
    created_at = Time()
