"""Manifest numbers (14 digits) and batch unit codes (37 characters, HJ 1276-2022)."""
from datetime import date

import pytest

from wastechain.domain.credit_code import make_credit_code
from wastechain.domain.errors import Conflict
from wastechain.domain.numbering import manifest_number, unit_code, waste_code_digits


def test_a_manifest_number_is_year_province_city_and_a_six_digit_serial():
    assert manifest_number(2026, "330802", 123) == "20263308000123"


def test_a_manifest_number_uses_the_city_of_the_origin_not_its_county():
    assert manifest_number(2026, "330881", 1)[4:8] == "3308"


def test_the_first_and_last_serials_fit_fourteen_digits():
    assert len(manifest_number(2026, "330802", 1)) == 14
    assert manifest_number(2026, "330802", 999999).endswith("999999")


def test_a_serial_beyond_six_digits_is_refused():
    with pytest.raises(Conflict):
        manifest_number(2026, "330802", 1_000_000)


def test_a_unit_code_has_the_four_segments_of_hj_1276():
    credit = make_credit_code("330802", "00000001")
    code = unit_code(credit, "900-041-49", date(2026, 11, 23), 7)
    assert len(code) == 37
    assert code == credit + "90004149" + "20261123" + "007"


def test_hazardous_codes_lose_their_dashes():
    assert waste_code_digits("841-001-01") == "84100101"


def test_our_short_codes_are_padded_to_eight_characters():
    assert waste_code_digits("SW01") == "SW010000"
    assert len(unit_code(make_credit_code("330802", "00000001"), "S61", date(2026, 1, 1), 1)) == 37
