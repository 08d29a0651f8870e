"""Which TurboMeeting server is calling: its partner ID, the addresses it calls from and
how it encrypts the passwords it passes on.

``/tm/auth`` and ``/tm/meetings/<token>`` serve the environment's server (the server row
``migrate`` keeps from the ``TM_*`` settings, ``from_environment``);
``/tm/servers/<id>/auth`` and ``/tm/servers/<id>/meetings/<token>`` serve the TurboMeeting
server row with that ID. Each checks its row's own partner ID (``service_company_uid``);
the allowed addresses and the password encoding and key are the environment's
(``TM_CALLBACK_ALLOWED_IPS``, ``TM_PASSWORD_ENCODING``, ``TM_PASSWORD_KEY``) for every
TurboMeeting server. Each server signs in only the hosts of its own customers.
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
    server_id: int

    def serves(self, customer: Customer) -> bool:
        """Whether the customer's meetings live on this server."""
        return customer.server_id == self.server_id


def environment_caller() -> Caller:
    """The environment's TurboMeeting server; 404 where the environment configures none."""
    server = MeetingServer.objects.filter(from_environment=True, backend="turbomeeting").first()
    if server is None:
        raise Http404("The environment configures no TurboMeeting server.")
    return _caller(server)


def server_caller(server_id: int) -> Caller:
    """The TurboMeeting server row with this ID; 404 for any other."""
    server = MeetingServer.objects.filter(pk=server_id, backend="turbomeeting").first()
    if server is None:
        raise Http404("No such TurboMeeting server.")
    return _caller(server)


def _caller(server: MeetingServer) -> Caller:
    return Caller(
        partner_id=server.credentials().get("service_company_uid", ""),
        allowed_ips=tuple(settings.TM_CALLBACK_ALLOWED_IPS),
        password_encoding=settings.TM_PASSWORD_ENCODING,
        password_key=settings.TM_PASSWORD_KEY,
        server_id=server.pk,
    )
