from decimal import Decimal, InvalidOperation

import marshmallow as ma

from wastechain.api.common import Id, Kg, PageArgs, Text, Time
from wastechain.domain.text import N_

MAX_YUAN = Decimal("1e12")  # 一万亿元: far above any fee, far below what the column (integer fen, 64-bit) holds


class Yuan(ma.fields.Field):
    """An amount in yuan: a JSON number with at most 2 decimals, kept as Decimal."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.metadata.setdefault("type", "number")

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else Decimal(value)

    def _bind_to_schema(self, field_name, schema):
        super()._bind_to_schema(field_name, schema)
        if type(schema).__name__.endswith("In"):  # a request's schema: the document names what is accepted
            self.metadata.update(minimum=0, exclusiveMinimum=True, maximum=int(MAX_YUAN), exclusiveMaximum=True,
                                 multipleOf=0.01)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            amount = Decimal(str(value)) if isinstance(value, (int, float)) else Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            raise ma.ValidationError(N_("不是有效的金额")) from None
        if amount.is_finite() and amount >= MAX_YUAN:  # before quantize, which fails past 28 digits
            raise ma.ValidationError(N_("金额超出允许范围（须小于一万亿元）"))
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise ma.ValidationError(N_("金额必须为正数，最多两位小数（元）"))
        return amount


class PaymentIn(ma.Schema):
    manifest_id = Id(required=True)
    payee_id = Id(required=True)
    amount = Yuan(required=True)
    paid_at = Time(required=True)
    reference = Text(load_default="", min_length=0, max_length=100)


class PaymentOut(ma.Schema):
    id = ma.fields.Integer()
    manifest_id = ma.fields.Integer()
    payer_id = ma.fields.Integer()
    payee_id = ma.fields.Integer()
    amount = Yuan()
    paid_at = Time()
    reference = ma.fields.String()
    recorded_at = Time()
    confirmed_at = Time(allow_none=True, metadata={"description": "when the payee confirmed receipt; null until then"})
    confirmed = ma.fields.Function(lambda p: p.confirmed_at is not None, dump_only=True,
                                   metadata={"type": "boolean"})


class PaymentArgs(PageArgs):
    manifest_id = Id(load_default=None)
    unconfirmed = ma.fields.Boolean(load_default=False, metadata={"description": "only those not yet confirmed"})


class DeclarationIn(ma.Schema):
    period_kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["annual", "monthly"]))
    period = Text(required=True, max_length=10)
    generated_kg = Kg(load_default=None, allow_none=True, allow_zero=True)
    stored_kg = Kg(load_default=None, allow_none=True, allow_zero=True)
    note = Text(load_default="", min_length=0, max_length=1000, multiline=True)


class DeclarationOut(DeclarationIn):
    id = ma.fields.Integer()
    organization_id = ma.fields.Integer()
    submitted_at = Time()


class DeclarationFormArgs(ma.Schema):
    year = ma.fields.Integer(load_default=None, validate=ma.validate.Range(2000, 2100),
                             metadata={"description": "year of the annual form (default: last year)"})
    month = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"),
                             metadata={"description": "YYYY-MM of the monthly form (default: last month)"})


class DeclarationLineOut(ma.Schema):
    waste_code = ma.fields.String()
    name = ma.fields.String()
    generated_kg = Kg(allow_zero=True)
    stock_kg = Kg(allow_zero=True)


class DeclarationFormOut(ma.Schema):
    period_kind = ma.fields.String()
    period = ma.fields.String()
    due = ma.fields.Date()
    generated_kg = Kg(allow_zero=True)
    stored_kg = Kg(allow_zero=True)
    note = ma.fields.String()
    required = ma.fields.Boolean()
    submitted = ma.fields.Function(lambda f: f["submitted"] is not None, metadata={"type": "boolean"})
    lines = ma.fields.List(ma.fields.Nested(DeclarationLineOut))


class TierOut(ma.Schema):
    key = ma.fields.String(metadata={"description": "key (≥100 t/yr), simplified (≥10 t/yr), registered (<10 t/yr)"})
    name = ma.fields.String()
    rule = ma.fields.String()
    reporting = ma.fields.String()


class DeclarationFormsOut(ma.Schema):
    tier = ma.fields.Nested(TierOut)
    tier_basis_year = ma.fields.Integer()
    tier_basis_kg = Kg(allow_zero=True)
    annual = ma.fields.Nested(DeclarationFormOut)
    monthly = ma.fields.Nested(DeclarationFormOut)
