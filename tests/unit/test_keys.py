"""Master keys with ids and the keys derived from them: one per purpose, old ids keep verifying after rotation."""
import base64
import hashlib
import hmac
from datetime import date

import pytest

from wastechain.domain.anomalies import seal_signature
from wastechain.domain.errors import InvalidQR
from wastechain.domain.keys import (DAY_SEAL, HANDOVER, PURPOSES, QR, SESSION, Keyring, KeyringError, hkdf_sha256,
                                    parse_key_file, parse_keyring)
from wastechain.domain.qrtoken import make_token, read_token
from wastechain.domain.sealing import seal_signed, sign_seal, signing_key

OLD, NEW = "a" * 64, "b" * 64
BEFORE = Keyring.single(OLD, 1)
ROTATED = parse_keyring(NEW, 2, f"1:{OLD}")


def test_hkdf_matches_the_rfc_5869_construction():
    prk = hmac.new(b"wastechain-keyring-v1", b"master", hashlib.sha256).digest()
    first = hmac.new(prk, b"info\x01", hashlib.sha256).digest()
    second = hmac.new(prk, first + b"info\x02", hashlib.sha256).digest()
    assert hkdf_sha256(b"master", b"info", 40) == (first + second)[:40]


def test_each_purpose_has_its_own_key_and_none_is_the_master_key():
    derived = [BEFORE.key(purpose) for purpose in PURPOSES]
    assert len(set(derived)) == len(PURPOSES) and OLD.encode() not in derived
    assert BEFORE.key(SESSION) == Keyring.single(OLD, 1).key(SESSION)  # the same key derives the same keys
    assert Keyring.single(OLD, 2).key(SESSION) != BEFORE.key(SESSION)  # the key id is part of the derivation


def test_the_current_key_signs_and_retired_keys_still_verify():
    assert ROTATED.current_id == 2 and ROTATED.retired_ids == [1]
    message = b"seal"
    old_signature = BEFORE.sign(DAY_SEAL, message)
    assert ROTATED.verify(DAY_SEAL, message, old_signature, key_id=1)
    assert not ROTATED.verify(DAY_SEAL, message, old_signature, key_id=2)
    assert not Keyring.single(NEW, 2).verify(DAY_SEAL, message, old_signature, key_id=1)  # key 1 removed


def test_a_fingerprint_names_a_key_without_revealing_it():
    assert ROTATED.fingerprint(1) == BEFORE.fingerprint() != ROTATED.fingerprint()
    assert len(BEFORE.fingerprint()) == 16 and OLD not in BEFORE.fingerprint()


@pytest.mark.parametrize("retired, message", [("1", "id:key"), ("x:abc", "id:key"), ("2:abc", "twice")])
def test_a_bad_list_of_retired_keys_is_refused(retired, message):
    with pytest.raises(KeyringError, match=message):
        parse_keyring(NEW, 2, retired)


def test_key_ids_run_from_1_to_255():
    with pytest.raises(KeyringError):
        Keyring.single(NEW, 256)
    with pytest.raises(KeyringError):
        Keyring.single(NEW, 0)


def test_a_key_file_holds_the_current_key_first_and_the_retired_ones_after_it():
    assert parse_key_file(f"{OLD}\n") == (OLD, 1, "")  # what ./scripts/run.sh writes
    assert parse_key_file(f"# rotated 2026-12-01\n2:{NEW}\n\n1:{OLD}\n") == (NEW, 2, f"1:{OLD}")
    assert parse_key_file("") == ("", 1, "")


# ---------------------------------------------------------------- QR tokens

def test_a_printed_label_keeps_scanning_after_the_key_is_rotated():
    token = make_token(BEFORE, "batch", 42)
    subject = read_token(ROTATED, token)
    assert (subject.kind, subject.id, subject.key_id) == ("batch", 42, 1)
    assert read_token(ROTATED, make_token(ROTATED, "batch", 42)).key_id == 2
    assert len(make_token(ROTATED, "manifest", 2**31 - 1)) == 26


def test_a_label_of_a_key_removed_from_the_keyring_is_refused():
    with pytest.raises(InvalidQR):
        read_token(Keyring.single(NEW, 2), make_token(BEFORE, "batch", 42))


def test_a_token_claiming_another_key_id_is_refused():
    raw = bytearray(base64.b32decode(make_token(ROTATED, "manifest", 7) + "======"))
    raw[1] = 1  # says key 1, signed with key 2
    with pytest.raises(InvalidQR):
        read_token(ROTATED, base64.b32encode(bytes(raw)).decode().rstrip("="))


def test_a_token_made_before_key_ids_existed_still_scans():
    body = b"M" + (1234).to_bytes(5, "big")  # the earlier scheme: kind, 5-byte id, tag with sha256(label + key)
    key = hashlib.sha256(b"wastechain-qr:" + OLD.encode()).digest()
    legacy = base64.b32encode(body + hmac.new(key, body, hashlib.sha256).digest()[:10]).decode().rstrip("=")
    subject = read_token(ROTATED, legacy)
    assert (subject.kind, subject.id, subject.key_id) == ("manifest", 1234, 0)
    with pytest.raises(InvalidQR):
        read_token(Keyring.single(NEW, 2), legacy)


def test_the_qr_key_is_not_the_handover_or_session_key():
    assert len({ROTATED.key(QR), ROTATED.key(HANDOVER), ROTATED.key(SESSION)}) == 3


# ---------------------------------------------------------------- day seals

DAY = date(2026, 11, 20)


def test_a_seal_records_its_key_id_and_verifies_after_rotation():
    key_id, signature = sign_seal(BEFORE, DAY, 3, "r" * 64, prev_day=date(2026, 11, 19), prev_root="p" * 64)
    assert key_id == 1
    assert signing_key(ROTATED, DAY, 3, "r" * 64, signature, key_id=1, prev_day=date(2026, 11, 19),
                       prev_root="p" * 64) == 1
    assert not seal_signed(ROTATED, DAY, 4, "r" * 64, signature, key_id=1, prev_day=date(2026, 11, 19),
                           prev_root="p" * 64)  # the count changed
    assert not seal_signed(ROTATED, DAY, 3, "r" * 64, signature, key_id=2, prev_day=date(2026, 11, 19),
                           prev_root="p" * 64)  # another key id claimed


def test_a_seal_signed_before_key_ids_existed_verifies_under_the_master_key_that_signed_it():
    legacy = seal_signature(OLD, DAY, 3, "r" * 64)
    assert signing_key(ROTATED, DAY, 3, "r" * 64, legacy, key_id=None) == 1
    assert not seal_signed(Keyring.single(NEW, 2), DAY, 3, "r" * 64, legacy, key_id=None)
