from django.db import migrations, models


class Migration(migrations.Migration):
    """A question's kind is its answer type: the values stay, only the name changes."""

    dependencies = [
        ("webinars", "0009_meetings_managed_by_webinars"),
    ]

    operations = [
        migrations.RenameField(model_name="question", old_name="kind", new_name="answer_type"),
        migrations.AlterField(
            model_name="question",
            name="answer_type",
            field=models.CharField(
                choices=[
                    ("short_text", "Short text"),
                    ("long_text", "Long text"),
                    ("single_choice", "Single choice"),
                    ("multiple_choice", "Multiple choice"),
                    ("checkbox", "Checkbox"),
                    ("date", "Date"),
                    ("phone", "Phone number"),
                ],
                default="short_text",
                max_length=20,
                verbose_name="type",
            ),
        ),
    ]
