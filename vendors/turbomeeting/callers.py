"""Which TurboMeeting server is calling: its partner ID, the addresses it calls from and
how it encrypts the passwords it passes on.

``/tm/auth`` and ``/tm/meetings/<token>`` serve the environment's server (the server row
``migrate`` keeps from the ``TM_*`` settings, ``from_environment``);
``/tm/servers/<id>/auth`` and ``/tm/servers/<id>/meetings/<token>`` serve the TurboMeeting
server row with that ID. Each is checked by its own row's credentials: its partner ID
(``service_company_uid``), its allowed addresses (``callback_allowed_ips``) and its
password encoding and key. Each server signs in only the hosts of its own customers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.http import Http404

from portal.accounts.models import Customer, MeetingServer

#: What a server's password encoding is when its record leaves it empty.
DEFAULT_PASSWORD_ENCODING = "fernet"


@dataclass(frozen=True)
class Caller:
    partner_id: str
    allowed_ips: tuple[str, ...]
    password_encoding: str
    password_key: str
    server_id: int

    def serves(self, customer: Customer) -> bool:
        """Whether the customer's meetings live on this server."""
        return customer.server_id == self.server_id


def environment_caller() -> Caller:
    """The environment's TurboMeeting server; 404 where the environment configures none."""
    server = MeetingServer.objects.filter(from_environment=True, backend="turbomeeting").first()
    if server is None:
        raise Http404("The environment configures no TurboMeeting server.")
    return caller_of(server)


def server_caller(server_id: int) -> Caller:
    """The TurboMeeting server row with this ID; 404 for any other."""
    server = MeetingServer.objects.filter(pk=server_id, backend="turbomeeting").first()
    if server is None:
        raise Http404("No such TurboMeeting server.")
    return caller_of(server)


def all_callers() -> list[Caller]:
    """Every TurboMeeting server, for what any of them may do (portal/accounts/lockout.py)."""
    return [caller_of(s) for s in MeetingServer.objects.filter(backend="turbomeeting")]


def caller_of(server: MeetingServer) -> Caller:
    """A server's callback credentials; none (every call refused) when they cannot be read."""
    stored = server.readable_credentials()
    return Caller(
        partner_id=stored.get("service_company_uid", ""),
        allowed_ips=address_list(stored.get("callback_allowed_ips", "")),
        password_encoding=stored.get("password_encoding") or DEFAULT_PASSWORD_ENCODING,
        password_key=stored.get("password_key", ""),
        server_id=server.pk,
    )


def address_list(text: str) -> tuple[str, ...]:
    """``"10.0.0.1, 192.0.2.0/24"`` -> its entries (commas or spaces between them)."""
    return tuple(entry for entry in re.split(r"[,\s]+", text) if entry)
