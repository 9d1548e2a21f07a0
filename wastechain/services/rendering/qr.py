"""QR codes: the URL a code carries and its PNG and SVG images."""
import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

from wastechain.domain.qrtoken import make_token

# Level M (15 % recovery) survives a scuffed or partly dirty drum label while keeping the symbol at version 4
# (33x33 modules) for our ~50-character URLs: at 5 cm that is 1.5 mm per module, easy for a phone camera.
ERROR_CORRECTION = ERROR_CORRECT_M


def qr_url(base_url: str, secret: str, kind: str, subject_id: int) -> str:
    return f"{base_url}/s/{make_token(secret, kind, subject_id)}"


def _code(data: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, box_size=10, border=4)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str, box_size: int = 10) -> bytes:
    code = _code(data)
    code.box_size = box_size
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def qr_svg(data: str) -> bytes:
    out = io.BytesIO()
    _code(data).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue()


def qr_version(data: str) -> int:
    return _code(data).version
