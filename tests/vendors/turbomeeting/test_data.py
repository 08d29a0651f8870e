"""TurboMeeting's data is its own: moved out of the core by a migration, edited beside the
host in the admin and the API."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import CustomerFactory, HostFactory
from tests.migrations import migrate_to_newest
from vendors.turbomeeting.models import CustomerProfile, HostProfile, QueryToken


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_accounts_privileges_and_sign_ins_over():
    host, other = HostFactory(), HostFactory()
    before = [("accounts", "0014_host_language"), ("turbomeeting", None)]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state([before[0]]).apps
        old.get_model("accounts", "Host").objects.filter(pk=host.pk).update(
            privilege_record=True, video_conference=False
        )
        old.get_model("accounts", "Customer").objects.filter(pk=host.customer_id).update(
            company_uid="uid-before", number_of_meeting_rooms=4, participants_per_room=30
        )
        old.get_model("accounts", "QueryToken").objects.create(
            host_id=host.pk, token_hash="a" * 64, expires_at=timezone.now() + dt.timedelta(hours=1)
        )
    finally:
        migrate_to_newest()

    moved = HostProfile.objects.get(host=host)
    assert (moved.privilege_record, moved.video_conference, moved.privilege_chat) == (
        True,
        False,
        True,
    )
    assert not HostProfile.objects.get(host=other).privilege_record
    assert QueryToken.objects.get().host_id == host.pk
    account = CustomerProfile.objects.get(customer=host.customer)
    assert (account.company_uid, account.number_of_meeting_rooms) == ("uid-before", 4)
    assert account.participants_per_room == 30
    assert CustomerProfile.objects.filter(customer=other.customer).exists()


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


@pytest.mark.django_db
def test_the_admin_shows_a_customers_company_uid_and_edits_its_licence(admin_client):
    customer = CustomerFactory(company_uid="uid-shown", number_of_meeting_rooms=3)
    page = admin_client.get(f"/admin/accounts/customer/{customer.pk}/change/").content.decode()
    assert "TurboMeeting account" in page and "uid-shown" in page
    assert 'name="turbomeeting-0-number_of_meeting_rooms" value="3"' in page
    assert 'name="turbomeeting-0-company_uid"' not in page  # the server's, not ours to change


@pytest.mark.django_db
def test_the_api_shows_the_company_uid_and_takes_no_other(admin_user):
    api = APIClient()
    api.force_authenticate(admin_user)
    customer = CustomerFactory(company_uid="uid-shown")
    url = f"/api/v1/customers/{customer.pk}/"
    assert api.get(url).json()["turbomeeting"]["company_uid"] == "uid-shown"
    changed = api.patch(
        url,
        {"turbomeeting": {"company_uid": "mine", "number_of_meeting_rooms": 7}},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["turbomeeting"] | {"participants_per_room": 0} == {
        "company_uid": "uid-shown",
        "number_of_meeting_rooms": 7,
        "participants_per_room": 0,
    }
