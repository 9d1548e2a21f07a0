"""Signed QR tokens: compact, carrying no personal data, refused when changed.

Scheme: base32(kind letter + key id (1 byte) + id (4 bytes) + HMAC-SHA256 truncated to 10 bytes). An HMAC keeps the
token short (26 characters), so the whole URL fits a version 4 QR at level M, readable from a 5 cm label; an
Ed25519 signature (64 bytes) would more than double it. Only our server needs to verify tokens, so a shared secret
is enough; 80 bits of tag make forgery by guessing hopeless.

The HMAC key is the keyring's QR key (domain/keys.py) under the key id the token carries, so labels printed before
a key rotation keep scanning while the old key stays in the keyring. Tokens made before key ids existed had a 5-byte
id whose first byte is 0 for every id below 2³²: they read as key id 0 and are checked with the earlier key
(sha256 of a label and the master key) of each master key in the ring.
"""
import base64
import hashlib
import hmac
from dataclasses import dataclass

from wastechain.domain.errors import InvalidQR
from wastechain.domain.keys import LEGACY_KEY_ID, QR, Keyring
from wastechain.domain.text import N_

KINDS = {"manifest": b"M", "batch": b"B", "container": b"C"}
_KIND_BY_BYTE = {v: k for k, v in KINDS.items()}
TAG_BYTES = 10
BODY_BYTES = 6  # kind, key id, subject id (4 bytes)


@dataclass(frozen=True)
class QRSubject:
    kind: str
    id: int
    key_id: int = LEGACY_KEY_ID


def _legacy_key(master: str) -> bytes:
    return hashlib.sha256(b"wastechain-qr:" + master.encode()).digest()


def _tag(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()[:TAG_BYTES]


FORGED = N_("二维码无效：签名不符，可能被篡改或伪造")


def make_token(keys: Keyring | str, kind: str, subject_id: int) -> str:
    """A token for the subject under the keyring's current key (a plain string: one key, id 1)."""
    keys = Keyring.of(keys)
    body = KINDS[kind] + bytes([keys.current_id]) + subject_id.to_bytes(4, "big")
    return base64.b32encode(body + _tag(keys.key(QR), body)).decode().rstrip("=")


def read_token(keys: Keyring | str, token: str) -> QRSubject:
    """The subject a token names, or InvalidQR when it was not made by us or was changed."""
    keys = Keyring.of(keys)
    try:
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8))
    except (ValueError, TypeError):
        raise InvalidQR(N_("二维码无效：无法识别")) from None
    # Base32's last character carries 2 unused bits: without this check 4 spellings of one token would pass.
    if base64.b32encode(raw).decode().rstrip("=") != token.upper():
        raise InvalidQR(FORGED)
    body, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    if len(body) != BODY_BYTES or body[:1] not in _KIND_BY_BYTE or not _tag_ok(keys, body, tag):
        raise InvalidQR(FORGED)
    return QRSubject(_KIND_BY_BYTE[body[:1]], int.from_bytes(body[2:], "big"), key_id=body[1])


def _tag_ok(keys: Keyring, body: bytes, tag: bytes) -> bool:
    key_id = body[1]
    if key_id == LEGACY_KEY_ID:
        candidates = [_legacy_key(master) for master in keys.masters.values()]
    elif key_id in keys.masters:
        candidates = [keys.key(QR, key_id)]
    else:
        return False  # a key that was retired and removed, or never ours
    return any(hmac.compare_digest(tag, _tag(key, body)) for key in candidates)
