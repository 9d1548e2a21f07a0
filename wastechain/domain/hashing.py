"""The event hash chain: each event's hash covers its canonical content and the previous event's hash."""
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

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
