"""A meeting server's credentials become one encrypted value, keyed by the names its
backend declares (``credential_fields``); the columns client_id, admin_user and
partner_id and the encrypted secrets go into it, and come back out when reversed."""

from django.db import migrations, models

from portal import crypto

#: The old columns and secrets (as the record held them) -> each bundled backend's field
#: names, frozen here as they were when this migration was written.
RENAMED = {
    "turbomeeting": {
        "partner_id": "service_company_uid",
        "integration_code": "integration_code",
        "admin_user": "admin_email",
        "admin_password": "admin_password",
    },
    "trueconf": {"client_id": "client_id", "client_secret": "client_secret"},
    "openmeetings": {"admin_user": "admin_user", "admin_password": "admin_password"},
    "webex": {},
}
COLUMNS = ("client_id", "admin_user", "partner_id")
SECRETS = ("client_secret", "admin_password", "integration_code")


def _readable(token: str) -> dict[str, str]:
    """The old secrets; none if their key is gone (they could not be used anyway)."""
    try:
        return crypto.decrypt_secrets(token)
    except ValueError:
        return {}


def forwards(apps, schema_editor) -> None:
    MeetingServer = apps.get_model("accounts", "MeetingServer")
    for server in MeetingServer.objects.all():
        old = {name: getattr(server, name) for name in COLUMNS}
        old |= _readable(server.secrets_encrypted)
        # A backend registered by a plug-in keeps the old names: a person renames them.
        renamed = RENAMED.get(server.backend, {name: name for name in (*COLUMNS, *SECRETS)})
        values = {new: old[name] for name, new in renamed.items() if old.get(name)}
        server.credentials_encrypted = crypto.encrypt_secrets(values)
        server.save(update_fields=["credentials_encrypted"])


def backwards(apps, schema_editor) -> None:
    MeetingServer = apps.get_model("accounts", "MeetingServer")
    for server in MeetingServer.objects.all():
        values = _readable(server.credentials_encrypted)
        renamed = RENAMED.get(server.backend, {name: name for name in (*COLUMNS, *SECRETS)})
        old = {name: values.get(new, "") for name, new in renamed.items()}
        for name in COLUMNS:
            setattr(server, name, old.get(name, ""))
        server.secrets_encrypted = crypto.encrypt_secrets(
            {name: old[name] for name in SECRETS if old.get(name)}
        )
        server.save(update_fields=[*COLUMNS, "secrets_encrypted"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_meetingserver"),
    ]

    operations = [
        migrations.AddField(
            model_name="meetingserver",
            name="credentials_encrypted",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="meetingserver", name="client_id"),
        migrations.RemoveField(model_name="meetingserver", name="admin_user"),
        migrations.RemoveField(model_name="meetingserver", name="partner_id"),
        migrations.RemoveField(model_name="meetingserver", name="secrets_encrypted"),
        migrations.AlterModelOptions(
            name="meetingserver",
            options={
                "ordering": ["name"],
                "verbose_name": "meeting server",
                "verbose_name_plural": "meeting servers",
            },
        ),
    ]
