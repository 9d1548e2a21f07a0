"""统一社会信用代码 (GB 32100-2015): both check characters are validated."""
import pytest

from wastechain.domain.credit_code import CHARSET, credit_code_problem, make_credit_code

VALID = make_credit_code("330802", "MA2DXY7K")


def _with(code: str, position: int, char: str) -> str:
    return code[:position] + char + code[position + 1:]


def _other_char(char: str) -> str:
    return next(c for c in "0123456789" if c != char)


def test_a_code_built_from_a_region_and_an_organization_body_is_valid():
    assert credit_code_problem(VALID) is None
    assert len(VALID) == 18 and VALID[2:8] == "330802"


@pytest.mark.parametrize("body", ["00000001", "12345678", "MA27QL4B", "MA2DXY7K", "W0000000"])
def test_codes_with_many_bodies_pass_both_checks(body):
    assert credit_code_problem(make_credit_code("330881", body)) is None


@pytest.mark.parametrize("code", ["91350100M000100Y43",  # the worked example of GB 32100-2015
                                  "91440300708461136T"])  # a published enterprise's code (深圳)
def test_real_published_credit_codes_are_valid(code):
    assert credit_code_problem(code) is None


@pytest.mark.parametrize("code", ["91350100M000100Y44", "91440300708461137T", "91440300708461136A"])
def test_real_codes_with_one_character_changed_are_refused(code):
    assert credit_code_problem(code) is not None


def test_a_wrong_last_check_character_is_refused():
    code = _with(VALID, 17, next(c for c in CHARSET if c != VALID[17]))
    assert "第 18 位" in credit_code_problem(code)


def test_a_wrong_organization_check_character_is_refused_even_with_a_recomputed_last_character():
    first17 = _with(VALID[:17], 16, _other_char(VALID[16]))
    # Recompute only the last character: the organization code's own check (position 17) still fails.
    from wastechain.domain.credit_code import _full_check_char

    code = first17 + _full_check_char(first17)
    assert "第 17 位" in credit_code_problem(code)


def test_a_single_changed_character_in_the_body_is_refused():
    code = _with(VALID, 10, _other_char(VALID[10]))
    assert credit_code_problem(code) is not None


def test_swapped_adjacent_characters_are_refused():
    code = VALID[:9] + VALID[10] + VALID[9] + VALID[11:]
    assert code != VALID and credit_code_problem(code) is not None


@pytest.mark.parametrize("code", ["", "91330802", VALID + "0", VALID[:17]])
def test_a_code_that_is_not_18_characters_is_refused(code):
    assert "18 位" in credit_code_problem(code)


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_letters_outside_the_charset_are_refused(letter):
    assert "不允许的字符" in credit_code_problem(_with(VALID, 12, letter))


def test_lowercase_letters_are_refused():
    assert credit_code_problem("91350100m000100y43") is not None


def test_a_non_numeric_region_segment_is_refused():
    assert "行政区划" in credit_code_problem(_with(VALID, 3, "A"))


def test_a_non_string_is_refused():
    assert credit_code_problem(None) is not None
    assert credit_code_problem(913308020000000000) is not None
