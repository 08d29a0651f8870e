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

import functools
import time
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.http import HttpRequest
from django.utils.translation import gettext as _, ngettext
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


@dataclass(frozen=True)
class _Limit:
    group: str
    value: str
    rate: str  # "count/seconds"

    def period(self) -> int:
        return int(self.rate.split("/")[1])

    def over(self, count: int, now: int) -> int | None:
        """The seconds to wait once ``count`` hits are over the limit (to the window's end)."""
        if count <= int(self.rate.split("/")[0]):
            return None
        return max(1, _window_end(now, self.period()) - now)


def _window_end(now: int, period: int) -> int:
    return (now // period + 1) * period


def _hit_all(request: HttpRequest, limits: list[_Limit], now: int) -> list[int | None]:
    """Count one hit on each limit; for each, the seconds to wait if over it, else None.

    With Redis, every limit in one round trip: a pipeline of SET NX EX (a window's
    counter is created once, with its expiry) and INCR per limit, fixed windows as
    django-ratelimit counts them. Without Redis, django-ratelimit counts them in the
    database cache, one limit after another.
    """
    if not settings.REDIS_URL:
        return [_hit(request, limit) for limit in limits]
    pipeline = _redis().pipeline(transaction=False)
    for limit in limits:
        key = _key(limit, now)
        pipeline.set(key, 0, ex=limit.period() + 1, nx=True)
        pipeline.incr(key)
    counts = pipeline.execute()[1::2]
    return [limit.over(count, now) for limit, count in zip(limits, counts, strict=True)]


def _key(limit: _Limit, now: int) -> str:
    """The limit's counter in the window that holds ``now`` (named as the cache names keys)."""
    window = _window_end(now, limit.period())
    return caches[settings.RATELIMIT_USE_CACHE].make_key(f"rl:{limit.group}:{window}:{limit.value}")


@functools.cache
def _redis() -> redis.Redis:
    """The limits' Redis (settings: the "limits" cache is REDIS_URL), one pool a process."""
    return redis.Redis.from_url(settings.REDIS_URL)


def _hit(request: HttpRequest, limit: _Limit) -> int | None:
    """Count one hit with django-ratelimit; the seconds to wait if over the limit, else None."""
    usage = get_usage(
        request,
        group=limit.group,
        key=lambda group, request: limit.value,
        rate=limit.rate,
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        return max(1, usage["time_left"])
    return None


def check_rate_limits(
    request: HttpRequest, webinar_id: int, *, recipient: str | None = None
) -> Limited | None:
    """Count this submission against the per-IP and per-webinar limits, and, for a valid
    submission (``recipient``, its address), the per-recipient one: each may send that
    address a mail. A submission refused by the first two does not count against the
    recipient (someone flooding the form cannot lock a stranger out of registering)."""
    limits = [
        _Limit("webinars:ip", client_network(request) or "unknown", settings.WEBINAR_RATE_PER_IP),
        _Limit("webinars:webinar", str(webinar_id), settings.WEBINAR_RATE_PER_WEBINAR),
    ]
    if recipient is not None:
        address = recipient.strip().lower()
        limits.append(_Limit("webinars:recipient", address, settings.WEBINAR_RATE_PER_RECIPIENT))
    now = int(time.time())
    if recipient is not None and not settings.REDIS_URL:
        # Counted one after another: the recipient only once the others let it through.
        waits = _hit_all(request, limits[:2], now)
        if waits == [None, None]:
            waits += _hit_all(request, limits[2:], now)
    else:
        waits = _hit_all(request, limits, now)
        if recipient is not None and (waits[0] is not None or waits[1] is not None):
            # Refused before it: not counted after all (in the window it was counted in).
            _redis().decr(_key(limits[2], now))
    ip, webinar, *rest = waits
    if ip is not None:
        return Limited(
            _("Too many registrations from your network. Please try again in %(wait)s.")
            % {"wait": _minutes(ip)},
            ip,
        )
    if webinar is not None:
        return Limited(
            _("Many people are registering right now. Please try again in %(wait)s.")
            % {"wait": _minutes(webinar)},
            webinar,
        )
    if rest and rest[0] is not None:
        return Limited(
            _("%(email)s has been registered too often recently. Please try again in %(wait)s.")
            % {"email": recipient, "wait": _minutes(rest[0])},
            rest[0],
        )
    return None


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext("a minute", "%(n)d minutes", minutes) % {"n": minutes}
