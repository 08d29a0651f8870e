"""Reversible encryption for the few secrets the portal must give back later.

A meeting password has to reach attendees in their join link, so it cannot
be hashed; it is kept encrypted with a key derived from SECRET_KEY instead of
in clear.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"portal.crypto:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("cannot decrypt: was SECRET_KEY changed?") from None


# --- meeting-server credentials ---------------------------------------------------
#
# Kept with keys of their own (CONFERENCING_SECRET_KEYS, Fernet keys), not
# derived from SECRET_KEY: rotating the session key must not lose them, and a
# new key is added in front of the old ones, then `manage.py
# servers_rotate_secrets` re-encrypts every record with it.


def _secrets_fernet() -> MultiFernet:
    keys = settings.CONFERENCING_SECRET_KEYS
    if not keys:
        raise ImproperlyConfigured(
            "Set CONFERENCING_SECRET_KEYS (Fernet keys, newest first) to store meeting-server "
            "credentials; make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'"
        )
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_secrets(values: dict[str, str]) -> str:
    if not values:
        return ""
    return _secrets_fernet().encrypt(json.dumps(values).encode()).decode()


def decrypt_secrets(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        return json.loads(_secrets_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ValueError(
            "cannot decrypt the server's credentials: is its key in CONFERENCING_SECRET_KEYS?"
        ) from None


def rotate_secrets(token: str) -> str:
    """The same secrets, encrypted with the first key of CONFERENCING_SECRET_KEYS."""
    return _secrets_fernet().rotate(token.encode()).decode() if token else ""
