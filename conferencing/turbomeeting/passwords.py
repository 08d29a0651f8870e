"""The user password on the authentication callback, under the key shared with the server.

The meeting server encrypts the password a user typed before calling the
portal's authentication URL (spec §6: "encrypted by a given private key and
the encryption algorithm"). The algorithm depends on the server build, so
codecs are a small registry chosen by name in the settings.

Errors never carry the password, the token or the key, and are raised
``from None``: a chained ``UnicodeDecodeError`` would print the decrypted bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken


class PasswordDecodeError(ValueError):
    """The password could not be decoded (wrong key, tampered token, unknown codec)."""


@dataclass(frozen=True)
class PasswordCodec:
    encode: Callable[[str, str], str]  # (key, password) -> token
    decode: Callable[[str, str, int | None], str]  # (key, token, max_age) -> password


def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode("ascii") if isinstance(key, str) else key)
    except (ValueError, TypeError):
        raise PasswordDecodeError(
            "the password key is not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None


def _fernet_encode(key: str, value: str) -> str:
    return _fernet(key).encrypt(value.encode("utf-8")).decode("ascii")


def _fernet_decode(key: str, value: str, max_age: int | None) -> str:
    """A token older than ``max_age`` seconds is refused: one read from a log is no use later."""
    fernet = _fernet(key)
    try:
        return fernet.decrypt(value.encode("utf-8"), ttl=max_age).decode("utf-8")
    except (InvalidToken, UnicodeError, TypeError):
        raise PasswordDecodeError(
            "the password token does not decrypt with the shared key, or is too old"
        ) from None


def _identity(key: str, value: str, max_age: int | None = None) -> str:
    return value


CODECS: dict[str, PasswordCodec] = {
    # Only for the fake server in development: the password travels as typed.
    "plain": PasswordCodec(encode=_identity, decode=_identity),
    "fernet": PasswordCodec(encode=_fernet_encode, decode=_fernet_decode),
}


def _codec(encoding: str) -> PasswordCodec:
    try:
        return CODECS[encoding.strip().lower()]
    except (KeyError, AttributeError):
        known = ", ".join(sorted(CODECS))
        raise PasswordDecodeError(
            f"unknown password encoding {encoding!r} (known: {known})"
        ) from None


def decode_password(encoding: str, key: str, value: str, *, max_age: int | None = None) -> str:
    """The password, from a token made at most ``max_age`` seconds ago where the codec
    carries a time (Fernet does)."""
    return _codec(encoding).decode(key, value, max_age)


def encode_password(encoding: str, key: str, value: str) -> str:
    return _codec(encoding).encode(key, value)
