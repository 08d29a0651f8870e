"""The meeting server of the environment (TM_*): one server row, made and kept in step by
every migrate, read-only in the admin and the API; every customer has a server row."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from portal.accounts import services
from portal.accounts.models import Customer, MeetingServer
from tests.factories import CustomerFactory
from tests.migrations import migrate_to

pytestmark = pytest.mark.django_db


def environment() -> MeetingServer:
    return MeetingServer.objects.get(from_environment=True)


def test_every_migrate_keeps_the_environment_server_in_step(settings):
    before = environment()
    assert before.base_url == settings.TM_SERVER_URL and before.backend == "turbomeeting"
    assert before.credentials()["service_company_uid"] == settings.TM_SERVICE_COMPANY_UID

    settings.TM_SERVER_URL = "https://tm.new.example"
    settings.TM_SERVER_TIME_ZONE = "Asia/Tokyo"
    settings.TM_ADMIN_PASSWORD = "a-new-admin-password"
    settings.TM_CALLBACK_ALLOWED_IPS = ["192.0.2.7", "198.51.100.0/24"]
    settings.TM_PASSWORD_ENCODING, settings.TM_PASSWORD_KEY = "fernet", "a-new-password-key"
    call_command("migrate", verbosity=0)

    after = environment()
    assert after.pk == before.pk  # the same row, so its customers stay on it
    assert (after.base_url, after.time_zone) == ("https://tm.new.example", "Asia/Tokyo")
    assert after.credentials() == {
        "service_company_uid": settings.TM_SERVICE_COMPANY_UID,
        "integration_code": settings.TM_INTEGRATION_CODE,
        "admin_email": settings.TM_ADMIN_EMAIL,
        "admin_password": "a-new-admin-password",
        # Its callbacks' own (vendors/turbomeeting/callers.py), from TM_* too.
        "callback_allowed_ips": "192.0.2.7, 198.51.100.0/24",
        "password_encoding": "fernet",
        "password_key": "a-new-password-key",
    }
    assert MeetingServer.objects.filter(from_environment=True).count() == 1


def test_without_tm_server_url_the_row_stays_with_its_customers_as_an_ordinary_one(settings):
    customer = CustomerFactory()
    settings.TM_SERVER_URL = ""
    call_command("migrate", verbosity=0)
    assert not MeetingServer.objects.filter(from_environment=True).exists()
    customer.refresh_from_db()
    assert customer.server.name == "TurboMeeting (environment)"  # now edited in the admin
    with pytest.raises(ValidationError) as refused:  # a new customer needs a server chosen
        services.customer_create(name="Initech", contact_email="it@initech.example")
    assert "Choose its meeting server" in str(refused.value.message_dict["server"])


def test_a_customer_made_without_a_server_gets_the_environments(settings):
    customer = services.customer_create(name="Initech", contact_email="it@initech.example")
    assert customer.server == environment()


def test_the_admin_shows_the_environment_server_read_only(admin_client):
    server = environment()
    url = reverse("admin:accounts_meetingserver_change", args=[server.pk])
    page = admin_client.get(url).content.decode()
    assert "The environment: the TM_* settings, applied on every migrate." in page
    assert 'name="base_url"' not in page and 'name="admin_password"' not in page
    assert "sysadmin-secret" not in page
    assert admin_client.post(url, {"name": "Mine now", "backend": "webex"}).status_code == 403
    delete = reverse("admin:accounts_meetingserver_delete", args=[server.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert environment().name == "TurboMeeting (environment)"


def test_the_customer_admin_offers_the_environments_server_first(admin_client):
    page = admin_client.get(reverse("admin:accounts_customer_add")).content.decode()
    assert f'<option value="{environment().pk}" selected>' in page


def test_the_api_will_not_change_the_environment_server(admin_user):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin_user)
    server = environment()
    [listed] = api.get("/api/v1/servers/").json()["results"]
    assert listed["from_environment"] is True
    patched = api.patch(f"/api/v1/servers/{server.pk}/", {"name": "Mine"}, format="json")
    assert patched.status_code == 400 and "TM_* settings" in patched.content.decode()
    assert api.delete(f"/api/v1/servers/{server.pk}/").status_code == 400
    assert environment().name == "TurboMeeting (environment)"


# --- the migration that gives every customer a server row ----------------------------------

BEFORE = ("accounts", "0011_meetingserver_from_environment")
REQUIRED = ("accounts", "0013_customer_server_required")


@pytest.mark.django_db(transaction=True)
def test_customers_without_a_server_move_to_the_environments(migrated_back, settings):
    old = migrate_to(BEFORE)
    old.get_model("accounts", "MeetingServer").objects.all().delete()  # as before 0011
    OldCustomer = old.get_model("accounts", "Customer")
    OldCustomer.objects.create(name="Acme", slug="acme", contact_email="it@acme.example")

    migrate_to(REQUIRED)
    acme = Customer.objects.select_related("server").get(slug="acme")
    assert acme.server.from_environment and acme.server.base_url == settings.TM_SERVER_URL
    assert acme.server.backend == "turbomeeting"

    old = migrate_to(BEFORE)  # and back: it uses the default server again
    assert old.get_model("accounts", "Customer").objects.get(slug="acme").server_id is None


@pytest.mark.django_db(transaction=True)
def test_without_tm_server_url_the_migration_asks_for_the_customers_servers(
    migrated_back, settings
):
    old = migrate_to(BEFORE)
    old.get_model("accounts", "MeetingServer").objects.all().delete()
    old.get_model("accounts", "Customer").objects.create(
        name="Acme", slug="acme", contact_email="it@acme.example"
    )
    settings.TM_SERVER_URL = ""
    with pytest.raises(RuntimeError, match=r"Customers without a meeting server \(acme\)"):
        migrate_to(REQUIRED)
    old.get_model("accounts", "Customer").objects.all().delete()
