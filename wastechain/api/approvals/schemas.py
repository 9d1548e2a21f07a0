import marshmallow as ma

from wastechain.api.common import Day, Id, Kg, Time


class ApprovalIn(ma.Schema):
    producer_id = Id(required=True)
    waste_codes = ma.fields.List(ma.fields.String(), required=True, validate=ma.validate.Length(min=1))
    destination_site_id = Id(required=True)
    max_quantity_kg = Kg(required=True)
    valid_from = Day(required=True)
    valid_to = Day(required=True)


class ApprovalOut(ApprovalIn):
    id = ma.fields.Integer()
    reserved_kg = Kg()
    remaining_kg = Kg()
    granted_by_id = ma.fields.Integer()
    created_at = Time()
