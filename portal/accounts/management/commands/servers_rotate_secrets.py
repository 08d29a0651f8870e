"""Re-encrypt every meeting server's credentials with the first CONFERENCING_SECRET_KEYS key.

Rotation: put a new key first in CONFERENCING_SECRET_KEYS (keeping the old
ones after it), deploy, run this, then drop the old keys.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from portal import crypto
from portal.accounts.models import ConferencingServer


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        with transaction.atomic():
            servers = list(
                ConferencingServer.objects.select_for_update().exclude(secrets_encrypted="")
            )
            for server in servers:
                server.secrets_encrypted = crypto.rotate_secrets(server.secrets_encrypted)
            ConferencingServer.objects.bulk_update(servers, ["secrets_encrypted"])
        self.stdout.write(f"Re-encrypted the credentials of {len(servers)} meeting server(s).")
