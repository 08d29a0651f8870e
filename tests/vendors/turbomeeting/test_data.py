"""TurboMeeting's data is its own: moved out of the core by a migration, edited beside the
host in the admin and the API."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import HostFactory
from vendors.turbomeeting.models import HostProfile, QueryToken


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_privileges_and_sign_ins_over():
    host, other = HostFactory(), HostFactory()
    before = [("accounts", "0009_meetingserver"), ("turbomeeting", None)]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state([before[0]]).apps
        old.get_model("accounts", "Host").objects.filter(pk=host.pk).update(
            privilege_record=True, video_conference=False
        )
        old.get_model("accounts", "QueryToken").objects.create(
            host_id=host.pk, token_hash="a" * 64, expires_at=timezone.now() + dt.timedelta(hours=1)
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    moved = HostProfile.objects.get(host=host)
    assert (moved.privilege_record, moved.video_conference, moved.privilege_chat) == (
        True,
        False,
        True,
    )
    assert not HostProfile.objects.get(host=other).privilege_record
    assert QueryToken.objects.get().host_id == host.pk


@pytest.mark.django_db
def test_the_admin_edits_a_hosts_privileges_beside_it(admin_client):
    host = HostFactory()
    url = f"/admin/accounts/host/{host.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and b"TurboMeeting privileges" in page.content
    form = {
        "customer": host.customer.pk,
        "phone": host.phone,
        "user_group": host.user_group,
        "turbomeeting-TOTAL_FORMS": "1",
        "turbomeeting-INITIAL_FORMS": "0",
        "turbomeeting-MIN_NUM_FORMS": "0",
        "turbomeeting-MAX_NUM_FORMS": "1",
        "turbomeeting-0-host": host.pk,
        "turbomeeting-0-privilege_record": "on",
    }
    done = admin_client.post(url, form)
    assert done.status_code == 302, done.content
    assert HostProfile.objects.get(host=host).privilege_record
