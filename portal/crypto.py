"""Reversible encryption for the few secrets the portal must give back later.

A meeting password has to reach attendees in their join link, so it cannot
be hashed; it is kept encrypted with a key derived from SECRET_KEY instead of
in clear.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


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
