"""Languages of the pages: Simplified Chinese first (the source text), English from translations/en/*.po.

Chinese is written in the templates and code as the message id; each area keeps its English in its own
translations/en/<area>.po. compile_catalogs() merges them into the one catalog Flask-Babel reads
(translations/en/LC_MESSAGES/messages.mo), rebuilt whenever a .po is newer. The language is the one a user
chose (stored with the account), else the one chosen on this browser, else the browser's preference.
"""
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, request, session
from flask_babel import Babel, get_locale, gettext

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT = "zh"
SESSION_KEY = "lang"
babel = Babel()


def compile_catalogs(root: Path) -> None:
    """translations/<lang>/*.po → translations/<lang>/LC_MESSAGES/messages.mo, when a source is newer."""
    for folder in (p for p in root.iterdir() if p.is_dir()):
        sources = sorted(folder.glob("*.po"))
        target = folder / "LC_MESSAGES" / "messages.mo"
        if not sources or (target.exists() and target.stat().st_mtime >= max(s.stat().st_mtime for s in sources)):
            continue
        merged = Catalog(locale=folder.name)
        for source in sources:
            with source.open("rb") as handle:
                for message in read_po(handle, locale=folder.name):
                    if message.id and message.string:
                        merged.add(message.id, message.string)
        target.parent.mkdir(exist_ok=True)
        with target.open("wb") as handle:
            write_mo(handle, merged)


def select_locale() -> str:
    from flask_login import current_user

    chosen = getattr(current_user, "locale", None) if current_user and current_user.is_authenticated else None
    chosen = chosen or session.get(SESSION_KEY)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT) if request else DEFAULT


def language() -> str:
    """The language of this request: "zh" or "en"."""
    return g.get("language") or str(get_locale() or DEFAULT).split("_")[0]


def init_app(app, root: Path) -> None:
    try:
        compile_catalogs(root)
    except OSError:  # a read-only installation keeps the catalog compiled by setup
        pass
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(root)
    babel.init_app(app, locale_selector=select_locale)

    @app.before_request
    def _choose_language():
        # Also makes `g` non-empty: Flask-Babel answers "no locale" (Chinese) while `g` holds nothing.
        g.language = select_locale()

    @app.context_processor
    def _languages():
        return {"languages": LANGUAGES, "lang": language()}


def message_of(error) -> str:
    """A domain error's message in the request's language (its template and names translated, then filled)."""
    if language() == DEFAULT or not getattr(error, "params", None):
        return gettext(error.message) if language() != DEFAULT else error.message
    params = {name: gettext(value) if isinstance(value, str) else value for name, value in error.params.items()}
    return gettext(error.template).format(**params)


CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "N_": None, "ngettext": (1, 2)}


def marked_texts(root: Path) -> dict[str, str]:
    """Every Chinese text marked for translation in templates/ and wastechain/, with where it first appears."""
    found = {}
    for folder, method, pattern in (("templates", "jinja2", "**.html"), ("wastechain", "python", "**.py")):
        for filename, lineno, message, _comments, _context in extract_from_dir(
                root / folder, method_map=[(pattern, method)], keywords=KEYWORDS):
            for text in (message if isinstance(message, tuple) else (message,)):
                if text and CJK.search(text):
                    found.setdefault(text, f"{folder}/{filename}:{lineno}")
    return found


def english_texts(folder: Path) -> dict[str, str]:
    """msgid → English over every translations/en/*.po."""
    english = {}
    for source in sorted(folder.glob("*.po")):
        with source.open("rb") as handle:
            for message in read_po(handle, locale="en"):
                if message.id:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    english[key] = message.string if isinstance(message.string, str) else message.string[0]
    return english
