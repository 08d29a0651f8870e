"""Failed sign-ins, counted per account across every way in.

The dashboard, the API's token endpoint and the meeting server's /tm/auth
all sign people in through django.contrib.auth.authenticate(), so counting
in its ``user_login_failed`` signal and refusing in a first authentication
backend covers them all: guessing through one door does not reset another.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver


def _key(username: str) -> str:
    return "signin-failures:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()


def is_locked(username: str) -> bool:
    return cache.get(_key(username), 0) >= settings.TM_AUTH_MAX_FAILURES


def record_failure(username: str) -> None:
    if not username:
        return
    key = _key(username)
    cache.add(key, 0, settings.TM_AUTH_LOCKOUT_SECONDS)  # atomic where the cache is (Redis)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, settings.TM_AUTH_LOCKOUT_SECONDS)


def reset(username: str) -> None:
    cache.delete(_key(username))


class LockoutBackend(ModelBackend):
    """First in AUTHENTICATION_BACKENDS: a locked account is refused before any password check.

    It checks no password itself; it is a ModelBackend only so that sessions
    naming it as their backend (Django's force_login takes the first) load.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username and is_locked(username):
            raise PermissionDenied("too many failed sign-ins")  # stops the other backends
        return None


@receiver(user_login_failed, dispatch_uid="lockout-count")
def _count_failure(sender, credentials, request=None, **kwargs) -> None:
    record_failure(credentials.get("username") or "")


@receiver(user_logged_in, dispatch_uid="lockout-reset")
def _reset_on_sign_in(sender, user, request=None, **kwargs) -> None:
    reset(user.get_username())
