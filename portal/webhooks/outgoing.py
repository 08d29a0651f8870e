"""The one way out to a customer's endpoint: checked address, timeouts, capped bodies.

A webhook URL is typed by a customer, so without a check it could point the
portal at its own network (the database, the meeting server's admin pages,
a cloud metadata service). Every name is resolved and each of its addresses
must be a public one, unless ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` is on (for
development and tests). The request then goes to the address that was checked,
not to a second lookup of the name: a name that answers a public address to the
check and a private one a moment later (DNS rebinding) cannot steer it inside.
HTTPS still verifies the certificate for the name. Redirects are not followed:
a redirect is an answer that is not a 2xx, so it counts as a failure.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings
from django.utils.translation import gettext

#: How much of an endpoint's answer is read (and kept in the log): only its status counts.
ANSWER_BYTES = 1000
USER_AGENT = "partner-portal-webhooks/1"


class Refused(Exception):
    """The URL may not be called; the message says why, for the person who typed it."""


#: What ``post`` raises when the endpoint could not be reached or answered too late.
Unreachable = (urllib3.exceptions.HTTPError, OSError)


def too_late(exc: Exception) -> bool:
    """Whether ``exc`` (one of ``Unreachable``) means the endpoint did not connect or answer
    within the timeouts; urllib3 files a refused connection under its timeouts too."""
    timeout = isinstance(exc, urllib3.exceptions.TimeoutError | TimeoutError)
    return timeout and not isinstance(exc, urllib3.exceptions.NewConnectionError)


@dataclass(frozen=True)
class Answer:
    code: int
    body: str

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300


def check_url(url: str) -> None:
    """Raise ``Refused`` unless ``url`` is http(s) to a host whose every address is public."""
    _address(url)


def _address(url: str) -> str:
    """The checked address to connect to for ``url`` (``Refused`` if there is none)."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise Refused(gettext("Give an http or https address with a host name."))
    if parts.username or parts.password:
        raise Refused(gettext("Leave the user and password out of the address."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise Refused(
            gettext("The host name does not resolve (%(error)s).") % {"error": exc}
        ) from exc
    addresses = [ipaddress.ip_address(sockaddr[0].split("%")[0]) for *_, sockaddr in found]
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            if not address.is_global or address.is_multicast:
                raise Refused(
                    gettext(
                        "%(host)s leads to %(address)s, a private or local address: "
                        "webhooks go only to public addresses."
                    )
                    % {"host": parts.hostname, "address": address}
                )
    return str(addresses[0])


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to the address checked for ``url``; ``Refused`` for a forbidden
    address, one of ``Unreachable`` when it could not be reached or answered too late."""
    address, parts = _address(url), urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    # Connect to the checked address; the name still goes in Host and, for HTTPS, in
    # SNI and the certificate check.
    pool_class = urllib3.HTTPSConnectionPool if https else urllib3.HTTPConnectionPool
    tls = (
        {"server_hostname": parts.hostname, "assert_hostname": parts.hostname,
         "ca_certs": certifi.where()}
        if https else {}
    )  # fmt: skip
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS, read=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    path = parts.path or "/"
    with pool_class(address, port, timeout=timeout, retries=False, maxsize=1, **tls) as pool:
        response = pool.urlopen(
            "POST",
            f"{path}?{parts.query}" if parts.query else path,
            body=body,
            headers={
                "Host": parts.netloc,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                **headers,
            },
            redirect=False,
            preload_content=False,
        )
        try:
            start = response.read(ANSWER_BYTES, decode_content=True) or b""
        finally:
            response.release_conn()
    return Answer(response.status, start.decode("utf-8", "replace"))
