"""The database table behind the "limits" cache when there is no Redis (settings.CACHES).

``createcachetable`` makes the tables of every database cache in the settings
and skips those that exist; with Redis configured there is none to make.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_sync_version")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
