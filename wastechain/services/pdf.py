"""PDF documents in Chinese that need no font download."""
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

# Adobe's STSong-Light CID font ships with reportlab's metrics and with every PDF reader's Asian font support,
# so the PDF shows Chinese without embedding a 10 MB font file or fetching anything.
CJK_FONT = "STSong-Light"


def register_cjk_font() -> str:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    return CJK_FONT
