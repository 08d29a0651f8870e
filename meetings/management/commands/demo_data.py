"""Demo data for `make run`: an admin, a customer with a host, a few meetings.

With ``--fake NAME:PORT`` (once per fake `make run` serves), also one customer on a
server of that backend, with the fake's demo credentials (conferencing/fakes/__init__.py)
and a host ``host@NAME.example``.

Idempotent: running it again changes nothing that is there already.
"""

import argparse
import datetime as dt
import importlib

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from conferencing.base import Capability, backend_class
from meetings.models import Meeting
from meetings.services import meeting_push, meeting_schedule
from portal.accounts.models import Customer, Host, MeetingServer
from portal.accounts.services import customer_create, customer_push, host_create, server_save
from portal.vendors import demo_values

ADMIN = ("admin", "admin-demo-password")
HOST = ("host@acme.example", "host-demo-password")


def fake_served(value: str) -> tuple[str, int]:
    """``NAME:PORT``: a backend's fake, served on that loopback port."""
    name, _, port = value.partition(":")
    try:
        backend_class(name)
        return name, int(port)
    except (LookupError, ValueError):
        raise argparse.ArgumentTypeError(
            f"a backend's name and a port (NAME:PORT): {value!r}"
        ) from None


class Command(BaseCommand):
    help = "Load demo data (admin, customer 'acme', a host, meetings); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fake",
            action="append",
            default=[],
            type=fake_served,
            metavar="NAME:PORT",
            help="a customer on the fake server of backend NAME, served on PORT",
        )

    def handle(self, *args, **options):
        User = get_user_model()
        if not User.objects.filter(username=ADMIN[0]).exists():
            User.objects.create_superuser(ADMIN[0], "admin@portal.example", ADMIN[1])

        customer = Customer.objects.filter(slug="acme").first()
        if customer is None:
            # On the environment's server, which migrate keeps as a row.
            environment = MeetingServer.objects.filter(from_environment=True).first()
            customer = customer_create(
                name="Acme Corporation",
                slug="acme",
                contact_email="it@acme.example",
                time_zone="Europe/Berlin",
                embed_origins="http://localhost:8001\nhttp://127.0.0.1:8001",
                **demo_values(environment.backend if environment else ""),
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
        for backend, port in options["fake"]:
            self._customer_on(backend, port)

    def _customer_on(self, backend, port):
        """A customer on the fake server of ``backend``, a host, and (where it can) a
        published meeting."""
        fake = importlib.import_module(backend_class(backend).fake)
        url = fake.Fake().site_url(f"http://127.0.0.1:{port}")
        slug, name = backend, f"Demo customer ({backend})"
        server = MeetingServer.objects.filter(backend=backend, base_url=url).first()
        if server is None:
            server = server_save(
                server=MeetingServer(),
                backend=backend,
                name=f"Demo {backend}",
                base_url=url,
                credentials=dict(fake.DEMO),
            )
        customer = Customer.objects.filter(slug=slug).first()
        if customer is None:
            customer = customer_create(
                name=name,
                slug=slug,
                contact_email=f"it@{slug}.example",
                server=server,
                time_zone="Europe/Berlin",
                **demo_values(backend),
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
