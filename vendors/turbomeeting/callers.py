"""Which TurboMeeting server is calling: its partner ID, the addresses it calls from and
how it encrypts the passwords it passes on.

``/tm/auth`` and ``/tm/meetings/<token>`` serve the environment's server (the ``TM_*``
settings); ``/tm/servers/<id>/auth`` and ``/tm/servers/<id>/meetings/<token>`` serve the
TurboMeeting server configured under that ID, with its own credentials (its partner ID;
``password_encoding``, ``password_key`` and ``callback_allowed_ips`` where it has them,
else the environment's). Each server signs in only the hosts of its own customers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import Http404

from portal.accounts.models import Customer, MeetingServer


@dataclass(frozen=True)
class Caller:
    partner_id: str
    allowed_ips: tuple[str, ...]
    password_encoding: str
    password_key: str
    server_id: int | None = None  # None: the environment's server

    def serves(self, customer: Customer) -> bool:
        """Whether the customer's meetings live on this server."""
        return customer.server_id == self.server_id


def environment_caller() -> Caller:
    return Caller(
        partner_id=settings.TM_SERVICE_COMPANY_UID,
        allowed_ips=tuple(settings.TM_CALLBACK_ALLOWED_IPS),
        password_encoding=settings.TM_PASSWORD_ENCODING,
        password_key=settings.TM_PASSWORD_KEY,
    )


def server_caller(server_id: int) -> Caller:
    """The configured TurboMeeting server with this ID; 404 for any other."""
    server = MeetingServer.objects.filter(pk=server_id, backend="turbomeeting").first()
    if server is None:
        raise Http404("No such TurboMeeting server.")
    values = server.credentials()
    ips = values.get("callback_allowed_ips", "")
    return Caller(
        partner_id=values.get("partner_id", ""),
        allowed_ips=tuple(ips.replace(",", " ").split()) or tuple(settings.TM_CALLBACK_ALLOWED_IPS),
        password_encoding=values.get("password_encoding", "") or settings.TM_PASSWORD_ENCODING,
        password_key=values.get("password_key", "") or settings.TM_PASSWORD_KEY,
        server_id=server.pk,
    )
