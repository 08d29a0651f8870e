"""Staff add a meeting server in the admin: the form shows the chosen backend's fields."""

import pytest

from portal.accounts.models import MeetingServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-staff-password"


def test_the_add_form_follows_the_chosen_backend(page, live_server, django_user_model):
    django_user_model.objects.create_superuser("root", "root@portal.example", PASSWORD)
    page.goto(live_server.url + "/admin/login/?next=/admin/accounts/meetingserver/add/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Add meeting server").wait_for()
    assert page.get_by_text("Choose a backend: its credential fields then show here.").is_visible()

    page.get_by_label("Name").fill("Osaka")
    page.get_by_label("Backend").select_option("trueconf")
    page.get_by_label("Client secret").wait_for()
    assert page.get_by_label("Name").input_value() == "Osaka"  # kept across the switch
    assert page.get_by_text("Client ID, Client secret (secret)").is_visible()
    assert page.get_by_label("Partner ID").count() == 0

    page.get_by_label("Backend").select_option("turbomeeting")
    page.get_by_label("Partner ID").wait_for()
    assert page.get_by_label("Client secret").count() == 0
    assert page.get_by_text("Leave empty to keep it").count() == 0  # nothing stored yet

    page.get_by_label("Base URL").fill("https://tm.osaka.example")
    page.get_by_label("Partner ID").fill("osaka-partner")
    page.get_by_label("Integration code").fill("osaka-code")
    page.get_by_label("Administrator email").fill("root@osaka.example")
    page.get_by_label("Administrator password").fill("osaka-secret")
    # Its own callbacks' credentials: where it calls from, and its passwords' key.
    page.get_by_label("Callback addresses").fill("192.0.2.7")
    page.get_by_label("Password encoding").select_option("fernet")
    assert page.get_by_label("Password key").get_attribute("type") == "password"
    page.get_by_label("Password key").fill("osaka-password-key")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("was added successfully").wait_for()

    server = MeetingServer.objects.get(name="Osaka")
    assert server.backend == "turbomeeting"
    assert server.credentials() == {
        "service_company_uid": "osaka-partner",
        "integration_code": "osaka-code",
        "admin_email": "root@osaka.example",
        "admin_password": "osaka-secret",
        "callback_allowed_ips": "192.0.2.7",
        "password_encoding": "fernet",
        "password_key": "osaka-password-key",
    }


def test_the_environments_server_is_shown_read_only(page, live_server, django_user_model):
    django_user_model.objects.create_superuser("root", "root@portal.example", PASSWORD)
    server = MeetingServer.objects.get(from_environment=True)
    page.goto(live_server.url + f"/admin/accounts/meetingserver/{server.pk}/change/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="View meeting server").wait_for()
    assert page.get_by_text("The environment: the TM_* settings, applied on every").is_visible()
    assert page.get_by_role("button", name="Save", exact=True).count() == 0
    assert page.get_by_role("link", name="Delete").count() == 0
    assert page.get_by_label("Base URL").count() == 0  # shown as text, not a field
