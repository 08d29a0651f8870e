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


def address_group(address: str) -> str:
    """What a per-address limit counts: an IPv4 address, or an IPv6 address's /64.

    One IPv6 subscriber is given a whole /64 (RFC 6177) and picks any address
    in it, so counting each address alone would give one person 2**64 counters.
    The /64 is written as its first address (``2001:db8:1:2::``), which an IP
    address column still takes. An IPv4-mapped address counts as its IPv4 one.
    """
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((ip, 64), strict=False).network_address)


def client_network(request: HttpRequest) -> str:
    """``address_group`` of ``client_ip``: the key of every per-address limit."""
    return address_group(client_ip(request))
