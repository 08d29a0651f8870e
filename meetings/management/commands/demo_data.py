"""Demo data for `make run`: an admin, a customer with a host, a few meetings.

With the other fakes' ports (``--fake-trueconf-port`` ...), also one customer
on each of the other kinds of meeting server, each with a host.

Idempotent: running it again changes nothing that is there already.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from conferencing.base import Capability
from meetings.models import Meeting
from meetings.services import meeting_push, meeting_schedule
from portal.accounts.models import Customer, Host, MeetingServer
from portal.accounts.services import customer_create, customer_push, host_create, server_save

ADMIN = ("admin", "admin-demo-password")
HOST = ("host@acme.example", "host-demo-password")


# backend: (option, customer slug and name, the fake's demo credentials, its base URL path)
OTHER_SERVERS = {
    "trueconf": (
        "fake_trueconf_port",
        ("globex", "Globex (TrueConf)"),
        {"client_id": "demo-client", "client_secret": "demo-secret"},
        "",
    ),
    "openmeetings": (
        "fake_openmeetings_port",
        ("initech", "Initech (OpenMeetings)"),
        {"admin_user": "soapuser", "admin_password": "!HansHans1"},
        "",
    ),
    "webex": ("fake_webex_port", ("umbrella", "Umbrella (Webex)"), {}, "/demo"),
}


class Command(BaseCommand):
    help = "Load demo data (admin, customer 'acme', a host, meetings); safe to run again."

    def add_arguments(self, parser):
        for option, *_ in OTHER_SERVERS.values():
            parser.add_argument(f"--{option.replace('_', '-')}", type=int, default=0)

    def handle(self, *args, **options):
        User = get_user_model()
        if not User.objects.filter(username=ADMIN[0]).exists():
            User.objects.create_superuser(ADMIN[0], "admin@portal.example", ADMIN[1])

        customer = Customer.objects.filter(slug="acme").first()
        if customer is None:
            customer = customer_create(
                name="Acme Corporation",
                slug="acme",
                contact_email="it@acme.example",
                number_of_meeting_rooms=5,
                participants_per_room=50,
                time_zone="Europe/Berlin",
                embed_origins="http://localhost:8001\nhttp://127.0.0.1:8001",
            )
        customer_push(customer_id=customer.pk)
        customer.refresh_from_db()

        host = Host.objects.filter(user__username=HOST[0]).first()
        if host is None:
            host = host_create(
                customer=customer,
                email=HOST[0],
                password=HOST[1],
                first_name="Ada",
                last_name="Host",
                phone="+1 555 0100",
                user_group="Sales",
                is_administrator=True,
            )

        if not Meeting.objects.filter(host=host).exists():
            start = (timezone.now() + dt.timedelta(hours=1)).replace(
                minute=0, second=0, microsecond=0
            )
            for offset, topic, published in [
                (0, "Product demo", True),
                (24, "Quarterly customer webinar", True),
                (48, "Team sync", False),
            ]:
                meeting_schedule(
                    host=host,
                    topic=topic,
                    starts_at=start + dt.timedelta(hours=offset),
                    ends_at=start + dt.timedelta(hours=offset + 1),
                    is_published=published,
                )
        for meeting in Meeting.objects.filter(host=host).exclude(sync_state="synced"):
            meeting_push(meeting_id=meeting.pk)

        self.stdout.write(
            f"Demo data ready: customer {customer.slug!r} ({customer.get_sync_state_display()})."
        )
        for backend, (option, (slug, name), credentials, path) in OTHER_SERVERS.items():
            if options[option]:
                self._customer_on(
                    backend, f"http://127.0.0.1:{options[option]}{path}", slug, name, credentials
                )

    def _customer_on(self, backend, url, slug, name, credentials):
        """A customer on a server of ``backend``, a host, and (where it can) a published meeting."""
        server = MeetingServer.objects.filter(backend=backend, base_url=url).first()
        if server is None:
            server = server_save(
                server=MeetingServer(),
                backend=backend,
                name=f"Demo {backend}",
                base_url=url,
                credentials=credentials,
            )
        customer = Customer.objects.filter(slug=slug).first()
        if customer is None:
            customer = customer_create(
                name=name,
                slug=slug,
                contact_email=f"it@{slug}.example",
                server=server,
                time_zone="Europe/Berlin",
            )
        customer_push(customer_id=customer.pk)
        email = f"host@{slug}.example"
        host = Host.objects.filter(user__username=email).first()
        if host is None:
            host = host_create(
                customer=customer,
                email=email,
                password=HOST[1],
                first_name="Demo",
                last_name="Host",
                is_administrator=True,
            )
        if (
            Capability.SCHEDULE in server.capabilities
            and not Meeting.objects.filter(host=host).exists()
        ):
            start = (timezone.now() + dt.timedelta(hours=2)).replace(
                minute=0, second=0, microsecond=0
            )
            meeting_schedule(
                host=host,
                topic=f"{name}: weekly call",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=1),
                is_published=True,
            )
        for meeting in Meeting.objects.filter(host=host).exclude(sync_state="synced"):
            meeting_push(meeting_id=meeting.pk)
        self.stdout.write(f"Demo customer {slug!r} on {backend} ({url}); host {email}.")
