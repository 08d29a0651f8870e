"""Who is asking: the client's address, also behind reverse proxies."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

log = logging.getLogger(__name__)


def in_networks(address: str, networks: Iterable[str]) -> bool:
    """True when ``address`` is one of ``networks`` (addresses or CIDR blocks)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    for entry in networks:
        try:
            if ip in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            log.error("not an address or network in the settings: %r", entry)
    return False


def client_ip(request: HttpRequest) -> str:
    """The address of the party that sent the request.

    REMOTE_ADDR is the last hop. Only when that hop is one of TRUSTED_PROXIES
    is X-Forwarded-For consulted, from the right: the first address that is
    not a trusted proxy is the client. Anything further left was written by
    the client itself and proves nothing.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXIES
    if not trusted or not in_networks(remote, trusted):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not in_networks(hop, trusted):
            return hop
    return hops[0] if hops else remote
