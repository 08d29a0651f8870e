"""HTTP plumbing every backend shares: one pooled session, and the one rule for resending.

Retries are the backend's own (``retry_delay``), never urllib3's: only the
backend knows which calls are reads, and resending a write the server may
have applied could do it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import NewConnectionError

from conferencing.base import ServerUnavailable

POOL_SIZE = 32


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str = "GET"
    retry_safe: bool = False  # safe to send again when no answer came back


def retry_delay(
    endpoint: Endpoint, error: Exception, attempt: int, *, retries: int, backoff: float
) -> float | None:
    """Seconds to wait before sending ``endpoint`` again after ``attempt`` (0-based) failed.

    ``None`` means give up. Only reads are resent, and only when nothing came
    back: a refusal or a malformed answer will not change by asking again, and
    resending a write the server may have applied could create it twice.
    """
    if not endpoint.retry_safe or not isinstance(error, ServerUnavailable):
        return None
    if attempt >= retries:
        return None
    return backoff * 2**attempt


def never_sent(exc: requests.RequestException) -> bool:
    """True when the connection was never made (refused, unresolvable), so the server
    cannot have seen the request; a connection dropped after sending is not that."""
    cause = exc.args[0] if exc.args else None
    return isinstance(getattr(cause, "reason", cause), NewConnectionError)


def base_url_checked(url: str) -> str:
    """``url`` without its trailing "/", if a client may append its own paths to it.

    http(s) with a host, and no user, query or fragment: after ``?`` or ``#``
    the path a client appends would be part of the query or the fragment, and
    the request would go to whatever URL the record names instead of the
    backend's own endpoint. The URL is not echoed: it might hold a password.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the server URL must start with http:// or https:// and name a host")
    parts.port  # noqa: B018  (raises ValueError for a port that is not a number in range)
    if "@" in parts.netloc or "?" in url or "#" in url:
        raise ValueError("the server URL must have no user name, password, query or fragment")
    return url.rstrip("/")


class NoRedirectSession(requests.Session):
    """A session that never follows a redirect, whatever a call asks: a backend talks to its
    base URL and nowhere else, so an answer of 3xx is an answer, not a new address."""

    def request(self, method, url, *args, **kwargs):
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


def pooled_session(pool_size: int = POOL_SIZE) -> requests.Session:
    session = NoRedirectSession()
    # Retries are ours (retry_delay), never the adapter's: it cannot tell a read from a write.
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
