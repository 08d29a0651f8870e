"""The one place the portal meets a vendor: each customer's backend, and the vendor's extras.

Services, pages, feeds and the ``/tm/*`` callbacks ask here for a customer's
backend (``backend(customer)``), what it can do (``capabilities``) and the few
things only one vendor has (TurboMeeting's command files, web viewer and
callback protocol). Nothing else in the portal imports ``conferencing.<vendor>``.

A customer with a server of its own (``Customer.server``) uses it; the others
use the default TurboMeeting server of the ``TM_*`` settings.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from django.conf import settings

from conferencing.base import (
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
from conferencing.turbomeeting import launch as tm_launch
from conferencing.turbomeeting.passwords import CODECS, PasswordDecodeError, decode_password
from conferencing.turbomeeting.returns import build_return
from conferencing.turbomeeting.times import to_server_time

if TYPE_CHECKING:
    from portal.accounts.models import Customer, MeetingServer

__all__ = [
    "PASSWORD_ENCODINGS",
    "PasswordDecodeError",
    "backend",
    "backends_with",
    "build_return",
    "capabilities",
    "changeable_while_running",
    "command_file",
    "decode_password",
    "default_backend",
    "explain",
    "holds_recurring",
    "join_links_expire",
    "kinds",
    "server_backend",
    "to_server_time",
    "web_viewer_url",
]

DEFAULT_BACKEND = "turbomeeting"
#: What TM_PASSWORD_ENCODING may name: how the server encrypts passwords sent to /tm/auth.
PASSWORD_ENCODINGS = frozenset(CODECS)


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


def backends_with(capability: Capability) -> list[str]:
    """The names of the installed backends that declare ``capability`` (for queries)."""
    return [name for name in backend_names() if capability in backend_class(name).capabilities]


def kinds(customer: Customer | None = None) -> frozenset[MeetingKind]:
    """The kinds of meeting the customer's server can hold."""
    name = (
        customer.server.backend if customer is not None and customer.server_id else DEFAULT_BACKEND
    )
    return backend_class(name).kinds


def changeable_while_running(customer: Customer | None = None) -> frozenset[str]:
    """Which ``MeetingRequest`` fields the customer's server lets change while a meeting runs."""
    return getattr(_backend_class(customer), "changeable_while_running", frozenset())


def holds_recurring(customer: Customer | None = None) -> bool:
    """Whether the customer's server holds recurring meetings."""
    return getattr(_backend_class(customer), "holds_recurring", True)


def explain(customer: Customer | None, exc: ConferencingError) -> str:
    """The sentence a host reads for ``exc`` from the customer's server."""
    return for_host(exc, getattr(_backend_class(customer), "refusals", None))


def _backend_class(customer: Customer | None) -> type:
    if customer is not None and customer.server_id is not None:
        return backend_class(customer.server.backend)
    return backend_class(DEFAULT_BACKEND)


def join_links_expire(customer: Customer | None = None) -> bool:
    """Whether join links must be made when the person clicks (never mailed or listed)."""
    if customer is not None and customer.server_id is not None:
        name = customer.server.backend
    else:
        name = DEFAULT_BACKEND
    return getattr(backend_class(name), "join_links_expire", False)


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


# --- what only TurboMeeting has ----------------------------------------------------


def _turbomeeting_url(customer: Customer, capability: Capability) -> str:
    if capability not in capabilities(customer):
        raise Unsupported(f"this meeting server has no {capability.value.replace('_', ' ')}")
    if customer.server_id is not None:
        return customer.server.base_url
    return settings.TM_SERVER_URL


def web_viewer_url(customer: Customer, meeting_id: str, who: Participant, password: str) -> str:
    url = _turbomeeting_url(customer, Capability.WEB_VIEWER)
    return tm_launch.web_viewer_url(url, meeting_id=meeting_id, name=who.name, password=password)


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
    address, port = tm_launch.command_file_address(
        _turbomeeting_url(customer, Capability.COMMAND_FILE)
    )
    if host:
        return tm_launch.command_file(
            action="Host",
            server_address=address,
            server_port=port,
            email=who.email,
            meeting_id=meeting_id,
            kind=kind,
            start_meeting_now=True,
            start_at_minimized=False,
        )
    return tm_launch.command_file(
        action="Join",
        server_address=address,
        server_port=port,
        meeting_id=meeting_id,
        meeting_password=password,
        attendee_name=who.name or "Guest",
        start_at_minimized=False,
    )
