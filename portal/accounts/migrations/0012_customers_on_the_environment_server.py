"""Every customer gets a server row: those without one (they used the default server of
the TM_* settings) move to the server row the environment manages, made here if it is
not there yet (``migrate`` then fills in its credentials: portal.accounts.apps)."""

from django.conf import settings
from django.db import migrations

#: As portal.servers.ENVIRONMENT_SERVER_NAME was when this migration was written.
NAME = "TurboMeeting (environment)"


def forwards(apps, schema_editor) -> None:
    Customer = apps.get_model("accounts", "Customer")
    MeetingServer = apps.get_model("accounts", "MeetingServer")
    without = Customer.objects.filter(server__isnull=True)
    if not without.exists():
        return
    server = MeetingServer.objects.filter(from_environment=True).first()
    if server is None:
        if not settings.TM_SERVER_URL:
            names = ", ".join(without.values_list("slug", flat=True)[:10])
            raise RuntimeError(
                f"Customers without a meeting server ({names}) used the default server of "
                "TM_SERVER_URL, which is not set: set it (and the other TM_* settings) for "
                "this migrate, or choose their servers first."
            )
        server = MeetingServer.objects.create(
            name=NAME,
            backend="turbomeeting",
            base_url=settings.TM_SERVER_URL,
            time_zone=settings.TM_SERVER_TIME_ZONE,
            from_environment=True,
        )
    without.update(server=server)


def backwards(apps, schema_editor) -> None:
    """They used the environment's server as the default; so they do again."""
    Customer = apps.get_model("accounts", "Customer")
    Customer.objects.filter(server__from_environment=True).update(server=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_meetingserver_from_environment"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
