"""Exports get an unguessable id for their URLs; existing jobs get one each."""

import uuid

from django.db import migrations, models


def fill_uids(apps, schema_editor):
    RegistrationExport = apps.get_model("webinars", "RegistrationExport")
    for export in RegistrationExport.objects.filter(uid__isnull=True).only("pk"):
        export.uid = uuid.uuid4()
        export.save(update_fields=["uid"])


class Migration(migrations.Migration):
    dependencies = [("webinars", "0005_registration_cancellation_sent_at")]

    operations = [
        migrations.AddField(
            model_name="registrationexport",
            name="uid",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(fill_uids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="registrationexport",
            name="uid",
            field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False),
        ),
    ]
