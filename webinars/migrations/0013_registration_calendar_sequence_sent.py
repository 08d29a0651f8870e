from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def told_of_the_webinar_as_it_is(apps, schema_editor):
    """Registrations made before this field count as told of every change so far: no
    sweep owes them an update mail for what was already sent (or never will be)."""
    Registration = apps.get_model("webinars", "Registration")
    Webinar = apps.get_model("webinars", "Webinar")
    Registration.objects.update(
        calendar_sequence_sent=Subquery(
            Webinar.objects.filter(pk=OuterRef("webinar_id")).values("calendar_sequence")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [("webinars", "0012_question_retired_choices")]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="calendar_sequence_sent",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(told_of_the_webinar_as_it_is, migrations.RunPython.noop),
    ]
