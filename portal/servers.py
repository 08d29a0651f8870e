"""The one place the portal meets a vendor: each customer's backend, and the vendor's extras.

Services, pages, feeds and the ``/tm/*`` callbacks ask here for a customer's
backend (``backend(customer)``), what it can do (``capabilities``) and the few
things only one vendor has (TurboMeeting's command files, web viewer and
callback protocol). Nothing else in the portal imports ``conferencing.<vendor>``.

Every customer has a server row (``Customer.server``); the one the environment's
``TM_*`` settings describe (``environment_server``) is kept in step by
``services.server_sync_environment`` on every ``migrate``.
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
    "environment_server",
    "explain",
    "holds_recurring",
    "join_links_expire",
    "kinds",
    "server_backend",
    "to_server_time",
    "web_viewer_url",
]

#: What TM_PASSWORD_ENCODING may name: how the server encrypts passwords sent to /tm/auth.
PASSWORD_ENCODINGS = frozenset(CODECS)
#: The name of the server row the environment's settings make.
ENVIRONMENT_SERVER_NAME = "TurboMeeting (environment)"


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
    """The sentence a host reads for ``exc`` from the customer's server."""
    return for_host(exc, _backend_class(customer).refusals)


def _backend_class(customer: Customer) -> type[Backend]:
    return backend_class(customer.server.backend)


def join_links_expire(customer: Customer) -> bool:
    """Whether join links must be made when the person clicks (never mailed or listed)."""
    return getattr(backend_class(customer.server.backend), "join_links_expire", False)


def environment_server() -> dict | None:
    """The server row the environment's ``TM_*`` settings describe, as ``server_save``
    takes it; None without ``TM_SERVER_URL``."""
    if not settings.TM_SERVER_URL:
        return None
    return {
        "name": ENVIRONMENT_SERVER_NAME,
        "backend": "turbomeeting",
        "base_url": settings.TM_SERVER_URL,
        "time_zone": settings.TM_SERVER_TIME_ZONE,
        "credentials": {
            "service_company_uid": settings.TM_SERVICE_COMPANY_UID,
            "integration_code": settings.TM_INTEGRATION_CODE,
            "admin_email": settings.TM_ADMIN_EMAIL,
            "admin_password": settings.TM_ADMIN_PASSWORD,
        },
    }


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


# --- what only TurboMeeting has ----------------------------------------------------


def _turbomeeting_url(customer: Customer, capability: Capability) -> str:
    if capability not in capabilities(customer):
        raise Unsupported(f"this meeting server has no {capability.value.replace('_', ' ')}")
    return customer.server.base_url


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
