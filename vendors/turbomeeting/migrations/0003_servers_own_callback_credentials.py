"""Each TurboMeeting server gets its own callback credentials (its allowed addresses and
its password encoding and key), which until now were the environment's ``TM_*`` settings
for every TurboMeeting server: each row keeps what it used, in its encrypted credentials.
The environment's row is then kept in step with ``TM_*`` on every migrate."""

from django.conf import settings
from django.db import migrations

from portal import crypto


def _readable(token: str) -> dict[str, str]:
    try:
        return crypto.decrypt_secrets(token)
    except ValueError:
        return {}  # entered again in the admin, with the rest of its credentials


def forwards(apps, schema_editor) -> None:
    MeetingServer = apps.get_model("accounts", "MeetingServer")
    used = {
        "callback_allowed_ips": ", ".join(settings.TM_CALLBACK_ALLOWED_IPS),
        "password_encoding": settings.TM_PASSWORD_ENCODING,
        "password_key": settings.TM_PASSWORD_KEY,
    }
    for server in MeetingServer.objects.filter(backend="turbomeeting"):
        stored = _readable(server.credentials_encrypted)
        if not stored:
            continue
        values = {name: value for name, value in used.items() if value} | stored
        server.credentials_encrypted = crypto.encrypt_secrets(values)
        server.save(update_fields=["credentials_encrypted"])


def backwards(apps, schema_editor) -> None:
    MeetingServer = apps.get_model("accounts", "MeetingServer")
    for server in MeetingServer.objects.filter(backend="turbomeeting"):
        stored = _readable(server.credentials_encrypted)
        for name in ("callback_allowed_ips", "password_encoding", "password_key"):
            stored.pop(name, None)
        server.credentials_encrypted = crypto.encrypt_secrets(stored)
        server.save(update_fields=["credentials_encrypted"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0015_turbomeeting_data_moved"),
        ("turbomeeting", "0002_querytoken_server"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
