"""The event hash chain: each event's hash covers its canonical content and the previous event's hash.

The hash is public (anyone can recompute a chain after editing it); each event also carries a MAC of its hash under
the keyring's event key, which only the service can make. See `check_macs` for the events written before MACs.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Callable, Iterable

from wastechain.domain.keys import EVENT_MAC, Keyring

GENESIS_HASH = "0" * 64


def _canonical_value(value):
    if isinstance(value, datetime):
        # One instant, one text: a device's +08:00 and the database's UTC must hash alike.
        utc = value.astimezone(timezone.utc) if value.tzinfo else value
        return utc.isoformat(timespec="microseconds")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    return value


def canonical_bytes(content: dict) -> bytes:
    """Sorted keys, no whitespace, decimals and times as fixed strings: the same content always hashes alike."""
    normal = {k: _canonical_value(v) for k, v in content.items()}
    return json.dumps(normal, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(prev_hash: str, content: dict) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical_bytes(content)).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    broken_at: int | None = None  # sequence number of the first event that does not match


def verify_chain(events: list[tuple[int, str, str, dict]]) -> ChainCheck:
    """Recomputes a chain given (seq, prev_hash, hash, content) in order; seq must run 1, 2, 3 … with no gap."""
    expected_prev = GENESIS_HASH
    for position, (seq, prev_hash, stored_hash, content) in enumerate(events, start=1):
        if seq != position or prev_hash != expected_prev or event_hash(prev_hash, content) != stored_hash:
            return ChainCheck(False, len(events), seq)
        expected_prev = stored_hash
    return ChainCheck(True, len(events))


# ---------------------------------------------------------------- keyed MACs over the public hashes

MAC_MISSING, MAC_UNKNOWN_KEY, MAC_INVALID = "mac_missing", "mac_unknown_key", "mac_invalid"


def event_mac(keys: Keyring, hash_: str) -> str:
    """`<key id>:<HMAC-SHA256 of the event's hash>` under the current key's event key."""
    return f"{keys.current_id}:{keys.sign(EVENT_MAC, hash_.encode())}"


def mac_key_id(mac: str | None) -> int | None:
    key_id, sep, _ = (mac or "").partition(":")
    return int(key_id) if sep and key_id.isdigit() else None


def mac_problem(keys: Keyring, hash_: str, mac: str | None) -> str | None:
    """None when the MAC verifies under the key id it names (current or retired), else what is wrong with it."""
    if not mac:
        return MAC_MISSING
    key_id = mac_key_id(mac)
    if key_id is not None and key_id not in keys.masters:
        return MAC_UNKNOWN_KEY
    if key_id is None or not keys.verify(EVENT_MAC, hash_.encode(), mac.partition(":")[2], key_id):
        return MAC_INVALID
    return None


@dataclass(frozen=True)
class MacCheck:
    ok: bool
    broken_at: int | None = None  # sequence number of the first event whose MAC fails
    problem: str | None = None  # MAC_MISSING, MAC_UNKNOWN_KEY or MAC_INVALID
    key_id: int | None = None  # the key id the failing MAC names


def check_macs(keys: Keyring, events: Iterable[tuple[int, int, str, str | None, date]],
               legacy_ok: Callable[[int, date], bool]) -> MacCheck:
    """Checks the MACs of a manifest's events given (seq, id, hash, mac, business day) in order.

    An event without a MAC passes only as one written before MACs existed: no earlier event of its chain has a MAC
    (else one was stripped) and `legacy_ok(id, day)` (the service's rule: its day's signed seal still matches).
    """
    keyed = False
    for seq, event_id, hash_, mac, day in events:
        problem = mac_problem(keys, hash_, mac)
        if problem == MAC_MISSING and not keyed and legacy_ok(event_id, day):
            continue
        if problem:
            return MacCheck(False, seq, problem, mac_key_id(mac))
        keyed = True
    return MacCheck(True)
