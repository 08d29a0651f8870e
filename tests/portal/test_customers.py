import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal import sync
from portal.accounts import services
from portal.accounts.models import Customer, SyncState
from tests.conftest import environment_server_follows_settings
from tests.factories import HostFactory, company_uid

pytestmark = pytest.mark.django_db


def make_due(customer: Customer) -> None:
    Customer.objects.filter(pk=customer.pk).update(next_sync_at=timezone.now() - dt.timedelta(1))


def create(django_capture_on_commit_callbacks, **overrides) -> Customer:
    data = {
        "name": "Globex",
        "contact_email": "it@globex.example",
        "turbomeeting": {"number_of_meeting_rooms": 3, "participants_per_room": 40},
        "time_zone": "America/New_York",
    }
    with django_capture_on_commit_callbacks(execute=True):
        customer = services.customer_create(**(data | overrides))
    customer.refresh_from_db()
    return customer


def test_create_mirrors_the_account_on_the_server(fake_tm, django_capture_on_commit_callbacks):
    customer = create(django_capture_on_commit_callbacks)

    assert customer.sync_state == SyncState.SYNCED
    assert customer.slug == "globex"
    account = fake_tm.accounts[company_uid(customer)]
    assert (account.company_name, account.email) == ("Globex", "it@globex.example")
    assert (account.meeting_rooms, account.participants_per_room) == (3, 40)


def test_server_down_keeps_the_customer_and_syncs_once_it_is_back(
    fake_tm, django_capture_on_commit_callbacks
):
    fake_tm.mode = "down"
    customer = create(django_capture_on_commit_callbacks)

    assert customer.pk and customer.sync_state == SyncState.PENDING
    assert "could not be reached" in customer.sync_error
    assert customer.next_sync_at > timezone.now()
    assert customer.sync_attempts == 1
    assert fake_tm.accounts == {}

    assert services.customers_push_due() == 0  # not due yet: backoff
    fake_tm.mode = "ok"
    make_due(customer)
    assert services.customers_push_due() == 1
    customer.refresh_from_db()
    assert customer.sync_state == SyncState.SYNCED and customer.sync_error == ""
    assert len(fake_tm.accounts) == 1

    services.customer_push(customer_id=customer.pk)  # pushing again never creates twice
    assert len(fake_tm.accounts) == 1


def test_a_refusal_is_kept_with_the_servers_reason(
    fake_tm, settings, django_capture_on_commit_callbacks
):
    settings.TM_SERVICE_COMPANY_UID = "not-the-partner"
    environment_server_follows_settings()
    customer = create(django_capture_on_commit_callbacks)

    assert customer.sync_state == SyncState.FAILED
    assert customer.sync_error.startswith("The meeting server refused:")
    assert len(customer.sync_error) > len("The meeting server refused:")
    assert customer.next_sync_at is not None  # retried with backoff: the operator may fix it


