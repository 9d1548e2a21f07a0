"""Every page is complete in English: each Chinese text in a template is marked for translation, and each marked
text (templates and code) has an English translation in translations/en/*.po without Chinese left in it."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from wastechain.i18n import CJK, english_texts, marked_texts

ROOT = Path(__file__).resolve().parents[2]
# A marked text: _('…') or _("…"), a {% trans %} block, or a Jinja comment.
MARKED = re.compile(r"""_\(\s*'(?:[^'\\]|\\.)*'|_\(\s*"(?:[^"\\]|\\.)*"|{%-?\s*trans\b.*?endtrans\s*-?%}|{#.*?#}""",
                    re.S)
# Templates whose Chinese is not yet marked; the list only shrinks (empty when every page is translated).
NOT_YET_MARKED = {
}


def _templates():
    return sorted((ROOT / "templates").rglob("*.html"))


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_every_chinese_text_in_a_template_is_marked_for_translation(template):
    name = str(template.relative_to(ROOT / "templates"))
    left = CJK.findall(MARKED.sub("", template.read_text(encoding="utf-8")))
    if name in NOT_YET_MARKED:
        assert left, f"{name} is fully marked now: take it off NOT_YET_MARKED"
        return
    assert not left, f"{name} has Chinese outside _(…): {''.join(left)[:60]}"


def test_every_marked_text_has_an_english_translation_without_chinese():
    english = english_texts(ROOT / "translations" / "en")
    missing = {text: where for text, where in marked_texts(ROOT).items() if not english.get(text)}
    assert not missing, f"{len(missing)} texts lack English in translations/en/*.po, e.g. " + "; ".join(
        f"{where}: {text}" for text, where in list(missing.items())[:8])
    chinese_left = [text for text, translation in english.items() if CJK.search(translation)]
    assert not chinese_left, f"English translations still holding Chinese: {chinese_left[:5]}"


def test_no_english_catalog_holds_the_same_text_twice():
    seen = {}
    for source in sorted((ROOT / "translations" / "en").glob("*.po")):
        with source.open("rb") as handle:
            for message in read_po(handle, locale="en"):
                if message.id:
                    assert message.id not in seen, f"{message.id!r} in both {seen[message.id]} and {source.name}"
                    seen[message.id] = source.name
