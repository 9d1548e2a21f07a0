"""PDF documents in Chinese that need no font download.

The font: a CJK TrueType font from the operating system (Debian's fonts-wqy-microhei), embedded (subset) in every
PDF. We first used reportlab's STSong-Light, an Adobe CID font that is *referenced*, not embedded: it renders only
where the reader has an Asian font pack or a fallback system font. pdfium on a server without CJK fonts draws
nothing for it, and a label printer's PC may do the same, so we embed when we can and fall back to STSong-Light
only when no CJK TrueType font is installed (CI installs fonts-wqy-microhei; tests check the glyphs render).

A candidate reportlab cannot read is skipped: Debian's Noto CJK .ttc holds CFF (PostScript) outlines, which
reportlab's TTFont refuses, and a host with only Noto used to answer 500 to every PDF.
"""
import logging
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

FONT_ADVICE = ("no CJK TrueType font that reportlab can read is installed, so PDFs (labels, manifests, certificates) "
               "fall back to STSong-Light, which is referenced, not embedded: many viewers and printers show no "
               "Chinese text. Install the font package: apt-get install fonts-wqy-microhei (Debian/Ubuntu; "
               "fonts-wqy-zenhei also works). Noto CJK (.ttc with CFF outlines) cannot be read by reportlab.")

CJK_FONT = "WQYMicroHei"
FALLBACK_CJK_FONT = "STSong-Light"

# Debian/Ubuntu paths of free CJK fonts, best first: (path, index of the face inside a .ttc collection).
FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
)


@cache
def _readable_font() -> tuple[str, int, TTFont] | None:
    """The first installed candidate that reportlab can read, loaded once (parsing a CJK font takes a while)."""
    for path, index in FONT_CANDIDATES:
        if not Path(path).is_file():
            continue
        try:
            return path, index, TTFont(CJK_FONT, path, subfontIndex=index)
        except Exception as error:  # noqa: BLE001 — a font file is outside input: any failure means "not this one"
            log.warning("CJK font %s (face %d) cannot be read by reportlab, trying the next one: %s",
                        path, index, error)
    return None


def installed_candidates() -> list[str]:
    """The candidate font files present on this host (a cheap check: nothing is parsed)."""
    return [path for path, _index in FONT_CANDIDATES if Path(path).is_file()]


@cache
def check_fonts_at_startup() -> bool:
    """Logs one clear message at start-up when no candidate CJK font is installed; True when one is present.
    (A present font that turns out unreadable is reported at first use, when it is parsed.)"""
    found = installed_candidates()
    if not found:
        log.warning("PDF fonts: %s", FONT_ADVICE)
    return bool(found)


@cache
def _warn_fallback() -> None:
    log.warning("PDF fonts: %s", FONT_ADVICE)


def cjk_font_file() -> tuple[str, int] | None:
    """The installed CJK TrueType font (path, face index) that reportlab reads, or None; Pillow uses it too."""
    found = _readable_font()
    return None if found is None else found[:2]


def register_cjk_font() -> str:
    """Registers the CJK font with reportlab and returns its name for setFont()."""
    registered = pdfmetrics.getRegisteredFontNames()
    found = _readable_font()
    if found is not None:
        if CJK_FONT not in registered or pdfmetrics.getFont(CJK_FONT) is not found[2]:
            pdfmetrics.registerFont(found[2])
        return CJK_FONT
    _warn_fallback()  # once per process
    if FALLBACK_CJK_FONT not in registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CJK_FONT))
    return FALLBACK_CJK_FONT
