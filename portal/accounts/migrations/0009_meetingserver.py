from django.db import migrations, models

import portal.accounts.models


class Migration(migrations.Migration):
    """A meeting server is a MeetingServer, and its backend's name is its ``backend``."""

    dependencies = [
        ("accounts", "0008_customer_publication_version"),
    ]

    operations = [
        migrations.RenameModel(old_name="ConferencingServer", new_name="MeetingServer"),
        migrations.RenameField(model_name="meetingserver", old_name="kind", new_name="backend"),
        migrations.AlterField(
            model_name="meetingserver",
            name="backend",
            field=models.CharField(choices=portal.accounts.models._backend_choices, max_length=40),
        ),
    ]
