from django.db import migrations, models


def retire_chosen_options_no_longer_offered(apps, schema_editor):
    """Options people chose that a multiple-choice question no longer offers keep a column
    in the exports: find them in the answers given so far."""
    Question = apps.get_model("webinars", "Question")
    Registration = apps.get_model("webinars", "Registration")
    for question in Question.objects.filter(answer_type="multiple_choice").iterator():
        offered = {line.strip() for line in question.choices.splitlines() if line.strip()}
        key = str(question.pk)
        chosen: dict[str, None] = {}
        answers = Registration.objects.filter(webinar_id=question.webinar_id).values_list(
            "answers", flat=True
        )
        for given in answers.iterator():
            value = given.get(key) if isinstance(given, dict) else None
            for option in value if isinstance(value, list) else [value] if value else []:
                if isinstance(option, str) and option not in offered:
                    chosen[option] = None
        if chosen:
            question.retired_choices = "\n".join(chosen)
            question.save(update_fields=["retired_choices"])


class Migration(migrations.Migration):
    dependencies = [
        ("webinars", "0011_webinar_calendar_sequence"),
    ]

    operations = [
        migrations.AddField(
            model_name="question",
            name="retired_choices",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(retire_chosen_options_no_longer_offered, migrations.RunPython.noop),
    ]