def test_garbage_from_the_server_is_a_retry_not_a_loss(fake_tm, django_capture_on_commit_callbacks):
    fake_tm.mode = "garbage"
    customer = create(django_capture_on_commit_callbacks)
    assert customer.sync_state == SyncState.FAILED
    assert "unexpected" in customer.sync_error
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_update_is_mirrored(fake_tm, django_capture_on_commit_callbacks):
    customer = create(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_update(
            customer=customer, name="Globex Inc.", turbomeeting={"participants_per_room": 99}
        )
    customer.refresh_from_db()
    assert customer.sync_state == SyncState.SYNCED
    account = fake_tm.accounts[company_uid(customer)]
    assert (account.company_name, account.participants_per_room) == ("Globex Inc.", 99)


def test_invalid_data_is_refused_before_anything_is_saved(fake_tm):
    with pytest.raises(ValidationError) as error:
        services.customer_create(name="X", contact_email="not-an-email", time_zone="Mars/Base")
    assert {"contact_email", "time_zone"} <= set(error.value.message_dict)
    assert not Customer.objects.exists()
    with pytest.raises(ValidationError):
        services.customer_create(
            name="X", contact_email="a@b.example", embed_origins="javascript:x"
        )


def test_delete_is_mirrored_and_refuses_its_hosts(fake_tm, django_capture_on_commit_callbacks):
    customer = create(django_capture_on_commit_callbacks)
    host = HostFactory(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_delete(customer=customer)
    customer.refresh_from_db()
    host.refresh_from_db()
    assert customer.is_deleted and customer.sync_state == SyncState.SYNCED
    assert company_uid(customer) not in fake_tm.accounts
    assert host.is_deleted and not host.user.is_active


def test_delete_of_an_account_already_gone_counts_as_done(
    fake_tm, django_capture_on_commit_callbacks
):
    customer = create(django_capture_on_commit_callbacks)
    del fake_tm.accounts[company_uid(customer)]
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_delete(customer=customer)
    customer.refresh_from_db()
    assert customer.sync_state == SyncState.SYNCED


def test_drift_shows_the_servers_view_beside_ours(fake_tm, django_capture_on_commit_callbacks):
    customer = create(django_capture_on_commit_callbacks)
    assert services.customer_drift(customer=customer).in_step

    account = fake_tm.accounts[company_uid(customer)]
    fake_tm.accounts[company_uid(customer)] = type(account)(
        company_name="Renamed on the server",
        email=account.email,
        meeting_rooms=account.meeting_rooms,
        participants_per_room=account.participants_per_room,
        account_id=account.account_id,
    )
    drift = services.customer_drift(customer=customer)
    assert not drift.in_step
    assert drift.differences == {"company_name": ("Globex", "Renamed on the server")}

    fake_tm.mode = "down"
    drift = services.customer_drift(customer=customer)
    assert drift.server is None and "could not be reached" in drift.error


def test_a_row_is_pushed_by_one_worker_at_a_time(fake_tm):
    customer = services.customer_create(name="Initech", contact_email="it@initech.example")
    assert sync.claim(Customer, customer.pk) is not None
    assert sync.claim(Customer, customer.pk) is None
    assert services.customer_push(customer_id=customer.pk) is None
    assert fake_tm.accounts == {}


def test_backoff_grows_and_is_capped():
    delays = [sync.backoff(n).total_seconds() for n in range(1, 12)]
    assert delays[:3] == [30, 60, 120]
    assert delays == sorted(delays)
    assert max(delays) == sync.BACKOFF_MAX_SECONDS


@pytest.mark.django_db(transaction=True)
def test_an_edit_made_during_a_push_is_pushed_too(fake_tm):
    import threading

    from django.db import connection

    customer = services.customer_create(name="Old Name", contact_email="it@old.example")
    services.customer_push(customer_id=customer.pk)
    fake_tm.latency = 0.4  # the next push talks to the server for a while

    def push():
        try:
            services.customer_push(customer_id=customer.pk)
        finally:
            connection.close()

    Customer.objects.filter(pk=customer.pk).update(next_sync_at=timezone.now())
    pushing = threading.Thread(target=push)
    pushing.start()
    time_to_claim = 0.15
    pushing.join(time_to_claim)
    services.customer_update(customer=Customer.objects.get(pk=customer.pk), name="New Name")
    pushing.join()

    customer.refresh_from_db()
    assert customer.sync_state == SyncState.PENDING  # not "synced" with the old name
    assert customer.next_sync_at <= timezone.now()
    fake_tm.latency = 0
    services.customers_push_due()
    customer.refresh_from_db()
    assert customer.sync_state == SyncState.SYNCED
    assert fake_tm.accounts[company_uid(customer)].company_name == "New Name"
    assert len(fake_tm.accounts) == 1


@pytest.mark.parametrize("mode", ["late", "reset"])
def test_a_create_whose_answer_was_lost_is_never_retried_blindly(
    fake_tm, django_capture_on_commit_callbacks, mode
):
    """The server made the account but its answer was lost: a retry would make a second."""
    fake_tm.mode, fake_tm.delay = mode, 1.5  # the portal reads for 0.5 s
    customer = create(django_capture_on_commit_callbacks)
    assert len(fake_tm.accounts) == 1  # it exists on the server ...
    assert customer.sync_state == SyncState.ATTENTION and not company_uid(customer)  # ... unknown
    assert "may exist there already" in customer.sync_error
    fake_tm.mode = "ok"
    make_due(customer)
    assert services.customers_push_due() == 0  # not for the sweep
    assert services.customer_push(customer_id=customer.pk).sync_state == SyncState.ATTENTION
    with django_capture_on_commit_callbacks(execute=True):  # an edit is kept, not pushed
        services.customer_update(customer=customer, name="Globex Corporation")
    customer.refresh_from_db()
    assert customer.sync_state == SyncState.ATTENTION and customer.name == "Globex Corporation"
    assert len(fake_tm.accounts) == 1 and len(fake_tm.requests) == 1

    # The operator finds it on the server and enters its UID: ours is brought in step.
    (uid,) = fake_tm.accounts
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_resolve(customer=customer, account_id=f" {uid} ")
    customer.refresh_from_db()
    assert customer.sync_state == SyncState.SYNCED and company_uid(customer) == uid
    assert len(fake_tm.accounts) == 1
    assert fake_tm.accounts[uid].company_name == "Globex Corporation"
    with pytest.raises(ValidationError, match="does not need attention"):
        services.customer_resolve(customer=customer)


def test_a_customer_in_doubt_can_be_created_again(fake_tm, django_capture_on_commit_callbacks):
    fake_tm.mode, fake_tm.delay = "reset", 0
    customer = create(django_capture_on_commit_callbacks)
    assert customer.sync_state == SyncState.ATTENTION
    fake_tm.accounts.clear()  # the operator looked: it is not there
    fake_tm.mode = "ok"
    other = create(django_capture_on_commit_callbacks, name="Initech", slug="initech")
    with pytest.raises(ValidationError, match="Another customer"):
        services.customer_resolve(customer=customer, account_id=company_uid(other))
    with django_capture_on_commit_callbacks(execute=True):
        services.customer_resolve(customer=customer)
    customer.refresh_from_db()
    assert customer.sync_state == SyncState.SYNCED
    assert fake_tm.accounts[company_uid(customer)].company_name == "Globex"


def test_the_admin_and_the_api_resolve_a_customer_in_doubt(
    fake_tm, django_capture_on_commit_callbacks, admin_client
):
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    fake_tm.mode, fake_tm.delay = "reset", 0
    first = create(django_capture_on_commit_callbacks)
    second = create(django_capture_on_commit_callbacks, name="Initech", slug="initech")
    fake_tm.mode = "ok"
    page = admin_client.get(f"/admin/accounts/customer/{first.pk}/change/").content.decode()
    assert "may exist there already" in page and f"/{first.pk}/resolve/" in page

    url = f"/admin/accounts/customer/{first.pk}/resolve/"
    assert admin_client.post(url, {"exists": "1", "account_id": ""}).status_code == 200
    uid = next(u for u, a in fake_tm.accounts.items() if a.company_name == "Globex")
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(url, {"exists": "1", "account_id": uid})
    assert done.status_code == 302
    first.refresh_from_db()
    assert (first.sync_state, company_uid(first)) == (SyncState.SYNCED, uid)

    staff = UserFactory(is_staff=True)  # without the change permission
    api = APIClient()
    api.force_authenticate(staff)
    resolve = f"/api/v1/customers/{second.pk}/resolve/"
    assert api.post(resolve, {}, format="json").status_code == 403
    api.force_authenticate(admin_client.get("/admin/").wsgi_request.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(resolve, {}, format="json")  # not there: create it again
    assert response.status_code == 200, response.json()
    assert response.json()["sync_state"] == "pending"  # pushed once the request commits
    second.refresh_from_db()
    assert second.sync_state == SyncState.SYNCED
    assert len(fake_tm.accounts) == 3  # the two in doubt (one now used) and the new one
    again = api.post(resolve, {}, format="json")
    assert again.status_code == 400 and "does not need attention" in str(again.json())
