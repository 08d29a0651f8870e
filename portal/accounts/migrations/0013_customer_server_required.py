import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_customers_on_the_environment_server"),
    ]

    operations = [
        migrations.AlterField(
            model_name="customer",
            name="server",
            field=models.ForeignKey(
                help_text="The server its meetings live on.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="customers",
                to="accounts.meetingserver",
                verbose_name="meeting server",
            ),
        ),
    ]
