import time

import pytest
from cryptography.fernet import Fernet

from conferencing.turbomeeting.passwords import (
    CODECS,
    PasswordCodec,
    PasswordDecodeError,
    decode_password,
    encode_password,
)

SECRET = "s3cret-pässword"


def test_plain_is_the_identity():
    assert encode_password("plain", "", SECRET) == SECRET
    assert decode_password("plain", "ignored", SECRET) == SECRET


def test_fernet_round_trips_and_hides_the_password():
    key = Fernet.generate_key().decode()
    token = encode_password("fernet", key, SECRET)
    assert SECRET not in token
    assert decode_password("fernet", key, token) == SECRET
    assert decode_password(" Fernet ", key, token) == SECRET


def test_fernet_with_another_key_fails_without_revealing_anything():
    token = encode_password("fernet", Fernet.generate_key().decode(), SECRET)
    other = Fernet.generate_key().decode()
    with pytest.raises(PasswordDecodeError) as caught:
        decode_password("fernet", other, token)
    assert SECRET not in str(caught.value)
    assert token not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


@pytest.mark.parametrize("token", ["", "not-a-token", SECRET, "gAAAAA" + "x" * 80])
def test_fernet_refuses_a_bad_token(token):
    with pytest.raises(PasswordDecodeError) as caught:
        decode_password("fernet", Fernet.generate_key().decode(), token)
    assert SECRET not in str(caught.value)


def test_fernet_refuses_a_bad_key_without_printing_it():
    with pytest.raises(PasswordDecodeError) as caught:
        decode_password("fernet", "too-short-key", "token")
    assert "too-short-key" not in str(caught.value)
    with pytest.raises(PasswordDecodeError):
        encode_password("fernet", "", SECRET)


def test_unknown_encoding_is_a_decode_error_and_a_value_error():
    with pytest.raises(PasswordDecodeError, match="unknown password encoding") as caught:
        decode_password("rot13", "", SECRET)
    assert isinstance(caught.value, ValueError)
    assert SECRET not in str(caught.value)


def test_codecs_are_pluggable(monkeypatch):
    monkeypatch.setitem(
        CODECS,
        "reversed",
        PasswordCodec(encode=lambda k, v: v[::-1], decode=lambda k, v, max_age: v[::-1]),
    )
    assert encode_password("reversed", "", "abc") == "cba"
    assert decode_password("reversed", "", "cba") == "abc"


def test_an_old_fernet_token_is_refused_once_max_age_has_passed():
    key = Fernet.generate_key()
    minted = int(time.time()) - 30 * 24 * 3600  # copied from a log a month ago
    token = Fernet(key).encrypt_at_time(SECRET.encode(), minted).decode()
    assert decode_password("fernet", key.decode(), token) == SECRET  # no limit asked
    with pytest.raises(PasswordDecodeError, match="too old") as caught:
        decode_password("fernet", key.decode(), token, max_age=300)
    assert SECRET not in str(caught.value)
    fresh = Fernet(key).encrypt(SECRET.encode()).decode()
    assert decode_password("fernet", key.decode(), fresh, max_age=300) == SECRET
