import marshmallow as ma

from wastechain.api.common import Day, Kg, Time


class LedgerArgs(ma.Schema):
    date_from = Day(data_key="from", required=True)
    date_to = Day(data_key="to", required=True)
    period = ma.fields.String(load_default="day", validate=ma.validate.OneOf(["day", "month"]))
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "csv", "xlsx"]))

    @ma.validates_schema
    def _range(self, data, **kwargs):
        if data["date_to"] < data["date_from"]:
            raise ma.ValidationError("to must not be before from", "to")
        if (data["date_to"] - data["date_from"]).days > 3660:
            raise ma.ValidationError("at most 10 years at a time", "to")


class LedgerRowOut(ma.Schema):
    period = ma.fields.String(metadata={"description": "YYYY-MM-DD or YYYY-MM"})
    waste_code = ma.fields.String()
    opening_kg = Kg()
    inflow_kg = Kg()
    outflow_kg = Kg()
    closing_kg = Kg()


class LedgerOut(ma.Schema):
    site_id = ma.fields.Integer()
    site = ma.fields.String()
    organization_id = ma.fields.Integer()
    period = ma.fields.String()
    date_from = ma.fields.Date(data_key="from", attribute="from")
    date_to = ma.fields.Date(data_key="to", attribute="to")
    rows = ma.fields.List(ma.fields.Nested(LedgerRowOut))


class StockArgs(ma.Schema):
    at = Day(load_default=None, metadata={"description": "end of this day (China time); default now"})


class StockRowOut(ma.Schema):
    waste_code = ma.fields.String()
    quantity_kg = Kg()


class StockOut(ma.Schema):
    site_id = ma.fields.Integer()
    at = Time()
    stock_kg = Kg()
    capacity_kg = Kg(allow_none=True)
    items = ma.fields.List(ma.fields.Nested(StockRowOut))


class StoredBatchOut(ma.Schema):
    batch_id = ma.fields.Integer()
    unit_code = ma.fields.String()
    waste_code = ma.fields.String()
    stream = ma.fields.String()
    remaining_kg = Kg()
    stored_since = Time()
    hours_in_storage = ma.fields.Float()
    limit_hours = ma.fields.Integer(allow_none=True)
    overdue = ma.fields.Boolean()


class StorageOut(ma.Schema):
    site_id = ma.fields.Integer()
    site = ma.fields.String()
    capacity_kg = Kg(allow_none=True)
    stock_kg = Kg()
    over_capacity = ma.fields.Boolean()
    stock_by_waste_code = ma.fields.List(ma.fields.Nested(StockRowOut))
    batches = ma.fields.List(ma.fields.Nested(StoredBatchOut))
    overdue_count = ma.fields.Integer()
