"""The service's master keys, each with a key id, and the keys derived from them, one per purpose.

One master key signs nothing itself: each purpose (page sessions, QR tokens, handover codes, day seals, event MACs)
uses its own key, derived with HKDF-SHA256 (RFC 5869) from the master key, the purpose's label and the key id. A key
made for QR tokens therefore cannot sign a session, and a leaked derived key does not reveal the master key.

Rotation: a new master key gets a new id (1-255) and becomes current; the old ones stay in the keyring as retired.
What is signed records the id of the key that signed it (a QR token carries it in one byte, a day seal in its
`key_id` column, an event's MAC as its prefix), so whatever an old key signed keeps verifying while the old key stays
in the keyring; removing a key from the keyring (after a compromise) makes everything it signed fail.

Key id 0 is what was signed before key ids existed: QR tokens whose id byte is 0 and seals without a key id were
made with the master key itself under the earlier scheme; they are checked against every master key in the ring.
"""
import hashlib
import hmac
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping

LEGACY_KEY_ID = 0
MAX_KEY_ID = 255
SESSION, QR, HANDOVER, DAY_SEAL, EVENT_MAC = "session", "qr-token", "handover-code", "day-seal", "event-mac"
TIPOFF = "tipoff-form"  # the public tip-off form's signed challenge (domain/tipoffs.py)
PURPOSES = (SESSION, QR, HANDOVER, DAY_SEAL, EVENT_MAC, TIPOFF)
_SALT = b"wastechain-keyring-v1"


class KeyringError(ValueError):
    """A keyring that cannot be used; the message says what is wrong."""


def hkdf_sha256(master: bytes, info: bytes, length: int = 32) -> bytes:
    """RFC 5869 HKDF with SHA-256, a fixed salt: extract, then expand to `length` bytes."""
    prk = hmac.new(_SALT, master, hashlib.sha256).digest()
    okm, block, counter = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        okm, counter = okm + block, counter + 1
    return okm[:length]


@lru_cache(maxsize=64)
def _derived(master: str, info: str) -> bytes:
    """A purpose's key, derived once per process: the night verifies an event MAC per event."""
    return hkdf_sha256(master.encode(), info.encode())


@dataclass(frozen=True)
class Keyring:
    """Master keys by id; `current_id` signs, every key in the ring verifies."""

    current_id: int
    masters: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self):
        if self.current_id not in self.masters:
            raise KeyringError(f"the current key id {self.current_id} has no key")
        for key_id, master in self.masters.items():
            if not 1 <= key_id <= MAX_KEY_ID:
                raise KeyringError(f"key ids run from 1 to {MAX_KEY_ID}, got {key_id}")
            if not master:
                raise KeyringError(f"key {key_id} is empty")

    @classmethod
    def single(cls, master: str, key_id: int = 1) -> "Keyring":
        return cls(current_id=key_id, masters={key_id: master})

    @classmethod
    def of(cls, value: "Keyring | str") -> "Keyring":
        """A keyring as given, or a plain master key (key id 1)."""
        return value if isinstance(value, Keyring) else cls.single(value)

    @property
    def current(self) -> str:
        return self.masters[self.current_id]

    @property
    def retired_ids(self) -> list[int]:
        return sorted((i for i in self.masters if i != self.current_id), reverse=True)

    def key(self, purpose: str, key_id: int | None = None) -> bytes:
        """The purpose's key under master key `key_id` (default: the current one); KeyError for an unknown id."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown key purpose {purpose!r}")
        key_id = self.current_id if key_id is None else key_id
        return _derived(self.masters[key_id], f"wastechain|{purpose}|key {key_id}")

    def fingerprint(self, key_id: int | None = None) -> str:
        """Names a master key without revealing it (16 hex digits), for logs and exported seals."""
        key_id = self.current_id if key_id is None else key_id
        return hkdf_sha256(self.masters[key_id].encode(), f"wastechain|fingerprint|key {key_id}".encode(), 8).hex()

    def sign(self, purpose: str, message: bytes, key_id: int | None = None) -> str:
        return hmac.new(self.key(purpose, key_id), message, hashlib.sha256).hexdigest()

    def verify(self, purpose: str, message: bytes, signature: str, key_id: int) -> bool:
        """Whether `signature` is the purpose's HMAC of `message` under key `key_id` (False for an unknown id)."""
        if key_id not in self.masters:
            return False
        return hmac.compare_digest(self.sign(purpose, message, key_id), signature or "")


def parse_keyring(current: str, current_id: int = 1, retired: str = "") -> Keyring:
    """The keyring from the configuration: the current key, its id, and retired keys as `id:key` items
    separated by commas, spaces or new lines."""
    masters = {current_id: current}
    for item in retired.replace(",", " ").split():
        key_id, sep, master = item.partition(":")
        if not sep or not key_id.strip().isdigit() or not master:
            raise KeyringError("RETIRED_SECRET_KEYS items are id:key (e.g. '1:9f3c…'), got one without an id")
        if int(key_id) in masters:
            raise KeyringError(f"key id {int(key_id)} is given twice")
        masters[int(key_id)] = master
    return Keyring(current_id=current_id, masters=masters)


def parse_key_file(text: str) -> tuple[str, int, str]:
    """A key file: one key per line, `id:key` or a bare key (id 1); the first is current, the others retired.

    Returns (current key, its id, the retired keys as `id:key` items) — the same three settings the
    environment gives (SECRET_KEY, SECRET_KEY_ID, RETIRED_SECRET_KEYS). Blank lines and `#` comments are skipped.
    """
    entries = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key_id, sep, master = line.partition(":")
        entries.append((int(key_id), master) if sep and key_id.isdigit() else (1, line))
    if not entries:
        return "", 1, ""
    (current_id, current), retired = entries[0], entries[1:]
    return current, current_id, " ".join(f"{i}:{k}" for i, k in retired)
