"""Prints, as .po entries to complete, every marked Chinese text that no translations/en/*.po translates yet.

    .venv/bin/python scripts/translations_missing.py >> translations/en/<area>.po   # then write the English
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wastechain.i18n import english_texts, marked_texts  # noqa: E402


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


english = english_texts(ROOT / "translations" / "en")
for text, where in marked_texts(ROOT).items():
    if not english.get(text):
        print(f"#: {where}\nmsgid {quoted(text)}\nmsgstr \"\"\n")
