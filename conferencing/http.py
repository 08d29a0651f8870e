"""The one HTTP transport every backend uses.

``Transport`` owns what every vendor needs the same way: one pooled session
that never follows a redirect, connect and read timeouts, the rule for
resending, a cap on what an answer may weigh, the mapping of ``requests``'
exceptions to the contract's typed errors, and keeping secrets out of logs
and error texts. A client says what to send and reads what came back; what a
vendor's answer means stays in the vendor's package.

Retries are the transport's (``retry_delay``), never urllib3's: only the
endpoint's declaration (``retry_safe``) says which calls are reads, and
resending a write the server may have applied could do it twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict
from urllib.parse import quote, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import NewConnectionError

from conferencing.base import BadServerResponse, OutcomeUnknown, ServerUnavailable

log = logging.getLogger(__name__)

POOL_SIZE = 32
REDACTED = "***"


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str = "GET"
    retry_safe: bool = False  # safe to send again when no answer came back

    def at(self, **segments: object) -> Endpoint:
        """This endpoint with the ``{name}`` parts of its path filled in, each quoted whole."""
        quoted = {name: quote(str(value), safe="") for name, value in segments.items()}
        return replace(self, path=self.path.format(**quoted))


@dataclass(frozen=True)
class Answer:
    """What the server sent back: its status, headers and body (read under the cap).

    ``redact`` takes the request's secrets out of a text made from the answer
    (a server may echo what it was sent in its reason for refusing).
    """

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @property
    def is_success(self) -> bool:
        """A 2xx status (unlike ``requests.Response.ok``, a 3xx is not a success here)."""
        return 200 <= self.status_code < 300

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text


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

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs["allow_redirects"] = False
        return super().request(method, url, *args, **kwargs)


def pooled_session(pool_size: int = POOL_SIZE) -> requests.Session:
    session = NoRedirectSession()
    # Retries are ours (retry_delay), never the adapter's: it cannot tell a read from a write.
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class HTTPOptions(TypedDict, total=False):
    """The transport's settings a backend's constructor passes on (``**http``)."""

    connect_timeout: float
    read_timeout: float
    pool_size: int
    retries: int
    backoff: float
    max_body: int
    session: requests.Session | None
    sleep: Callable[[float], object]


class Transport:
    """HTTP to one server: ``send`` an endpoint, get its ``Answer`` or a typed error.

    - A 5xx, a connection refused and a connect timeout are ``ServerUnavailable``;
      a read timeout or a connection lost after sending is ``OutcomeUnknown`` (the
      server may have acted); a broken encoding or an answer over ``max_body``
      bytes is ``BadServerResponse``. Any other status is the client's to read.
    - A ``retry_safe`` endpoint is sent again, up to ``retries`` times with
      exponential ``backoff``, when it was ``ServerUnavailable``; nothing else is.
    - ``secrets`` names the query, form and header fields whose values are never
      logged; error texts never name a URL nor chain ``requests``' exception (its
      text holds the URL, and a query may hold a token or a password).
    - ``server_error`` reads a 5xx answer first, for a server that also says
      "no" that way (OpenMeetings): it raises the refusal, or returns, and the
      answer is an outage.

    ``session`` is for tests that record calls; without one the transport makes
    and owns a pooled session, which ``close`` releases.
    """

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        pool_size: int = POOL_SIZE,
        retries: int = 2,
        backoff: float = 0.2,
        max_body: int = 1_000_000,
        secrets: Collection[str] = (),
        server_error: Callable[[Answer], None] | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.base_url = base_url_checked(base_url)
        self.timeout = (connect_timeout, read_timeout)
        self.retries = retries
        self.backoff = backoff
        self.max_body = max_body
        self.secrets = frozenset(secrets)
        self._server_error = server_error
        self._owns_session = session is None
        self.session = session if session is not None else pooled_session(pool_size)
        self._sleep = sleep

    def close(self) -> None:
        """Release pooled connections (only of a session this transport made)."""
        if self._owns_session:
            self.session.close()

    def send(
        self,
        endpoint: Endpoint,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        files: Mapping[str, Any] | None = None,
        read_body: bool = True,
    ) -> Answer:
        """Send ``endpoint`` (again while the resend rule allows) and answer what came back.

        ``read_body=False`` only checks that the server answers (below 500).
        """
        attempt = 0
        while True:
            try:
                return self._send_once(endpoint, params, data, json, headers, files, read_body)
            except ServerUnavailable as exc:
                delay = retry_delay(
                    endpoint, exc, attempt, retries=self.retries, backoff=self.backoff
                )
                if delay is None:
                    raise
                log.debug("retrying %s %s in %.2fs: %s", endpoint.method, endpoint.path, delay, exc)
                self._sleep(delay)
                attempt += 1

    def redacted(self, *fields: Mapping[str, Any] | None) -> dict[str, Any]:
        """The fields, with the value of each one named in ``secrets`` hidden."""
        merged: dict[str, Any] = {}
        for given in fields:
            merged.update(given or {})
        return {
            key: (REDACTED if key in self.secrets and value else value)
            for key, value in merged.items()
        }

    def _secret_values(self, *fields: Mapping[str, Any] | None) -> tuple[str, ...]:
        return tuple(
            str(value)
            for given in fields
            for key, value in (given or {}).items()
            if key in self.secrets and value
        )

    def _send_once(
        self,
        endpoint: Endpoint,
        params: Mapping[str, str] | None,
        data: Mapping[str, str] | None,
        json: Any,
        headers: Mapping[str, str] | None,
        files: Mapping[str, Any] | None,
        read_body: bool,
    ) -> Answer:
        where = f"{endpoint.method} {endpoint.path}"
        started = time.monotonic()
        try:
            with self.session.request(
                endpoint.method,
                self.base_url + endpoint.path,
                params=params,
                data=data,
                json=json,
                headers=headers,
                files=files,
                timeout=self.timeout,
                stream=True,
                allow_redirects=False,
            ) as response:
                status = response.status_code
                log.debug(
                    "%s -> HTTP %s in %.0f ms %s",
                    where,
                    status,
                    (time.monotonic() - started) * 1000,
                    self.redacted(params, data),
                )
                if status >= 500 and (self._server_error is None or not read_body):
                    raise ServerUnavailable(f"{where}: HTTP {status}")
                body = self._read(response, where) if read_body else b""
                answer = Answer(
                    status_code=status,
                    headers=CaseInsensitiveDict(response.headers),
                    content=body,
                    secrets=self._secret_values(params, data, headers),
                )
        except requests.exceptions.ContentDecodingError:
            raise BadServerResponse(f"{where}: the answer's content encoding is broken") from None
        except requests.ConnectTimeout:
            raise ServerUnavailable(f"{where}: could not connect in time") from None
        except requests.Timeout:
            raise OutcomeUnknown(f"{where}: sent, but no answer in time") from None
        except requests.RequestException as exc:
            log.debug("%s failed: %s", where, type(exc).__name__)
            if never_sent(exc):
                raise ServerUnavailable(f"{where}: could not connect") from None
            raise OutcomeUnknown(f"{where}: sent, but the answer was lost") from None
        if status >= 500 and self._server_error is not None:
            self._server_error(answer)
            raise ServerUnavailable(f"{where}: HTTP {status}")
        return answer

    def _read(self, response: requests.Response, where: str) -> bytes:
        """Read at most ``max_body`` bytes, so a runaway answer cannot exhaust memory."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.max_body:
                raise BadServerResponse(f"{where}: the answer is larger than {self.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
