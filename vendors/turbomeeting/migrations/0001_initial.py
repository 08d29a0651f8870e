# TurboMeeting's data, moved out of the accounts app: the customers' company UIDs and
# licences, the hosts' privileges and the live sign-ins are copied over before accounts'
# 0015 drops them there.

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


def copy_query_tokens(apps, schema_editor):
    old = apps.get_model("accounts", "QueryToken")
    new = apps.get_model("turbomeeting", "QueryToken")
    new.objects.bulk_create(
        new(
            host_id=token.host_id,
            token_hash=token.token_hash,
            created_at=token.created_at,
            expires_at=token.expires_at,
        )
        for token in old.objects.iterator()
    )


PRIVILEGES = [
    "privilege_interactive_meeting",
    "privilege_seminar",
    "privilege_remote_support",
    "privilege_remote_access",
    "privilege_send_file",
    "privilege_chat",
    "privilege_record",
    "video_conference",
]


def copy_privileges(apps, schema_editor):
    host = apps.get_model("accounts", "Host")
    profile = apps.get_model("turbomeeting", "HostProfile")
    profile.objects.bulk_create(
        profile(host_id=values.pop("pk"), **values)
        for values in host.objects.values("pk", *PRIVILEGES).iterator()
    )


def copy_accounts(apps, schema_editor):
    customer = apps.get_model("accounts", "Customer")
    profile = apps.get_model("turbomeeting", "CustomerProfile")
    fields = ["company_uid", "number_of_meeting_rooms", "participants_per_room"]
    profile.objects.bulk_create(
        profile(customer_id=values.pop("pk"), **values)
        for values in customer.objects.values("pk", *fields).iterator()
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0014_host_language"),
    ]
    run_before = [
        ("accounts", "0015_turbomeeting_data_moved"),
    ]

    operations = [
        migrations.CreateModel(
            name="QueryToken",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("expires_at", models.DateTimeField(db_index=True)),
                (
                    "host",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="turbomeeting_query_tokens",
                        to="accounts.host",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="HostProfile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("privilege_interactive_meeting", models.BooleanField(default=True)),
                ("privilege_seminar", models.BooleanField(default=True)),
                ("privilege_remote_support", models.BooleanField(default=False)),
                ("privilege_remote_access", models.BooleanField(default=False)),
                ("privilege_send_file", models.BooleanField(default=True)),
                ("privilege_chat", models.BooleanField(default=True)),
                ("privilege_record", models.BooleanField(default=False)),
                ("video_conference", models.BooleanField(default=True)),
                (
                    "host",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="turbomeeting",
                        to="accounts.host",
                    ),
                ),
            ],
            options={
                "verbose_name": "TurboMeeting privileges",
                "verbose_name_plural": "TurboMeeting privileges",
            },
        ),
        migrations.CreateModel(
            name="CustomerProfile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "company_uid",
                    models.CharField(
                        blank=True,
                        editable=False,
                        help_text="The account ID the meeting server returned.",
                        max_length=36,
                    ),
                ),
                (
                    "number_of_meeting_rooms",
                    models.PositiveIntegerField(
                        default=1, validators=[django.core.validators.MinValueValidator(1)]
                    ),
                ),
                (
                    "participants_per_room",
                    models.PositiveIntegerField(
                        default=10, validators=[django.core.validators.MinValueValidator(1)]
                    ),
                ),
                (
                    "customer",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="turbomeeting",
                        to="accounts.customer",
                    ),
                ),
            ],
            options={
                "verbose_name": "TurboMeeting account",
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("company_uid", ""), _negated=True),
                        fields=("company_uid",),
                        name="turbomeeting_unique_company_uid",
                        violation_error_message="Another customer already has this company UID.",
                    )
                ],
            },
        ),
        migrations.RunPython(copy_accounts, migrations.RunPython.noop),
        migrations.RunPython(copy_query_tokens, migrations.RunPython.noop),
        migrations.RunPython(copy_privileges, migrations.RunPython.noop),
    ]
