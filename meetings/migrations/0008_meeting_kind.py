from django.db import migrations


class Migration(migrations.Migration):
    """The meeting's kind keeps its numbers (conferencing.base.MeetingKind); only its name changes."""

    dependencies = [
        ("meetings", "0007_meeting_managed_by"),
    ]

    operations = [
        migrations.RenameField(model_name="meeting", old_name="meeting_type", new_name="kind"),
    ]
