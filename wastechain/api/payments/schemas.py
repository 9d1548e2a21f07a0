from decimal import Decimal, InvalidOperation

import marshmallow as ma

from wastechain.api.common import Id, Kg, PageArgs, Text, Time

MAX_YUAN = Decimal("1e12")  # 一万亿元: far above any fee, far below what the column (integer fen, 64-bit) holds


class Yuan(ma.fields.Field):
    """An amount in yuan: a JSON number with at most 2 decimals, kept as Decimal."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.metadata.setdefault("type", "number")

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else Decimal(value)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            amount = Decimal(str(value)) if isinstance(value, (int, float)) else Decimal(value)
        except (InvalidOperation, TypeError, ValueError):
            raise ma.ValidationError("不是有效的金额") from None
        if amount.is_finite() and amount >= MAX_YUAN:  # before quantize, which fails past 28 digits
            raise ma.ValidationError("金额超出允许范围（须小于一万亿元）")
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise ma.ValidationError("金额必须为正数，最多两位小数（元）")
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


class PaymentArgs(PageArgs):
    manifest_id = Id(load_default=None)


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
