"""The one place the portal meets a vendor: each customer's backend, and the vendor's extras.

Services, pages and feeds ask here for a customer's backend (``backend(customer)``),
what it can do (``capabilities``), and what only a vendor's Django side knows (command
files, a web viewer: the hooks of portal/vendors.py). Nothing else in the portal
imports ``conferencing.<vendor>``, and nothing in it imports ``vendors.*``.

Every customer has a server row (``Customer.server``); the one the environment's
settings describe (``environment_server``, a vendor's hook) is kept in step by
``services.server_sync_environment`` on every ``migrate``.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext

from conferencing.base import (
    Account,
    Backend,
    Capability,
    ConferencingError,
    MeetingKind,
    Participant,
    Unsupported,
    backend_class,
    backend_names,
    for_host,
    make_backend,
)
from portal.vendors import VendorHooks, vendor_app, vendor_apps

if TYPE_CHECKING:
    from portal.accounts.models import Customer, MeetingServer

__all__ = [
    "account",
    "account_id",
    "account_id_save",
    "backend",
    "backends_with",
    "capabilities",
    "changeable_while_running",
    "command_file",
    "environment_server",
    "explain",
    "holds_recurring",
    "host_sentence",
    "join_links_expire",
    "kinds",
    "server_backend",
    "web_viewer_url",
]


def backend(customer: Customer) -> Backend:
    """The backend of the customer's meeting server."""
    return server_backend(customer.server)


def capabilities(customer: Customer) -> frozenset[Capability]:
    """What the customer's server can do, without building its backend."""
    return customer.server.capabilities


def backends_with(capability: Capability) -> list[str]:
    """The names of the installed backends that declare ``capability`` (for queries)."""
    return [name for name in backend_names() if capability in backend_class(name).capabilities]


def kinds(customer: Customer) -> frozenset[MeetingKind]:
    """The kinds of meeting the customer's server can hold."""
    return backend_class(customer.server.backend).kinds


def changeable_while_running(customer: Customer) -> frozenset[str]:
    """Which ``MeetingRequest`` fields the customer's server lets change while a meeting runs."""
    return _backend_class(customer).changeable_while_running


def holds_recurring(customer: Customer) -> bool:
    """Whether the customer's server holds recurring meetings."""
    return _backend_class(customer).holds_recurring


def explain(customer: Customer, exc: ConferencingError) -> str:
    """The sentence a host reads for ``exc`` from the customer's server, in the active
    language (the raw detail, ``conferencing.base.detail``, is for the log and staff)."""
    return gettext(host_sentence(customer, exc))


def host_sentence(customer: Customer, exc: ConferencingError) -> str:
    """``explain``'s sentence as its message id, untranslated: what a record keeps, to be
    shown in each reader's language (``gettext`` at display time)."""
    return for_host(exc, _backend_class(customer).refusals)


def _backend_class(customer: Customer) -> type[Backend]:
    return backend_class(customer.server.backend)


def join_links_expire(customer: Customer) -> bool:
    """Whether join links must be made when the person clicks (never mailed or listed)."""
    return getattr(backend_class(customer.server.backend), "join_links_expire", False)


def environment_server() -> dict | None:
    """The server row the environment's settings describe (a vendor's, through its hook
    in portal/vendors.py), as ``server_save`` takes it; None where they describe none."""
    for app in vendor_apps():
        if (wanted := app.environment_server()) is not None:
            return wanted
    return None


def server_backend(server: MeetingServer) -> Backend:
    """A server's backend, shared by every caller until the record changes."""
    stored = server.credentials()
    fields = backend_class(server.backend).credential_fields
    options = tuple(sorted((f.name, stored.get(f.name, "")) for f in fields))
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


@functools.lru_cache(maxsize=64)
def _configured(name, url, tz, options, timeout, pool) -> Backend:
    return make_backend(
        name,
        base_url=url,
        time_zone=tz,
        read_timeout=timeout,
        pool_size=max(pool, 10),  # the poller fans out this wide over one session
        **dict(options),
    )


# --- what a vendor's Django side adds (portal/vendors.py) -------------------------------


def _vendor_url(customer: Customer, capability: Capability) -> tuple[VendorHooks, str]:
    """The customer's vendor app and its server's URL, for a capability it must declare."""
    if capability not in capabilities(customer):
        raise Unsupported(f"this meeting server has no {capability.value.replace('_', ' ')}")
    return vendor_app(customer.server.backend), customer.server.base_url


def account(customer: Customer) -> Account:
    """The customer's account as the portal wants it on its server (ACCOUNTS)."""
    return vendor_app(customer.server.backend).account(customer)


def account_id(customer: Customer) -> str:
    """The ID its server gave the customer's account; "" before it has one."""
    if Capability.ACCOUNTS not in capabilities(customer):
        return ""
    return vendor_app(customer.server.backend).account_id(customer)


def account_id_save(customer: Customer, value: str) -> None:
    """Keep the ID of the customer's account on its server; ValidationError on ``account_id``
    when another customer has it."""
    vendor_app(customer.server.backend).account_id_save(customer, value)


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
