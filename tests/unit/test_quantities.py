"""Masses are exact Decimal kilograms with at most 3 decimals."""
from decimal import Decimal

import pytest

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.quantities import fmt_kg, kg_from_grams, parse_kg


def test_a_decimal_string_becomes_an_exact_decimal_with_three_places():
    assert parse_kg("120.5") == Decimal("120.500")
    assert str(parse_kg("120.5")) == "120.500"


def test_an_integer_is_accepted():
    assert parse_kg(7) == Decimal("7.000")


def test_a_float_is_read_by_its_shortest_repr_not_its_binary_value():
    # 0.1 + 0.2 is 0.30000000000000004 in binary: an artefact, refused rather than silently rounded
    assert parse_kg(0.1) == Decimal("0.100")
    with pytest.raises(ValidationFailed):
        parse_kg(0.1 + 0.2)


def test_three_decimals_are_kept_exactly():
    assert parse_kg(Decimal("0.001")) == Decimal("0.001")
    assert parse_kg("1234567.891") == Decimal("1234567.891")


@pytest.mark.parametrize("value", ["1.0001", Decimal("0.0005"), "2.12345"])
def test_more_than_three_decimals_are_refused(value):
    with pytest.raises(ValidationFailed, match="3 位小数"):
        parse_kg(value)


def test_trailing_zeros_beyond_three_places_are_not_extra_precision():
    assert parse_kg("1.50000") == Decimal("1.500")


@pytest.mark.parametrize("value", [0, "0", "0.000", Decimal(0)])
def test_zero_is_refused_by_default(value):
    with pytest.raises(ValidationFailed, match="大于 0"):
        parse_kg(value)


def test_zero_is_accepted_where_allowed():
    assert parse_kg("0", allow_zero=True) == Decimal("0.000")


@pytest.mark.parametrize("value", [-1, "-0.001", Decimal("-5")])
def test_negative_quantities_are_refused(value):
    with pytest.raises(ValidationFailed):
        parse_kg(value, allow_zero=True)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", float("nan"), float("inf"), "abc", "", None,
                                   True, [1], {"kg": 1}, "1e12", 10**13])
def test_values_that_are_not_finite_positive_numbers_are_refused(value):
    with pytest.raises(ValidationFailed):
        parse_kg(value)


def test_the_error_names_the_field_by_its_human_name_and_its_key_in_the_details():
    with pytest.raises(ValidationFailed) as caught:
        parse_kg("-1", field="accepted_kg")
    assert "接收量（kg）" in caught.value.message and "accepted_kg" in caught.value.details


def test_grams_convert_to_kilograms_exactly():
    assert kg_from_grams(120500) == Decimal("120.500")
    assert kg_from_grams(1) == Decimal("0.001")


def test_kilograms_format_with_three_places():
    assert fmt_kg(Decimal("1234.5")) == "1,234.500 kg"
