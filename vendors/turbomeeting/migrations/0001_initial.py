# TurboMeeting's data, moved out of the accounts app: the live sign-ins are copied over
# before accounts' 0010 drops them there.

import django.db.models.deletion
from django.db import migrations, models


def copy_query_tokens(apps, schema_editor):
    old = apps.get_model("accounts", "QueryToken")
    new = apps.get_model("turbomeeting", "QueryToken")
    new.objects.bulk_create(
        new(
            host_id=token.host_id,
            token_hash=token.token_hash,
            created_at=token.created_at,
            expires_at=token.expires_at,
        )
        for token in old.objects.iterator()
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0009_meetingserver"),
    ]
    run_before = [
        ("accounts", "0010_turbomeeting_data_moved"),
    ]

    operations = [
        migrations.CreateModel(
            name="QueryToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField(db_index=True)),
                (
                    "host",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="turbomeeting_query_tokens",
                        to="accounts.host",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_query_tokens, migrations.RunPython.noop),
    ]
