"""Failed sign-ins: locked per (account, address), throttled per address.

The dashboard, the API's token endpoint and a meeting server's sign-in callback
all sign people in through django.contrib.auth.authenticate() with the
request, so two guards placed first in AUTHENTICATION_BACKENDS cover them all:

- django-axes locks an account *from one address* after
  ``SIGNIN_MAX_FAILURES`` failures (AXES_LOCKOUT_PARAMETERS). A stranger
  guessing a host's password on the public sign-in locks only their own
  address out. Axes keeps its counts in the database, where no flood of
  other names can push them out. An IPv6 address counts as its /64.
- A meeting server's addresses (those its vendor's callbacks accept:
  ``VendorHooks.is_server_address``) stand for every user of that server,
  strangers included, where the server does not pass on the person's own
  address: from there an account is locked only after
  ``SIGNIN_SERVER_MAX_FAILURES``, far more than a person types, so that a
  stranger's few guesses in the vendor's client app do not lock the host
  out of it.
- ``AddressThrottleBackend`` refuses every sign-in from an address that
  failed ``SIGNIN_FAILURES_PER_ADDRESS`` times, whatever the names it tried
  (django-ratelimit, on the ``limits`` cache: Redis, or the database). It
  lets through an account that signed in from that address (/64) in the
  last ``KNOWN_FOR`` seconds, so that hosts behind one NAT do not lock each
  other out; the per-account lock still holds for them. The meeting
  server's addresses are not throttled.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage

from portal import vendors
from portal.net import client_network

THROTTLE_GROUP = "signin-failures"
#: How long an account stays known at an address it signed in from.
KNOWN_FOR = 30 * 86400


def username(request: HttpRequest | None, credentials: dict | None) -> str:
    """The account a sign-in names, as axes records it: emails are not case-sensitive."""
    name = (credentials or {}).get("username")
    if name is None and request is not None:
        name = request.POST.get("username")
    return _account(name)


def _account(name: str | None) -> str:
    # As stored (axes keeps 255 characters); a NUL no database column takes.
    return (name or "").strip().lower().replace("\x00", "")[:255]


def failure_limit(request, credentials) -> int:
    """AXES_FAILURE_LIMIT, read at each sign-in so that it follows the settings."""
    if request is not None and _from_meeting_server(request):
        return settings.SIGNIN_SERVER_MAX_FAILURES
    return settings.SIGNIN_MAX_FAILURES


def cool_off(request) -> dt.timedelta:
    """AXES_COOLOFF_TIME: how long an account stays locked from one address."""
    return dt.timedelta(seconds=settings.SIGNIN_LOCKOUT_SECONDS)


def refused(request: HttpRequest) -> str:
    """Why the guards refused this request's sign-in, or '' when they did not."""
    if getattr(request, "signin_throttled", False):
        return "Too many failed sign-ins from your network. Try again later."
    if getattr(request, "axes_locked_out", False):
        return "Too many failed sign-ins. Try again later."
    return ""


def keep_response(request, original_response=None, credentials=None) -> HttpResponse | None:
    """AXES_LOCKOUT_CALLABLE: each door already says why (``refused``) in its own format
    (a form error, a JSON reason, the spec's FAILED), so axes's own page is not wanted."""
    return original_response


def _address_key(group: str, request: HttpRequest) -> str:
    return client_network(request) or "unknown"


def _from_meeting_server(request: HttpRequest) -> bool:
    return vendors.from_a_meeting_server(request)


def _known_key(request: HttpRequest, name: str) -> str:
    digest = hashlib.sha256(f"{client_network(request)} {name}".encode()).hexdigest()
    return f"signin-known:{digest}"


def _usage(request: HttpRequest, *, increment: bool) -> dict | None:
    return get_usage(
        request,
        group=THROTTLE_GROUP,
        key=_address_key,
        rate=settings.SIGNIN_FAILURES_PER_ADDRESS,
        increment=increment,
    )


class AddressThrottleBackend(BaseBackend):
    """Second in AUTHENTICATION_BACKENDS, after axes: checks no password itself."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or _from_meeting_server(request):
            return None
        if caches[settings.RATELIMIT_USE_CACHE].get(_known_key(request, _account(username))):
            return None
        usage = _usage(request, increment=False)
        if usage and usage["count"] >= usage["limit"]:
            request.signin_throttled = True
            raise PermissionDenied("too many failed sign-ins from this address")
        return None


@receiver(user_login_failed, dispatch_uid="signin-address-throttle")
def _count_failure(sender, credentials, request=None, **kwargs) -> None:
    if request is not None and not _from_meeting_server(request):
        _usage(request, increment=True)


@receiver(user_logged_in, dispatch_uid="signin-known-address")
def _remember_address(sender, request=None, user=None, **kwargs) -> None:
    if request is not None and user is not None:
        key = _known_key(request, _account(user.get_username()))
        caches[settings.RATELIMIT_USE_CACHE].set(key, True, KNOWN_FOR)
