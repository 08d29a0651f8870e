"""The one way out to a customer's endpoint: checked address, timeouts, capped bodies.

A webhook URL is typed by a customer, so without a check it could point the
portal at its own network (the database, the meeting server's admin pages,
a cloud metadata service). Every name is resolved and each of its addresses
must be a public one, unless ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` is on (for
development and tests). Redirects are not followed: a redirect is an answer
that is not a 2xx, so it counts as a failure.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils.translation import gettext

#: How much of an endpoint's answer is read (and kept in the log): only its status counts.
ANSWER_BYTES = 1000
USER_AGENT = "partner-portal-webhooks/1"


class Refused(Exception):
    """The URL may not be called; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class Answer:
    code: int
    body: str

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300


def check_url(url: str) -> None:
    """Raise ``Refused`` unless ``url`` is http(s) to a host whose every address is public."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise Refused(gettext("Give an http or https address with a host name."))
    if parts.username or parts.password:
        raise Refused(gettext("Leave the user and password out of the address."))
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as exc:
        raise Refused(
            gettext("The host name does not resolve (%(error)s).") % {"error": exc}
        ) from exc
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise Refused(
                gettext(
                    "%(host)s leads to %(address)s, a private or local address: "
                    "webhooks go only to public addresses."
                )
                % {"host": parts.hostname, "address": address}
            )


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body``; ``Refused`` for a forbidden address, else what ``requests`` raises."""
    check_url(url)
    response = requests.post(
        url,
        data=body,
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
        timeout=(settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS, settings.WEBHOOK_TIMEOUT_SECONDS),
        allow_redirects=False,
        stream=True,
    )
    with response:
        start = response.raw.read(ANSWER_BYTES, decode_content=True) or b""
    return Answer(response.status_code, start.decode("utf-8", "replace"))
