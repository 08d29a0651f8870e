from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0012_meeting_sync_detail"),
    ]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="poll_round_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]
