"""The one rule for free text, shared by the API's fields and the services the pages call."""
import pytest

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import clean_text


def test_text_is_trimmed():
    assert clean_text("  运输途中破损  ", field="reason", max_length=50) == "运输途中破损"


def test_none_reads_as_empty_text():
    assert clean_text(None, field="note", max_length=50) == ""


@pytest.mark.parametrize("value", ["abc\x00", "a\x1bb", "\x7f", "a\x85b", "a\nb"])
def test_control_characters_are_refused(value):
    with pytest.raises(ValidationFailed) as refused:
        clean_text(value, field="reference", max_length=50)
    assert "reference" in refused.value.details and "控制字符" in refused.value.message


@pytest.mark.parametrize("value", ["\ud800", "ok\udfff", "\udc00\ud800"])
def test_lone_surrogates_are_refused(value):
    with pytest.raises(ValidationFailed) as refused:
        clean_text(value, field="note", max_length=50, multiline=True)
    assert "代理项" in refused.value.message


def test_a_note_keeps_its_line_breaks_and_loses_carriage_returns():
    assert clean_text("第一行\r\n第二行\t完", field="note", max_length=50, multiline=True) == "第一行\n第二行\t完"


def test_too_long_text_is_refused():
    with pytest.raises(ValidationFailed):
        clean_text("x" * 51, field="reason", max_length=50)


def test_required_text_cannot_be_blank():
    with pytest.raises(ValidationFailed):
        clean_text("   ", field="reason", max_length=50, required=True)


def test_a_number_is_not_text():
    with pytest.raises(ValidationFailed):
        clean_text(5, field="reason", max_length=50)
