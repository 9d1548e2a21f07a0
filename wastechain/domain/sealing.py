"""Day-seal signatures under the keyring: the seal key derived for the key id the seal records.

A seal signed under key ids covers the day, its event count, its Merkle root, the link to the previous sealed day
and the key id itself. A seal without a key id (signed before key ids existed) was signed with a master key directly
(`anomalies.seal_signature`); it is checked against every master key in the keyring.
"""
from datetime import date

from wastechain.domain.anomalies import seal_ok as legacy_seal_ok
from wastechain.domain.keys import DAY_SEAL, Keyring


def seal_message(day: date, count: int, root: str, *, prev_day: date | None, prev_root: str | None,
                 key_id: int) -> bytes:
    message = f"wastechain-day-seal|{day.isoformat()}|{count}|{root}"
    if prev_day is not None:
        message += f"|prev|{prev_day.isoformat()}|{prev_root}"
    return f"{message}|key|{key_id}".encode()


def sign_seal(keys: Keyring | str, day: date, count: int, root: str, *, prev_day: date | None = None,
              prev_root: str | None = None) -> tuple[int, str]:
    """(key id, signature) under the keyring's current key."""
    keys = Keyring.of(keys)
    message = seal_message(day, count, root, prev_day=prev_day, prev_root=prev_root, key_id=keys.current_id)
    return keys.current_id, keys.sign(DAY_SEAL, message)


def signing_key(keys: Keyring | str, day: date, count: int | None, root: str | None, signature: str | None, *,
                key_id: int | None, prev_day: date | None = None, prev_root: str | None = None) -> int | None:
    """The id of the master key under which the seal's signature verifies, or None when none does.

    For a seal without a key id, the id of the master key that signed it under the earlier scheme."""
    keys = Keyring.of(keys)
    if root is None or count is None or not signature:
        return None
    if key_id is None:
        return next((i for i, master in keys.masters.items()
                     if legacy_seal_ok(master, day, count, root, signature, prev_day=prev_day, prev_root=prev_root)),
                    None)
    message = seal_message(day, count, root, prev_day=prev_day, prev_root=prev_root, key_id=key_id)
    return key_id if keys.verify(DAY_SEAL, message, signature, key_id) else None


def seal_signed(keys: Keyring | str, day: date, count: int | None, root: str | None, signature: str | None, *,
                key_id: int | None, prev_day: date | None = None, prev_root: str | None = None) -> bool:
    return signing_key(keys, day, count, root, signature, key_id=key_id, prev_day=prev_day,
                       prev_root=prev_root) is not None
