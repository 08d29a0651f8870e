"""Re-encrypt every stored secret with the first CONFERENCING_SECRET_KEYS key.

That is each meeting server's credentials, each meeting's password and each webhook
endpoint's signing secrets.
Rotation: put a new key first in CONFERENCING_SECRET_KEYS (keeping the old
ones after it), deploy, run this, then drop the old keys.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from meetings.models import Meeting
from portal import crypto
from portal.accounts.models import MeetingServer
from portal.webhooks.models import Endpoint


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        with transaction.atomic():
            servers = list(
                MeetingServer.objects.select_for_update().exclude(credentials_encrypted="")
            )
            for server in servers:
                server.credentials_encrypted = crypto.rotate(server.credentials_encrypted)
            MeetingServer.objects.bulk_update(servers, ["credentials_encrypted"])
            meetings = list(
                Meeting.objects.select_for_update()
                .exclude(password_encrypted="")
                .only("pk", "password_encrypted")
            )
            for meeting in meetings:
                meeting.password_encrypted = crypto.rotate(meeting.password_encrypted)
            Meeting.objects.bulk_update(meetings, ["password_encrypted"], batch_size=1000)
            endpoints = list(Endpoint.objects.select_for_update())
            for endpoint in endpoints:
                endpoint.secret_encrypted = crypto.rotate(endpoint.secret_encrypted)
                if endpoint.previous_secret_encrypted:
                    previous = crypto.rotate(endpoint.previous_secret_encrypted)
                    endpoint.previous_secret_encrypted = previous
            Endpoint.objects.bulk_update(
                endpoints, ["secret_encrypted", "previous_secret_encrypted"], batch_size=1000
            )
        self.stdout.write(
            f"Re-encrypted the credentials of {len(servers)} meeting server(s), "
            f"the passwords of {len(meetings)} meeting(s) "
            f"and the signing secrets of {len(endpoints)} webhook endpoint(s)."
        )
