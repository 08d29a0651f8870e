"""Mark the meetings of existing webinars as managed by them (Meeting.managed_by)."""

from django.db import migrations


def mark(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    Webinar = apps.get_model("webinars", "Webinar")
    for pk, meeting_id in Webinar.objects.values_list("pk", "meeting_id").iterator():
        Meeting.objects.filter(pk=meeting_id).update(
            managed_by="webinar",
            managed_page=f"/dashboard/webinars/{pk}/",  # the paths as they were then
            managed_api=f"/api/v1/webinars/{pk}/",
        )


def unmark(apps, schema_editor):
    apps.get_model("meetings", "Meeting").objects.filter(managed_by="webinar").update(
        managed_by="", managed_page="", managed_api=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0007_meeting_managed_by"),
        ("webinars", "0008_registration_language"),
    ]

    operations = [migrations.RunPython(mark, unmark)]
