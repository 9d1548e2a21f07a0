"""PDF documents in Chinese that need no font download.

The font: a CJK TrueType font from the operating system (Debian's fonts-wqy-microhei), embedded (subset) in every
PDF. We first used reportlab's STSong-Light, an Adobe CID font that is *referenced*, not embedded: it renders only
where the reader has an Asian font pack or a fallback system font. pdfium on a server without CJK fonts draws
nothing for it, and a label printer's PC may do the same, so we embed when we can and fall back to STSong-Light
only when no CJK TrueType font is installed (CI installs fonts-wqy-microhei; tests check the glyphs render).
"""
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

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
def cjk_font_file() -> tuple[str, int] | None:
    """The installed CJK TrueType font (path, face index), or None; Pillow uses it for PNG labels too."""
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    return None


def register_cjk_font() -> str:
    """Registers the CJK font with reportlab and returns its name for setFont()."""
    registered = pdfmetrics.getRegisteredFontNames()
    found = cjk_font_file()
    if found is not None:
        if CJK_FONT not in registered:
            path, index = found
            pdfmetrics.registerFont(TTFont(CJK_FONT, path, subfontIndex=index))
        return CJK_FONT
    if FALLBACK_CJK_FONT not in registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CJK_FONT))
    return FALLBACK_CJK_FONT
