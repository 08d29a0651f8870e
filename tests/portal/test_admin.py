import pytest

from portal.accounts.models import Customer, MeetingServer, SyncState
from tests.factories import CustomerFactory, HostFactory, company_uid

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_adding_a_customer_in_the_admin_creates_it_on_the_server(
    staff_client, fake_tm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/accounts/customer/add/",
            {
                "name": "Wayne Enterprises",
                "slug": "wayne",
                "contact_email": "it@wayne.example",
                "time_zone": "UTC",
                "embed_origins": "https://www.wayne.example",
                "turbomeeting-TOTAL_FORMS": "1",
                "turbomeeting-INITIAL_FORMS": "0",
                "turbomeeting-MIN_NUM_FORMS": "0",
                "turbomeeting-MAX_NUM_FORMS": "1",
                "turbomeeting-0-number_of_meeting_rooms": 2,
                "turbomeeting-0-participants_per_room": 20,
                "server": MeetingServer.objects.get(from_environment=True).pk,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    customer = Customer.objects.get(slug="wayne")
    assert customer.sync_state == SyncState.SYNCED
    account = fake_tm.accounts[company_uid(customer)]
    assert (account.company_name, account.meeting_rooms, account.participants_per_room) == (
        "Wayne Enterprises",
        2,
        20,
    )

    page = staff_client.get(f"/admin/accounts/customer/{customer.pk}/change/")
    assert "The server holds the same account details." in page.content.decode()


def test_sync_now_reports_the_outcome(staff_client, fake_tm):
    customer = CustomerFactory(company_uid="", sync_state=SyncState.PENDING)
    fake_tm.mode = "down"
    response = staff_client.post(
        "/admin/accounts/customer/",
        {"action": "sync_now", "_selected_action": [customer.pk]},
        follow=True,
    )
    assert "could not be reached" in response.content.decode()
    page = staff_client.get(f"/admin/accounts/customer/{customer.pk}/change/")
    assert "no account on the server yet" in page.content.decode()

    fake_tm.mode = "ok"
    response = staff_client.post(
        "/admin/accounts/customer/",
        {"action": "sync_now", "_selected_action": [customer.pk]},
        follow=True,
    )
    assert "in step with the server" in response.content.decode()
    customer.refresh_from_db()
    assert company_uid(customer) in fake_tm.accounts


def test_deleting_a_host_in_the_admin_leaves_a_tombstone(staff_client):
    host = HostFactory()
    response = staff_client.post(f"/admin/accounts/host/{host.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    host.refresh_from_db()
    assert host.is_deleted and not host.user.is_active


def test_the_admin_refuses_a_wildcard_embed_origin(staff_client):
    customer = CustomerFactory(embed_origins="https://www.acme.example")
    response = staff_client.post(
        f"/admin/accounts/customer/{customer.pk}/change/",
        {
            "name": customer.name,
            "slug": customer.slug,
            "contact_email": customer.contact_email,
            "time_zone": "UTC",
            "embed_origins": "https://*.com",
            "turbomeeting-TOTAL_FORMS": "1",
            "turbomeeting-INITIAL_FORMS": "0",
            "turbomeeting-MIN_NUM_FORMS": "0",
            "turbomeeting-MAX_NUM_FORMS": "1",
        },
    )
    assert response.status_code == 200  # the form again
    assert "&#x27;https://*.com&#x27; has a wildcard" in response.content.decode()
    customer.refresh_from_db()
    assert customer.embed_origins == "https://www.acme.example"
