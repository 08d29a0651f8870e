"""Reversible encryption for the few secrets the portal must give back later.

Meeting-server credentials are sent to the server on each call, and a
meeting password has to reach attendees in their join link, so neither can
be hashed. Both are kept encrypted with CONFERENCING_SECRET_KEYS (Fernet
keys, newest first), not with a key derived from SECRET_KEY: rotating the
session key must not make them unreadable. To rotate, put a new key first in
CONFERENCING_SECRET_KEYS (keeping the old ones after it), deploy, run
`manage.py rotate_secrets`, then drop the old keys.
"""

from __future__ import annotations

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _secrets_fernet() -> MultiFernet:
    keys = settings.CONFERENCING_SECRET_KEYS
    if not keys:
        raise ImproperlyConfigured(
            "Set CONFERENCING_SECRET_KEYS (Fernet keys, newest first) to store meeting-server "
            "credentials and meeting passwords; make one with: python -c 'from "
            "cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(text: str) -> str:
    return _secrets_fernet().encrypt(text.encode()).decode() if text else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _secrets_fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("cannot decrypt: is its key in CONFERENCING_SECRET_KEYS?") from None


def rotate(token: str) -> str:
    """The same secret, encrypted with the first key of CONFERENCING_SECRET_KEYS."""
    return _secrets_fernet().rotate(token.encode()).decode() if token else ""


# --- meeting-server credentials: several values in one token -----------------


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
