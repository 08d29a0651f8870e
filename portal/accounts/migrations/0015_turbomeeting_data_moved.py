# TurboMeeting's data moved to its own app (vendors.turbomeeting), whose migrations copy it
# over before this one runs (run_before): without that app installed, it is dropped.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0014_host_language"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="customer", name="unique_company_uid"),
        migrations.RemoveField(model_name="customer", name="company_uid"),
        migrations.RemoveField(model_name="customer", name="number_of_meeting_rooms"),
        migrations.RemoveField(model_name="customer", name="participants_per_room"),
        migrations.DeleteModel(
            name="QueryToken",
        ),
        *(
            migrations.RemoveField(model_name="host", name=name)
            for name in [
                "privilege_interactive_meeting",
                "privilege_seminar",
                "privilege_remote_support",
                "privilege_remote_access",
                "privilege_send_file",
                "privilege_chat",
                "privilege_record",
                "video_conference",
            ]
        ),
    ]
