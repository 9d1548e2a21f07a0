"""Signed QR tokens: they round-trip, and a changed token or another secret is refused."""
import pytest

from wastechain.domain.errors import InvalidQR
from wastechain.domain.qrtoken import make_token, read_token

SECRET = "s3cret"


@pytest.mark.parametrize("kind, subject_id", [("manifest", 1), ("batch", 42), ("container", 2**32 - 1)])
def test_a_token_names_its_kind_and_id(kind, subject_id):
    subject = read_token(SECRET, make_token(SECRET, kind, subject_id))
    assert (subject.kind, subject.id) == (kind, subject_id)


def test_a_token_is_short_and_url_safe():
    token = make_token(SECRET, "manifest", 123456)
    assert len(token) == 26 and token.isalnum() and token.isupper()


def test_a_lowercased_token_still_reads():
    assert read_token(SECRET, make_token(SECRET, "batch", 7).lower()).id == 7


@pytest.mark.parametrize("position", [0, 5, 12, 23, 25])
def test_a_token_with_one_character_altered_is_refused(position):
    token = make_token(SECRET, "manifest", 1)
    replacement = "A" if token[position] != "A" else "B"
    with pytest.raises(InvalidQR):
        read_token(SECRET, token[:position] + replacement + token[position + 1:])


def test_a_token_made_with_another_secret_is_refused():
    with pytest.raises(InvalidQR) as caught:
        read_token(SECRET, make_token("another", "manifest", 1))
    assert caught.value.code == "INVALID_QR"


def test_a_token_for_another_id_is_not_derivable_from_one_seen():
    seen = make_token(SECRET, "manifest", 1)
    assert seen != make_token(SECRET, "manifest", 2)


@pytest.mark.parametrize("token", ["", "!!!!", "A", "AAAAAAAAAAAAAAAAAAAAAAAA", "1234567890", "M" * 200])
def test_garbage_is_refused(token):
    with pytest.raises(InvalidQR):
        read_token(SECRET, token)


def test_the_unused_bits_of_the_last_character_cannot_be_altered():
    token = make_token(SECRET, "manifest", 1)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    for char in alphabet.replace(token[-1], ""):
        with pytest.raises(InvalidQR):
            read_token(SECRET, token[:-1] + char)


def test_a_padded_token_is_refused():
    with pytest.raises(InvalidQR):
        read_token(SECRET, make_token(SECRET, "manifest", 1) + "======")
