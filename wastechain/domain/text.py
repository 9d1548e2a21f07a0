"""Free text a person typed (notes, reasons, references, names): what may be stored, shown, hashed and printed.

One rule for the API's fields and the pages' forms: no control characters (they corrupt labels, CSV cells and the
event hash's canonical JSON) and no lone UTF-16 surrogates (not text at all: UTF-8 cannot encode them, so SQLite,
PostgreSQL and the hash would fail on them).
"""
from wastechain.domain.errors import ValidationFailed



def N_(text: str) -> str:
    """Marks Chinese text for translation where it is defined (names, error templates); pages translate it."""
    return text


CONTROL_MESSAGE = N_("不能包含控制字符")
SURROGATE_MESSAGE = N_("包含无效的 Unicode 字符（孤立代理项）")


def is_surrogate(char: str) -> bool:
    return 0xD800 <= ord(char) <= 0xDFFF


def is_control(char: str) -> bool:
    return ord(char) < 32 or 0x7F <= ord(char) <= 0x9F


LINE_BREAKS = frozenset("\n\t")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why a text cannot be stored (in Chinese), or None when it can; a note (multiline) may hold \\n and \\t."""
    if any(is_surrogate(c) for c in value):
        return SURROGATE_MESSAGE
    if any(is_control(c) and not (multiline and c in LINE_BREAKS) for c in value):
        return CONTROL_MESSAGE
    return None


def clean_text(value: str | None, *, field: str, max_length: int, required: bool = False,
               multiline: bool = False) -> str:
    """A person's text trimmed, or ValidationFailed (422) naming the field; None reads as empty."""
    from wastechain.domain.fieldnames import field_name  # the catalog marks its names with N_ from here

    name = field_name(field)
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(N_("{field}必须是文本"), params={"field": name}, details={field: "not a string"})
    text = (value or "").strip()
    if multiline:
        text = text.replace("\r\n", "\n")
    problem = text_problem(text, multiline=multiline)
    if problem:
        raise ValidationFailed(N_("{field}{problem}"), params={"field": name, "problem": problem},
                               details={field: problem})
    if required and not text:
        raise ValidationFailed(N_("{field}不能为空"), params={"field": name}, details={field: "required"})
    if len(text) > max_length:
        raise ValidationFailed(N_("{field}最多 {max_length} 个字符"), params={"field": name, "max_length": max_length},
                               details={field: f"max {max_length} characters"})
    return text
