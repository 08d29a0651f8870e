from django.db import migrations, models

import portal.accounts.models


OLD, NEW = ("conferencingserver", "conferencing server"), ("meetingserver", "meeting server")


def _rename_permissions(apps, old, new) -> None:
    """The content type is renamed with the model, its permissions are not: staff who
    held them would lose them to new ones nobody holds."""
    Permission = apps.get_model("auth", "Permission")
    for permission in Permission.objects.filter(
        content_type__app_label="accounts", codename__endswith=f"_{old[0]}"
    ):
        codename = permission.codename.removesuffix(old[0]) + new[0]
        if Permission.objects.filter(
            content_type_id=permission.content_type_id, codename=codename
        ).exists():
            continue
        permission.codename = codename
        permission.name = permission.name.replace(old[1], new[1])
        permission.save(update_fields=["codename", "name"])


def forwards(apps, schema_editor) -> None:
    _rename_permissions(apps, OLD, NEW)


def backwards(apps, schema_editor) -> None:
    _rename_permissions(apps, NEW, OLD)


class Migration(migrations.Migration):
    """A meeting server is a MeetingServer, and its backend's name is its ``backend``."""

    dependencies = [
        ("accounts", "0008_customer_publication_version"),
        # Renaming a model renames its content type: that table must have its final shape.
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RenameModel(old_name="ConferencingServer", new_name="MeetingServer"),
        migrations.RunPython(forwards, backwards),
        migrations.RenameField(model_name="meetingserver", old_name="kind", new_name="backend"),
        migrations.AlterField(
            model_name="meetingserver",
            name="backend",
            field=models.CharField(choices=portal.accounts.models._backend_choices, max_length=40),
        ),
    ]
