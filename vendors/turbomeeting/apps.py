from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse

from conferencing.base import Account, MeetingKind, Participant
from conferencing.turbomeeting import launch
from portal.net import client_ip, in_networks
from portal.vendors import VendorApp, profile_of, profile_save

if TYPE_CHECKING:
    from portal.accounts.models import Customer, MeetingServer


class TurboMeetingApp(VendorApp):
    """TurboMeeting's callbacks (urls.py), its sign-in sessions, and its launch files."""

    name = "vendors.turbomeeting"
    label = "turbomeeting"
    verbose_name = "TurboMeeting"
    backend = "turbomeeting"
    default = True
    customer_profile = "CustomerProfile"
    host_profile = "HostProfile"
    demo_customer = {"number_of_meeting_rooms": 5, "participants_per_room": 50}  # noqa: RUF012

    #: The name of the server row the environment's ``TM_*`` settings make.
    environment_server_name = "TurboMeeting (environment)"
    environment_settings = "the TM_* settings"

    def ready(self) -> None:
        from vendors.turbomeeting import checks  # noqa: F401  (registers its checks)

    def account(self, customer: Customer) -> Account:
        profile = profile_of(customer, self.label)
        return Account(
            company_name=customer.name,
            email=customer.contact_email,
            meeting_rooms=profile.number_of_meeting_rooms,
            participants_per_room=profile.participants_per_room,
            account_id=profile.company_uid,
        )

    def account_id(self, customer: Customer) -> str:
        return profile_of(customer, self.label).company_uid

    def account_id_save(self, customer: Customer, account_id: str) -> None:
        try:
            profile_save(customer, self.label, {"company_uid": account_id})
        except ValidationError as exc:
            raise ValidationError({"account_id": exc.messages}) from None

    def credential_problems(self, values: Mapping[str, str]) -> dict[str, str]:
        """The addresses the server calls from must be addresses, and none a trusted proxy:
        a proxy is believed about who its client is (X-Forwarded-For), so anything behind
        it could then claim to be the meeting server."""
        from vendors.turbomeeting.callers import address_list
        from vendors.turbomeeting.checks import proxy_overlaps

        entries = address_list(values.get("callback_allowed_ips", ""))
        wrong = [entry for entry in entries if not _network(entry)]
        if wrong:
            return {
                "callback_allowed_ips": "Not an IP address or network: " + ", ".join(wrong) + "."
            }
        overlaps = proxy_overlaps(entries)
        if overlaps:
            return {
                "callback_allowed_ips": "These include a trusted proxy (TRUSTED_PROXIES): "
                + "; ".join(overlaps)
                + ". List only the meeting server's own addresses."
            }
        return {}

    def server_callbacks(self, server: MeetingServer) -> list[tuple[str, str]]:
        site = settings.PORTAL_URL.rstrip("/") or settings.SITE_URL.rstrip("/")
        auth = site + reverse("tm-server-auth", args=[server.pk])
        meetings = site + reverse("tm-server-meetings", args=[server.pk, "TOKEN"])
        return [
            ("User authentication URL", auth),
            ("Scheduled-meeting query URL (sent with each sign-in)", meetings),
        ]

    def is_server_address(self, request: HttpRequest) -> bool:
        from vendors.turbomeeting.callers import all_callers

        address = client_ip(request)
        return any(in_networks(address, caller.allowed_ips) for caller in all_callers())

    def environment_server(self) -> dict | None:
        """The server of the ``TM_*`` settings (portal/settings.py), with its callbacks'
        addresses and password encoding and key; none without ``TM_SERVER_URL``."""
        if not settings.TM_SERVER_URL:
            return None
        return {
            "name": self.environment_server_name,
            "backend": self.backend,
            "base_url": settings.TM_SERVER_URL,
            "time_zone": settings.TM_SERVER_TIME_ZONE,
            "credentials": {
                "service_company_uid": settings.TM_SERVICE_COMPANY_UID,
                "integration_code": settings.TM_INTEGRATION_CODE,
                "admin_email": settings.TM_ADMIN_EMAIL,
                "admin_password": settings.TM_ADMIN_PASSWORD,
                "callback_allowed_ips": ", ".join(settings.TM_CALLBACK_ALLOWED_IPS),
                "password_encoding": settings.TM_PASSWORD_ENCODING,
                "password_key": settings.TM_PASSWORD_KEY,
            },
        }

    def command_file(
        self,
        *,
        base_url: str,
        host: bool,
        meeting_id: str,
        kind: MeetingKind,
        who: Participant,
        password: str = "",
    ) -> bytes:
        address, port = launch.command_file_address(base_url)
        if host:
            return launch.command_file(
                action="Host",
                server_address=address,
                server_port=port,
                email=who.email,
                meeting_id=meeting_id,
                kind=kind,
                start_meeting_now=True,
                start_at_minimized=False,
            )
        return launch.command_file(
            action="Join",
            server_address=address,
            server_port=port,
            meeting_id=meeting_id,
            meeting_password=password,
            attendee_name=who.name or "Guest",
            start_at_minimized=False,
        )

    def web_viewer_url(
        self, *, base_url: str, meeting_id: str, who: Participant, password: str
    ) -> str:
        return launch.web_viewer_url(
            base_url, meeting_id=meeting_id, name=who.name, password=password
        )


def _network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return None
