"""The one place the portal meets a vendor: each customer's backend, and the vendor's extras.

Services, pages and feeds ask here for a customer's backend (``backend(customer)``),
what it can do (``capabilities``), and what only a vendor's Django side knows (command
files, a web viewer: the hooks of portal/vendors.py). Nothing else in the portal
imports ``conferencing.<vendor>``, and nothing in it imports ``vendors.*``.

A customer with a server of its own (``Customer.server``) uses it; the others
use the default TurboMeeting server of the ``TM_*`` settings.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.conf import settings

from conferencing.base import (
    Account,
    Backend,
    Capability,
    MeetingKind,
    Participant,
    Unsupported,
    backend_class,
    make_backend,
)
from portal.vendors import VendorHooks, vendor_app

if TYPE_CHECKING:
    from portal.accounts.models import Customer, MeetingServer

__all__ = [
    "account",
    "account_id",
    "account_id_save",
    "backend",
    "capabilities",
    "command_file",
    "default_backend",
    "join_links_expire",
    "kinds",
    "server_backend",
    "web_viewer_url",
]

DEFAULT_BACKEND = "turbomeeting"


def backend(customer: Customer | None = None) -> Backend:
    """The backend of the customer's meeting server (the default server without one)."""
    if customer is not None and customer.server_id is not None:
        return server_backend(customer.server)
    return default_backend()


def capabilities(customer: Customer | None = None) -> frozenset[Capability]:
    """What the customer's server can do, without building its backend."""
    if customer is not None and customer.server_id is not None:
        return customer.server.capabilities
    return backend_class(DEFAULT_BACKEND).capabilities


def kinds(customer: Customer | None = None) -> frozenset[MeetingKind]:
    """The kinds of meeting the customer's server can hold."""
    return backend_class(_backend_name(customer)).kinds


def join_links_expire(customer: Customer | None = None) -> bool:
    """Whether join links must be made when the person clicks (never mailed or listed)."""
    return getattr(backend_class(_backend_name(customer)), "join_links_expire", False)


def default_backend() -> Backend:
    return _default(
        settings.TM_SERVER_URL,
        settings.TM_SERVICE_COMPANY_UID,
        settings.TM_INTEGRATION_CODE,
        settings.TM_ADMIN_EMAIL,
        settings.TM_ADMIN_PASSWORD,
        settings.TM_SERVER_TIME_ZONE,
        settings.SERVER_READ_TIMEOUT,
        settings.POLL_CONCURRENCY,
    )


def server_backend(server: MeetingServer) -> Backend:
    """A configured server's backend, shared by every caller until the record changes."""
    wanted = backend_class(server.backend).credentials
    values = server.credentials()
    options = tuple(sorted((keyword, values[field]) for field, keyword in wanted.items()))
    return _configured(
        server.backend,
        server.base_url,
        server.time_zone,
        options,
        settings.SERVER_READ_TIMEOUT,
        settings.POLL_CONCURRENCY,
    )


# Cached so every caller shares one pooled HTTP session per server (and one
# token or session ID); keyed by the configuration, so a changed server record
# (or a test's override) gets a backend of its own.


@functools.lru_cache(maxsize=8)
def _default(url, partner_id, integration_code, admin_email, admin_password, tz, timeout, pool):
    return make_backend(
        DEFAULT_BACKEND,
        base_url=url,
        service_company_uid=partner_id,
        integration_code=integration_code,
        admin_email=admin_email,
        admin_password=admin_password,
        time_zone=tz,
        read_timeout=timeout,
        pool_size=max(pool, 10),  # the poller fans out this wide over one session
    )


@functools.lru_cache(maxsize=64)
def _configured(name, url, tz, options, timeout, pool) -> Backend:
    return make_backend(
        name,
        base_url=url,
        time_zone=tz,
        read_timeout=timeout,
        pool_size=max(pool, 10),
        **dict(options),
    )


# --- what a vendor's Django side adds (portal/vendors.py) -------------------------------


def _backend_name(customer: Customer | None) -> str:
    if customer is not None and customer.server_id is not None:
        return customer.server.backend
    return DEFAULT_BACKEND


def _vendor_url(customer: Customer, capability: Capability) -> tuple[VendorHooks, str]:
    """The customer's vendor app and its server's URL, for a capability it must declare."""
    if capability not in capabilities(customer):
        raise Unsupported(f"this meeting server has no {capability.value.replace('_', ' ')}")
    url = customer.server.base_url if customer.server_id is not None else settings.TM_SERVER_URL
    return vendor_app(_backend_name(customer)), url


def account(customer: Customer) -> Account:
    """The customer's account as the portal wants it on its server (ACCOUNTS)."""
    return vendor_app(_backend_name(customer)).account(customer)


def account_id(customer: Customer) -> str:
    """The ID its server gave the customer's account; "" before it has one."""
    if Capability.ACCOUNTS not in capabilities(customer):
        return ""
    return vendor_app(_backend_name(customer)).account_id(customer)


def account_id_save(customer: Customer, value: str) -> None:
    """Keep the ID of the customer's account on its server; ValidationError on ``account_id``
    when another customer has it."""
    vendor_app(_backend_name(customer)).account_id_save(customer, value)


def web_viewer_url(customer: Customer, meeting_id: str, who: Participant, password: str) -> str:
    vendor, url = _vendor_url(customer, Capability.WEB_VIEWER)
    return vendor.web_viewer_url(base_url=url, meeting_id=meeting_id, who=who, password=password)


def command_file(
    customer: Customer,
    *,
    host: bool,
    meeting_id: str,
    kind: MeetingKind,
    who: Participant,
    password: str = "",
) -> bytes:
    """The desktop launcher file: Host for the meeting's host, Join for anyone else."""
    vendor, url = _vendor_url(customer, Capability.COMMAND_FILE)
    return vendor.command_file(
        base_url=url, host=host, meeting_id=meeting_id, kind=kind, who=who, password=password
    )
