from decimal import Decimal, InvalidOperation

import marshmallow as ma

from wastechain.api.common import Kg, PageArgs, Time


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
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise ma.ValidationError("金额必须为正数，最多两位小数（元）")
        return amount


class PaymentIn(ma.Schema):
    manifest_id = ma.fields.Integer(required=True)
    payee_id = ma.fields.Integer(required=True)
    amount = Yuan(required=True)
    paid_at = Time(required=True)
    reference = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))


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
    manifest_id = ma.fields.Integer(load_default=None)


class DeclarationIn(ma.Schema):
    period_kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["annual", "monthly"]))
    period = ma.fields.String(required=True)
    generated_kg = Kg(load_default=None, allow_none=True, allow_zero=True)
    stored_kg = Kg(load_default=None, allow_none=True, allow_zero=True)
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=1000))


class DeclarationOut(DeclarationIn):
    id = ma.fields.Integer()
    organization_id = ma.fields.Integer()
    submitted_at = Time()
