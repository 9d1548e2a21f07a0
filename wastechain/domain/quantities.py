"""Masses are exact decimals in kilograms with at most 3 places (grams)."""
from decimal import Decimal, InvalidOperation

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.fieldnames import field_name
from wastechain.domain.text import N_

GRAMS_PER_KG = Decimal(1000)
GRAM = Decimal("0.001")
ZERO = Decimal("0.000")
MAX_KG = Decimal("1e12")


def kg_from_grams(grams: int) -> Decimal:
    return (Decimal(grams) / GRAMS_PER_KG).quantize(GRAM)


def parse_kg(value, *, field: str = "quantity_kg", allow_zero: bool = False) -> Decimal:
    """A user's quantity as exact kilograms; refuses floats' artefacts, >3 decimals, NaN and non-positive values."""
    name = field_name(field)
    if isinstance(value, bool) or value is None:
        raise ValidationFailed(N_("{field}必须是数字（千克）"), params={"field": name},
                               details={field: "required number"})
    try:
        kg = Decimal(str(value)) if isinstance(value, (int, float)) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(N_("{field}不是有效的数量：{value}"), params={"field": name, "value": repr(value)},
                               details={field: "not a number"}) from None
    if not kg.is_finite():
        raise ValidationFailed(N_("{field}不是有效的数量：{value}"), params={"field": name, "value": repr(value)},
                               details={field: "not finite"})
    if kg.copy_abs() >= MAX_KG:
        raise ValidationFailed(N_("{field}超出允许范围：{value}"), params={"field": name, "value": str(value)},
                               details={field: "too large"})
    if kg != kg.quantize(GRAM):
        raise ValidationFailed(N_("{field}最多保留 3 位小数（克）：{value}"), params={"field": name, "value": str(value)},
                               details={field: "max 3 decimals"})
    if kg < 0 or (kg == 0 and not allow_zero):
        raise ValidationFailed(N_("{field}必须大于 0：{value}"), params={"field": name, "value": str(value)},
                               details={field: "must be positive"})
    return kg.quantize(GRAM)


def fmt_kg(kg: Decimal) -> str:
    return f"{kg.quantize(GRAM):,} kg"
