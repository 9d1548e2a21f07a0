"""The event hash chain: intact chains verify; altered, removed or reordered events are found."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from wastechain.domain.hashing import (GENESIS_HASH, MAC_INVALID, MAC_MISSING, MAC_UNKNOWN_KEY, MacCheck,
                                       canonical_bytes, check_macs, event_hash, event_mac, verify_chain)
from wastechain.domain.keys import Keyring, parse_keyring

T0 = datetime(2026, 6, 1, 8, 30, tzinfo=timezone.utc)


def _chain(n: int = 4) -> list[tuple[int, str, str, dict]]:
    events, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        content = {"seq": seq, "type": f"step{seq}", "quantity_kg": Decimal("120.500"), "occurred_at": T0 + timedelta(hours=seq),
                   "lat": 28.97, "reason": "原因" if seq == 2 else None}
        digest = event_hash(prev, content)
        events.append((seq, prev, digest, content))
        prev = digest
    return events


def test_an_intact_chain_verifies():
    assert verify_chain(_chain()).ok is True
    assert verify_chain(_chain()).events == 4


def test_an_empty_chain_verifies():
    assert verify_chain([]).ok is True


def test_the_first_event_links_to_the_genesis_hash():
    assert _chain()[0][1] == "0" * 64


def test_an_altered_quantity_is_detected_at_its_event():
    events = _chain()
    seq, prev, digest, content = events[2]
    events[2] = (seq, prev, digest, {**content, "quantity_kg": Decimal("12.500")})
    check = verify_chain(events)
    assert check.ok is False and check.broken_at == 3


def test_an_altered_hash_breaks_the_next_link():
    events = _chain()
    seq, prev, _, content = events[1]
    events[1] = (seq, prev, "f" * 64, content)
    assert verify_chain(events).broken_at == 2


def test_a_removed_event_is_detected():
    events = _chain()
    del events[1]
    check = verify_chain(events)
    assert check.ok is False and check.broken_at == 3


def test_a_removed_last_event_leaves_a_shorter_valid_prefix_counted_by_events():
    assert verify_chain(_chain()[:-1]).events == 3


def test_reordered_events_are_detected():
    events = _chain()
    events[1], events[2] = events[2], events[1]
    assert verify_chain(events).ok is False


def test_a_rehashed_forgery_still_breaks_the_following_link():
    events = _chain()
    seq, prev, _, content = events[1]
    forged = {**content, "quantity_kg": Decimal("1.000")}
    events[1] = (seq, prev, event_hash(prev, forged), forged)
    assert verify_chain(events).broken_at == 3


def test_canonical_content_ignores_key_order():
    assert canonical_bytes({"a": 1, "b": 2}) == canonical_bytes({"b": 2, "a": 1})


def test_the_same_instant_in_another_offset_hashes_alike():
    # a device sends +08:00, the database gives back UTC: the hash must not depend on the offset
    china = T0.astimezone(timezone(timedelta(hours=8)))
    assert canonical_bytes({"t": china}) == canonical_bytes({"t": T0})


def test_decimal_quantities_hash_as_fixed_strings():
    assert canonical_bytes({"q": Decimal("120.500")}) == b'{"q":"120.500"}'


def test_an_event_hashes_alike_whether_its_vocabulary_is_strings_or_enum_members():
    # events are hashed as written (the service may pass strings) and verified as read back (enum members)
    from wastechain.domain.states import ManifestStatus, Step
    from wastechain.domain.vocabulary import Role
    from wastechain.models import ManifestEvent

    common = {"manifest_id": 7, "seq": 2, "actor_id": 3, "idempotency_key": "k-1", "occurred_at": T0,
              "recorded_at": T0, "lat": 28.97, "lon": 118.87, "quantity_kg": Decimal("120.500"), "accepted_kg": None,
              "rejected_kg": None, "reason": None, "method": None, "data": {"plate": "浙H12345"}}
    as_strings = ManifestEvent(**common, type="pickup", status_after="in_transit", actor_role="driver")
    as_members = ManifestEvent(**common, type=Step.PICKUP, status_after=ManifestStatus.IN_TRANSIT,
                               actor_role=Role.DRIVER)
    assert canonical_bytes(as_members.hashed_content()) == canonical_bytes(as_strings.hashed_content())
    assert b'"type":"pickup"' in canonical_bytes(as_members.hashed_content())
    assert event_hash(GENESIS_HASH, as_members.hashed_content()) == event_hash(GENESIS_HASH, as_strings.hashed_content())


# ---------------------------------------------------------------- keyed MACs (issue 11)

KEYS = parse_keyring("2" * 64, 2, f"1:{'1' * 64}")


def _chain_with_macs(keys, n=3):
    prev, events = GENESIS_HASH, []
    for seq in range(1, n + 1):
        digest = event_hash(prev, {"seq": seq})
        events.append((seq, seq, digest, event_mac(keys, digest), date(2026, 3, 1)))
        prev = digest
    return events


def test_a_mac_names_its_key_and_verifies_under_a_retired_key_while_that_key_is_in_the_ring():
    old = _chain_with_macs(Keyring.single("1" * 64, 1))
    assert old[0][3].startswith("1:")
    assert check_macs(KEYS, old, lambda *_: False).ok
    assert check_macs(Keyring.single("2" * 64, 2), old, lambda *_: False) == MacCheck(False, 1, MAC_UNKNOWN_KEY, 1)
    assert _chain_with_macs(KEYS)[0][3].startswith("2:")


def test_a_hash_recomputed_without_the_key_fails_its_mac():
    events = _chain_with_macs(KEYS)
    seq, event_id, _, mac, day = events[1]
    events[1] = (seq, event_id, event_hash(GENESIS_HASH, {"forged": True}), mac, day)
    assert check_macs(KEYS, events, lambda *_: True) == MacCheck(False, 2, MAC_INVALID, 2)


def test_an_event_without_a_mac_passes_only_where_the_service_vouches_and_never_after_a_keyed_one():
    events = _chain_with_macs(KEYS)
    legacy = [(seq, i, digest, None, day) for seq, i, digest, _, day in events]
    assert check_macs(KEYS, legacy, lambda *_: True).ok
    assert check_macs(KEYS, legacy, lambda *_: False) == MacCheck(False, 1, MAC_MISSING, None)
    stripped = events[:1] + legacy[1:]
    assert check_macs(KEYS, stripped, lambda *_: True) == MacCheck(False, 2, MAC_MISSING, None)
    assert check_macs(KEYS, legacy[:1] + events[1:], lambda *_: True).ok  # written before MACs, then with them
