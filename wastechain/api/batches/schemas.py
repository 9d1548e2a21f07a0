import marshmallow as ma

from wastechain.api.common import Id, Kg, PageArgs, Time, qr_url_for
from wastechain.domain.vocabulary import BatchStatus, values


class BatchIn(ma.Schema):
    site_id = Id(required=True)
    waste_code = ma.fields.String(required=True)
    quantity_kg = Kg(required=True)
    generated_at = Time(required=True)
    container_count = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1))


class BatchOut(ma.Schema):
    id = ma.fields.Integer()
    unit_code = ma.fields.String()
    organization_id = ma.fields.Integer()
    site_id = ma.fields.Integer()
    waste_code = ma.fields.String()
    waste_name = ma.fields.String(attribute="waste.name")
    stream = ma.fields.String(attribute="waste.stream")
    quantity_kg = Kg()
    remaining_kg = Kg()
    status = ma.fields.String()
    generated_at = Time()
    container_count = ma.fields.Integer(allow_none=True)
    created_at = Time()
    qr_url = ma.fields.Function(lambda batch: qr_url_for("batch", batch.id))


class BatchArgs(PageArgs):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(values(BatchStatus)))
    site_id = Id(load_default=None)
