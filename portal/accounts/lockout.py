"""Failed sign-ins: locked per (account, address), throttled per address.

The dashboard, the API's token endpoint and the meeting server's /tm/auth
all sign people in through django.contrib.auth.authenticate() with the
request, so two guards placed first in AUTHENTICATION_BACKENDS cover them all:

- django-axes locks an account *from one address* after
  ``SIGNIN_MAX_FAILURES`` failures (AXES_LOCKOUT_PARAMETERS). A stranger
  guessing a host's password on the public sign-in locks only their own
  address out; the host, and the meeting server calling /tm/auth for the
  host from its own address, still get in. Axes keeps its counts in the
  database, where no flood of other names can push them out.
- ``AddressThrottleBackend`` refuses every sign-in from an address that
  failed ``SIGNIN_FAILURES_PER_ADDRESS`` times, whatever the names it tried
  (django-ratelimit, on the ``limits`` cache: Redis, or the database). The
  meeting server's addresses (TM_CALLBACK_ALLOWED_IPS) are not throttled:
  every TurboMeeting user signs in through them, and the lock per account
  and address still holds there.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import get_usage

from portal.net import client_ip, in_networks

THROTTLE_GROUP = "signin-failures"


def username(request: HttpRequest | None, credentials: dict | None) -> str:
    """The account a sign-in names, as axes records it: emails are not case-sensitive."""
    name = (credentials or {}).get("username")
    if name is None and request is not None:
        name = request.POST.get("username")
    # As stored (axes keeps 255 characters); a NUL no database column takes.
    return (name or "").strip().lower().replace("\x00", "")[:255]


def failure_limit(request, credentials) -> int:
    """AXES_FAILURE_LIMIT, read at each sign-in so that it follows the settings."""
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
    return client_ip(request) or "unknown"


def _is_throttled_address(request: HttpRequest) -> bool:
    return not in_networks(client_ip(request), settings.TM_CALLBACK_ALLOWED_IPS)


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
        if request is None or not _is_throttled_address(request):
            return None
        usage = _usage(request, increment=False)
        if usage and usage["count"] >= usage["limit"]:
            request.signin_throttled = True
            raise PermissionDenied("too many failed sign-ins from this address")
        return None


@receiver(user_login_failed, dispatch_uid="signin-address-throttle")
def _count_failure(sender, credentials, request=None, **kwargs) -> None:
    if request is not None and _is_throttled_address(request):
        _usage(request, increment=True)
