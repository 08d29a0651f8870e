"""Demo data for `make run`: an admin, a customer with a host, a few meetings.

Idempotent: running it again changes nothing that is there already.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from meetings.models import Meeting
from meetings.services import meeting_push, meeting_schedule
from portal.accounts.models import Customer, Host
from portal.accounts.services import customer_create, customer_push, host_create

ADMIN = ("admin", "admin-demo-password")
HOST = ("host@acme.example", "host-demo-password")


class Command(BaseCommand):
    help = "Load demo data (admin, customer 'acme', a host, meetings); safe to run again."

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
