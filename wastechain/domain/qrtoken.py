"""Signed QR tokens: compact, carrying no personal data, refused when changed.

Scheme: base32(kind letter + id as 5 bytes + HMAC-SHA256 truncated to 10 bytes). An HMAC keeps the token short
(26 characters), so the whole URL fits a version 4 QR at level M, readable from a 5 cm label; an Ed25519
signature (64 bytes) would more than double it. Only our server needs to verify tokens, so a shared secret is
enough; 80 bits of tag make forgery by guessing hopeless.
"""
import base64
import hashlib
import hmac
from dataclasses import dataclass

from wastechain.domain.errors import InvalidQR
from wastechain.domain.text import N_

KINDS = {"manifest": b"M", "batch": b"B", "container": b"C"}
_KIND_BY_BYTE = {v: k for k, v in KINDS.items()}
TAG_BYTES = 10


@dataclass(frozen=True)
class QRSubject:
    kind: str
    id: int


def _key(secret: str) -> bytes:
    return hashlib.sha256(b"wastechain-qr:" + secret.encode()).digest()


def make_token(secret: str, kind: str, subject_id: int) -> str:
    body = KINDS[kind] + subject_id.to_bytes(5, "big")
    tag = hmac.new(_key(secret), body, hashlib.sha256).digest()[:TAG_BYTES]
    return base64.b32encode(body + tag).decode().rstrip("=")


FORGED = N_("二维码无效：签名不符，可能被篡改或伪造")


def read_token(secret: str, token: str) -> QRSubject:
    """The subject a token names, or InvalidQR when it was not made by us or was changed."""
    try:
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8))
    except (ValueError, TypeError):
        raise InvalidQR(N_("二维码无效：无法识别")) from None
    # Base32's last character carries 2 unused bits: without this check 4 spellings of one token would pass.
    if base64.b32encode(raw).decode().rstrip("=") != token.upper():
        raise InvalidQR(FORGED)
    body, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    expected = hmac.new(_key(secret), body, hashlib.sha256).digest()[:TAG_BYTES]
    if len(body) != 6 or not hmac.compare_digest(tag, expected) or body[:1] not in _KIND_BY_BYTE:
        raise InvalidQR(FORGED)
    return QRSubject(_KIND_BY_BYTE[body[:1]], int.from_bytes(body[1:], "big"))
