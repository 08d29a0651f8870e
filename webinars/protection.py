"""What keeps the public registration forms usable by people and costly for bots.

- Form tokens: the embedded form sits in a third-party iframe where the
  browser may drop every cookie, so it cannot rely on the CSRF cookie. It
  carries a signed, time-limited token instead, bound to the webinar.
- Rate limits (django-ratelimit, on the ``limits`` cache: Redis, or the
  database, never process memory an attacker could flood): per client IP,
  per webinar, and per recipient address, so that the form cannot be used to
  send one inbox mail after mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage

from portal.net import client_network

TOKEN_SALT = "webinars.registration-form"


class BadFormToken(Exception):
    """The token is missing, tampered with, for another webinar, or expired; ``str`` says which."""


def form_token(webinar_id: int) -> str:
    return signing.dumps({"w": webinar_id}, salt=TOKEN_SALT, compress=False)


def check_form_token(token: str, webinar_id: int) -> None:
    if not token:
        raise BadFormToken(
            _("The form is missing its security token. Reload the page and try again.")
        )
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=settings.WEBINAR_FORM_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise BadFormToken(
            _("This form has expired. Please submit it again; your answers are kept.")
        ) from None
    except signing.BadSignature:
        raise BadFormToken(
            _("This form could not be verified. Reload the page and try again.")
        ) from None
    if not isinstance(data, dict) or data.get("w") != webinar_id:
        raise BadFormToken(
            _("This form belongs to another webinar. Reload the page and try again.")
        )


@dataclass(frozen=True)
class Limited:
    """A limit was hit: what to tell the person, and when to try again."""

    reason: str
    retry_after: int


def _hit(request: HttpRequest, group: str, value: str, rate: str) -> int | None:
    """Count one hit; the seconds to wait if over the limit, else None."""
    usage = get_usage(
        request, group=group, key=lambda group, request: value, rate=rate, increment=True
    )
    if usage is not None and usage["should_limit"]:
        return max(1, usage["time_left"])
    return None


def check_rate_limits(request: HttpRequest, webinar_id: int) -> Limited | None:
    """Count this submission against the per-IP and per-webinar limits."""
    wait = _hit(
        request, "webinars:ip", client_network(request) or "unknown", settings.WEBINAR_RATE_PER_IP
    )
    if wait is not None:
        return Limited(
            _("Too many registrations from your network. Please try again in %(wait)s.")
            % {"wait": _minutes(wait)},
            wait,
        )
    wait = _hit(request, "webinars:webinar", str(webinar_id), settings.WEBINAR_RATE_PER_WEBINAR)
    if wait is not None:
        return Limited(
            _("Many people are registering right now. Please try again in %(wait)s.")
            % {"wait": _minutes(wait)},
            wait,
        )
    return None


def check_recipient_limit(request: HttpRequest, email: str) -> Limited | None:
    """Count a valid submission for ``email``: each may send that address a mail."""
    recipient = email.strip().lower()
    wait = _hit(request, "webinars:recipient", recipient, settings.WEBINAR_RATE_PER_RECIPIENT)
    if wait is not None:
        return Limited(
            _("%(email)s has been registered too often recently. Please try again in %(wait)s.")
            % {"email": email, "wait": _minutes(wait)},
            wait,
        )
    return None


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext("a minute", "%(n)d minutes", minutes) % {"n": minutes}
