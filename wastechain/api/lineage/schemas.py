import marshmallow as ma

from wastechain.api.common import Id, Kg, PageArgs, Time


class TraceManifestOut(ma.Schema):
    manifest_id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    issued_at = Time()
    issuer_id = ma.fields.Integer()
    issuer = ma.fields.String()
    receiver_id = ma.fields.Integer()
    receiver = ma.fields.String()
    receiver_site_id = ma.fields.Integer()
    receiver_site = ma.fields.String()
    quantity_kg = Kg(metadata={"description": "this batch's kilograms on the manifest"})
    accepted_kg = Kg()
    rejected_kg = Kg()
    variance_kg = Kg(metadata={"description": "shipped but not weighed in"})


class TraceBatchOut(ma.Schema):
    batch_id = ma.fields.Integer()
    unit_code = ma.fields.String()
    organization_id = ma.fields.Integer()
    organization = ma.fields.String()
    site_id = ma.fields.Integer()
    quantity_kg = Kg()


class TraceDisposalOut(ma.Schema):
    disposal_id = ma.fields.Integer()
    certificate_number = ma.fields.String()
    manifest_id = ma.fields.Integer()
    method = ma.fields.String()
    disposed_at = Time()
    organization_id = ma.fields.Integer()
    organization = ma.fields.String()
    site_id = ma.fields.Integer()
    record_kg = Kg(metadata={"description": "the whole record"})
    quantity_kg = Kg(metadata={"description": "this batch's part of it"})


class AccountedOut(ma.Schema):
    in_storage = Kg()
    in_transit = Kg()
    awaiting_disposal = Kg()
    variance = Kg()
    disposed = Kg()


class TraceOut(ma.Schema):
    batch_id = ma.fields.Integer()
    unit_code = ma.fields.String()
    waste_code = ma.fields.String()
    quantity_kg = Kg()
    closed_kg = Kg(metadata={"description": "reached a final utilization/disposal record"})
    open_kg = Kg()
    closed = ma.fields.Boolean()
    accounted_kg = ma.fields.Nested(AccountedOut, metadata={"description": "where every kilogram is now; sums to quantity_kg"})
    manifests = ma.fields.List(ma.fields.Nested(TraceManifestOut))
    consolidations = ma.fields.List(ma.fields.Nested(TraceBatchOut), metadata={"description": "collector stock batches"})
    returns = ma.fields.List(ma.fields.Nested(TraceBatchOut), metadata={"description": "refused quantity back with the issuer"})
    disposals = ma.fields.List(ma.fields.Nested(TraceDisposalOut))


class OriginOut(ma.Schema):
    batch_id = ma.fields.Integer(allow_none=True, metadata={"description": "null for weighed-in surplus"})
    unit_code = ma.fields.String(allow_none=True)
    waste_code = ma.fields.String(allow_none=True)
    generated_at = Time(allow_none=True)
    producer_id = ma.fields.Integer(allow_none=True)
    producer = ma.fields.String(allow_none=True)
    producer_credit_code = ma.fields.String(allow_none=True)
    site_id = ma.fields.Integer(allow_none=True)
    site = ma.fields.String(allow_none=True)
    region_code = ma.fields.String(allow_none=True)
    quantity_kg = Kg()
    disposed_kg = Kg()


class StepRefOut(ma.Schema):
    manifest_id = ma.fields.Integer()
    number = ma.fields.String()
    issuer_id = ma.fields.Integer()
    receiver_id = ma.fields.Integer()


class OriginsOut(ma.Schema):
    manifest_id = ma.fields.Integer()
    number = ma.fields.String()
    total_kg = Kg()
    origins_kg = Kg(metadata={"description": "sum over origins; equals total_kg"})
    origins = ma.fields.List(ma.fields.Nested(OriginOut))
    collection_steps = ma.fields.List(ma.fields.Nested(StepRefOut), metadata={"description": "upstream manifests"})


class DisposalOriginsOut(ma.Schema):
    disposal_id = ma.fields.Integer()
    manifest_id = ma.fields.Integer()
    method = ma.fields.String()
    quantity_kg = Kg()
    origins_kg = Kg()
    origins = ma.fields.List(ma.fields.Nested(OriginOut))


class DisposalOut(ma.Schema):
    id = ma.fields.Integer()
    manifest_id = ma.fields.Integer()
    event_id = ma.fields.Integer()
    organization_id = ma.fields.Integer()
    site_id = ma.fields.Integer()
    method = ma.fields.String()
    quantity_kg = Kg()
    disposed_at = Time()
    certificate_number = ma.fields.String()


class DisposalArgs(PageArgs):
    manifest_id = Id(load_default=None)
