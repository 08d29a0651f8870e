from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_meetingserver_credentials"),
    ]

    operations = [
        migrations.AddField(
            model_name="meetingserver",
            name="from_environment",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="Managed by the environment (TM_* settings), kept in step on every "
                "migrate: read-only here.",
            ),
        ),
        migrations.AddConstraint(
            model_name="meetingserver",
            constraint=models.UniqueConstraint(
                condition=models.Q(("from_environment", True)),
                fields=("from_environment",),
                name="one_server_from_the_environment",
            ),
        ),
    ]
