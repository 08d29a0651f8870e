"""Meeting servers per customer: stored credentials, the adapter, the admin and the staff API."""

from __future__ import annotations

import html

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.urls import reverse

from conferencing.base import Capability
from conferencing.fakes.server import serve
from conferencing.fakes.trueconf import FakeTrueConf
from conferencing.fakes.turbomeeting import FakeTurboMeeting
from meetings import services as meeting_services
from portal import crypto, servers
from portal.accounts import services
from portal.accounts.models import MeetingServer, SyncState
from portal.checks import server_secrets_key
from tests.factories import CustomerFactory, HostFactory, company_uid, server_for
from tests.migrations import migrate_to_newest

pytestmark = pytest.mark.django_db

#: The callback credentials of a server at a fake TurboMeeting (its backend_options).
CALLBACKS = {"callback_allowed_ips": "127.0.0.1, ::1", "password_encoding": "plain"}


@pytest.fixture
def second_tm():
    """A second TurboMeeting server, with credentials of its own."""
    fake = FakeTurboMeeting(
        partner_id="second-partner",
        integration_code="second-code",
        admin_email="root@second.example",
        admin_password="second-admin-secret",
    )
    with serve(fake) as running:
        server = MeetingServer(
            backend="turbomeeting", name="Second TurboMeeting", base_url=running.url
        )
        services.server_save(server=server, credentials=fake.backend_options())
        yield fake, server


def test_secrets_are_stored_encrypted_and_read_back(second_tm):
    _, server = second_tm
    server.refresh_from_db()
    assert "second-code" not in server.credentials_encrypted
    assert "second-partner" not in server.credentials_encrypted  # one value, all encrypted
    assert server.credentials() == CALLBACKS | {
        "service_company_uid": "second-partner",
        "integration_code": "second-code",
        "admin_email": "root@second.example",
        "admin_password": "second-admin-secret",
    }
    assert server.stored_secret_names() == ["admin_password", "integration_code"]


def test_an_omitted_secret_keeps_its_value(second_tm):
    _, server = second_tm
    services.server_save(server=server, name="Renamed", credentials={"integration_code": ""})
    server.refresh_from_db()
    assert server.name == "Renamed" and server.credentials()["integration_code"] == "second-code"


def test_keys_rotate_without_losing_a_secret(second_tm, settings, capsys):
    _, server = second_tm
    old_key = settings.CONFERENCING_SECRET_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.CONFERENCING_SECRET_KEYS = [new_key, old_key]

    call_command("rotate_secrets")

    assert "2 meeting server(s)" in capsys.readouterr().out  # the environment's too
    settings.CONFERENCING_SECRET_KEYS = [new_key]  # the old key is gone
    server.refresh_from_db()
    assert server.credentials()["admin_password"] == "second-admin-secret"
    settings.CONFERENCING_SECRET_KEYS = [old_key]
    server.refresh_from_db()
    with pytest.raises(ValueError, match="CONFERENCING_SECRET_KEYS"):
        server.credentials()


def test_no_key_is_a_deploy_error_and_a_bad_key_too(settings):
    settings.CONFERENCING_SECRET_KEYS = []
    assert [e.id for e in server_secrets_key(None)] == ["portal.E004"]
    settings.CONFERENCING_SECRET_KEYS = ["not-a-key"]
    assert [e.id for e in server_secrets_key(None)] == ["portal.E005"]
    settings.CONFERENCING_SECRET_KEYS = [Fernet.generate_key().decode()]
    assert server_secrets_key(None) == []
    assert crypto.decrypt_secrets(crypto.encrypt_secrets({"a": "b"})) == {"a": "b"}


def test_a_customer_on_its_own_server_is_created_there_and_not_on_the_default(
    fake_tm, second_tm, django_capture_on_commit_callbacks
):
    fake, server = second_tm
    with django_capture_on_commit_callbacks(execute=True):
        customer = services.customer_create(
            name="Initech", contact_email="it@initech.example", server=server
        )
    customer.refresh_from_db()
    assert customer.sync_state == SyncState.SYNCED
    assert company_uid(customer) in fake.accounts
    assert fake_tm.accounts == {}


def test_meetings_are_scheduled_and_stopped_on_the_customers_server(
    fake_tm, second_tm, django_capture_on_commit_callbacks
):
    fake, server = second_tm
    with django_capture_on_commit_callbacks(execute=True):
        customer = services.customer_create(
            name="Initech", contact_email="it@initech.example", server=server
        )
    customer.refresh_from_db()
    host = HostFactory(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meeting_services.meeting_schedule(
            host=host, topic="On the second server", is_recurring=True
        )
    meeting.refresh_from_db()
    assert meeting.sync_state == SyncState.SYNCED
    assert meeting.server_meeting_id in fake.meetings
    assert fake_tm.meetings == {}

    fake.set_live(meeting.server_meeting_id)
    meeting_services.meeting_stop(meeting=meeting)  # the second server's admin, not the default's
    assert fake.state(meeting.server_meeting_id)[0] != "live"


def test_links_point_at_the_customers_server(fake_tm, second_tm):
    from meetings import launch
    from tests.factories import MeetingFactory

    _, server = second_tm
    meeting = MeetingFactory(host=HostFactory(customer=CustomerFactory(server=server)))
    default = MeetingFactory()
    assert launch.join_url(meeting).startswith(server.base_url)
    assert launch.join_url(default).startswith(fake_tm.url)


def test_a_customer_with_an_account_cannot_move_to_another_server(second_tm):
    _, server = second_tm
    customer = CustomerFactory(company_uid="on-the-default")
    with pytest.raises(Exception, match="moving it to another"):
        services.customer_update(customer=customer, server=server)


def test_capabilities_follow_the_customers_server(second_tm):
    _, server = second_tm
    webex = MeetingServer.objects.create(
        backend="webex", name="Webex", base_url="https://acme.webex.com/acme"
    )
    assert Capability.LIVE_STATUS in servers.capabilities(CustomerFactory(server=server))
    assert Capability.LIVE_STATUS not in servers.capabilities(CustomerFactory(server=webex))
    assert Capability.COMMAND_FILE not in servers.capabilities(CustomerFactory(server=webex))


@pytest.fixture
def trueconf():
    fake = FakeTrueConf()
    with serve(fake) as running:
        fake.url = running.url
        yield fake


def test_connection_test_says_whether_the_server_took_the_credentials(
    trueconf, staff_api, admin_client
):
    """A wrong client secret answers 401 to a token request: answered, but refused."""
    server = services.server_save(
        server=MeetingServer(),
        backend="trueconf",
        name="TrueConf",
        base_url=trueconf.url,
        credentials={"client_id": trueconf.client_id, "client_secret": "not-the-secret"},
    )
    result = services.server_test_connection(server=server)
    assert (result.ok, result.answered, result.credentials_accepted) == (False, True, False)
    assert "refused the client ID and secret" in result.detail

    body = staff_api.post(f"/api/v1/servers/{server.pk}/test/").json()
    assert body["ok"] is False and body["answered"] is True
    assert body["credentials_accepted"] is False and "refused" in body["detail"]

    page = admin_client.post(
        reverse("admin:accounts_meetingserver_changelist"),
        {"action": "test_connection", "_selected_action": [server.pk]},
        follow=True,
    )
    assert "refused the client ID and secret" in page.content.decode()

    services.server_save(server=server, credentials={"client_secret": trueconf.client_secret})
    result = services.server_test_connection(server=server)
    assert (result.ok, result.answered, result.credentials_accepted) == (True, True, True)
    assert "issued an access token" in result.detail


def test_connection_test_says_what_the_server_answered(second_tm):
    fake, server = second_tm
    assert services.server_test_connection(server=server).ok
    fake.mode = "down"
    result = services.server_test_connection(server=server)
    assert not result.ok and "No answer" in result.detail
    bad = MeetingServer(backend="turbomeeting", name="Bad", base_url="ftp://nowhere")
    result = services.server_test_connection(server=bad)
    assert not result.ok and "cannot be used" in result.detail


# --- the staff API and the admin -----------------------------------------------------------


@pytest.fixture
def staff_api(admin_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def test_api_creates_a_server_without_ever_showing_its_secrets(staff_api, fake_tm):
    response = staff_api.post(
        "/api/v1/servers/",
        {
            "name": "Tokyo",
            "kind": "turbomeeting",
            "base_url": fake_tm.url,
            "credentials": {
                "service_company_uid": "test-partner",
                "integration_code": "tokyo-code",
                "admin_email": "root@tokyo.example",
                "admin_password": "tokyo-secret",
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "tokyo-secret" not in response.content.decode()
    assert body["secrets_stored"] == ["admin_password", "integration_code"]
    needs = [
        "service_company_uid",
        "integration_code",
        "admin_email",
        "admin_password",
        "callback_allowed_ips",
        "password_encoding",
        "password_key",
    ]
    assert body["needs"] == needs
    # The identifiers are shown again, the secrets never.
    assert body["credentials"] == {
        "service_company_uid": "test-partner",
        "admin_email": "root@tokyo.example",
        "callback_allowed_ips": "",
        "password_encoding": "",
    }
    assert [(f["name"], f["label"], f["secret"]) for f in body["credential_fields"]] == [
        ("service_company_uid", "Partner ID", False),
        ("integration_code", "Integration code", True),
        ("admin_email", "Administrator email", False),
        ("admin_password", "Administrator password", True),
        ("callback_allowed_ips", "Callback addresses", False),
        ("password_encoding", "Password encoding", False),
        ("password_key", "Password key", True),
    ]

    tested = staff_api.post(f"/api/v1/servers/{body['id']}/test/").json()
    assert tested["answered"] is True  # the fake's integration code is another one:
    assert tested["credentials_accepted"] is False and "integration code" in tested["detail"]

    listed = staff_api.get("/api/v1/servers/").content.decode()
    assert "tokyo-secret" not in listed and "tokyo-code" not in listed


def test_api_refuses_a_server_missing_what_its_backend_needs(staff_api):
    response = staff_api.post(
        "/api/v1/servers/",
        {"name": "Half", "kind": "turbomeeting", "base_url": "https://tm.example"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]["credentials"]
    assert set(errors) == {
        "service_company_uid",
        "integration_code",
        "admin_email",
        "admin_password",
    }
    assert errors["service_company_uid"] == ["A turbomeeting server needs this."]


def test_api_will_not_delete_a_server_customers_use(staff_api, second_tm):
    _, server = second_tm
    CustomerFactory(server=server)
    response = staff_api.delete(f"/api/v1/servers/{server.pk}/")
    assert response.status_code == 400 and "Customers still use" in response.content.decode()
    assert MeetingServer.objects.filter(pk=server.pk).exists()


def test_admin_tests_the_connection_and_never_shows_a_secret(admin_client, second_tm):
    _, server = second_tm
    page = admin_client.get(reverse("admin:accounts_meetingserver_change", args=[server.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "second-admin-secret" not in html and "second-code" not in html
    assert "admin_password, integration_code" in html  # which are stored, by name

    response = admin_client.post(
        reverse("admin:accounts_meetingserver_changelist"),
        {"action": "test_connection", "_selected_action": [server.pk]},
        follow=True,
    )
    assert "Second TurboMeeting: " in response.content.decode()
    assert "answered and accepted the integration code" in response.content.decode()


def test_a_server_whose_key_is_gone_can_be_listed_and_mended(staff_api, second_tm, settings):
    _, server = second_tm
    settings.CONFERENCING_SECRET_KEYS = [Fernet.generate_key().decode()]  # the old key lost
    listed = staff_api.get("/api/v1/servers/")
    assert listed.status_code == 200
    [shown] = [s for s in listed.json()["results"] if s["id"] == server.pk]
    assert shown["secrets_stored"] == ["(cannot be decrypted: enter them again)"]
    mended = staff_api.patch(
        f"/api/v1/servers/{server.pk}/",
        {
            "credentials": {
                "service_company_uid": "second-partner",
                "admin_email": "root@second.example",
                "integration_code": "second-code",
                "admin_password": "second-admin-secret",
            }
        },
        format="json",
    )
    assert mended.status_code == 200, mended.json()
    server.refresh_from_db()
    assert server.credentials()["admin_password"] == "second-admin-secret"


def test_a_customer_with_meetings_cannot_move_even_when_a_form_set_the_field(second_tm):
    from tests.factories import MeetingFactory

    _, server = second_tm
    environment = MeetingServer.objects.get(from_environment=True)
    customer = CustomerFactory(server=server)  # no account: TrueConf-like
    MeetingFactory(host=HostFactory(customer=customer), server_meeting_id="555")
    customer.server = environment  # what the admin's form does before saving
    with pytest.raises(Exception, match="moving it to another"):
        services.customer_update(customer=customer, server=environment)
    fresh = CustomerFactory(server=server, company_uid="")
    fresh.server = environment
    services.customer_update(customer=fresh, server=environment)  # nothing there: it may move


def test_the_join_form_makes_links_only_for_the_customers_own_rooms(client):
    from conferencing.fakes.openmeetings import FakeOpenMeetings

    fake = FakeOpenMeetings()
    with serve(fake) as running:
        server = server_for(fake, running.url, backend="openmeetings", name="OM")
        host = HostFactory(customer=CustomerFactory(server=server))
        client.force_login(host.user)
        page = client.post(
            "/dashboard/join/", {"meeting_id": "7", "name": "Ada", "password": ""}
        ).content.decode()
    assert "None of your organisation" in page and not fake.hashes


def test_a_servers_new_address_shows_in_its_customers_feeds_at_once(client, second_tm):
    from tests.factories import MeetingFactory

    _, server = second_tm
    customer = CustomerFactory(server=server, slug="moved")
    MeetingFactory(host=HostFactory(customer=customer), is_published=True)
    [before] = client.get("/p/moved/meetings.json").json()["meetings"]
    assert before["join_url"].startswith(server.base_url)

    services.server_save(server=server, base_url="https://tm.new.example")
    [after] = client.get("/p/moved/meetings.json").json()["meetings"]
    assert after["join_url"].startswith("https://tm.new.example/")


# --- a new address or backend: the stored secrets stay behind --------------------------------


def test_a_new_address_drops_the_stored_secrets_unless_they_are_given_again(second_tm, fake_tm):
    _, server = second_tm
    services.server_save(server=server, base_url=server.base_url + "/", name="Same place")
    assert server.dropped_secrets == []  # a trailing "/" is the same address
    services.server_save(
        server=server, base_url=fake_tm.url, credentials={"admin_password": "new-secret"}
    )
    assert server.dropped_secrets == ["integration_code"]
    server.refresh_from_db()
    assert server.credentials() == CALLBACKS | {  # the identifiers stay, secrets not given go
        "service_company_uid": "second-partner",
        "admin_email": "root@second.example",
        "admin_password": "new-secret",
    }
    services.server_save(server=server, backend="webex")
    server.refresh_from_db()
    assert server.credentials() == {} and server.stored_secret_names() == []


def test_api_asks_for_the_secrets_again_when_the_address_changes(staff_api, second_tm):
    _, server = second_tm
    moved = staff_api.patch(
        f"/api/v1/servers/{server.pk}/", {"base_url": "https://elsewhere.example"}, format="json"
    )
    assert moved.status_code == 400
    errors = moved.json()["errors"]["credentials"]
    assert set(errors) == {"admin_password", "integration_code"}
    assert "enter it again" in errors["admin_password"][0]
    server.refresh_from_db()
    assert server.base_url != "https://elsewhere.example" and len(server.credentials()) == 6

    to_webex = staff_api.patch(
        f"/api/v1/servers/{server.pk}/",
        {"kind": "webex", "base_url": "https://acme.webex.com/acme"},
        format="json",
    )
    assert to_webex.status_code == 200, to_webex.json()
    assert to_webex.json()["secrets_dropped"] == ["admin_password", "integration_code"]
    assert to_webex.json()["secrets_stored"] == []
    renamed = staff_api.patch(f"/api/v1/servers/{server.pk}/", {"name": "W"}, format="json")
    assert renamed.json()["secrets_dropped"] == []


def test_admin_asks_for_the_secrets_again_when_the_address_changes(admin_client, second_tm):
    _, server = second_tm
    url = reverse("admin:accounts_meetingserver_change", args=[server.pk])
    form = {
        "name": server.name,
        "backend": "turbomeeting",
        "base_url": "https://elsewhere.example",
        "time_zone": "UTC",
        "service_company_uid": "second-partner",
        "admin_email": "root@second.example",
    } | CALLBACKS  # the shown fields come back as the page shows them
    page = admin_client.post(url, form)
    assert page.status_code == 200  # the form again, with its errors
    assert "The base URL or backend changed: enter it again." in page.content.decode()
    assert "drops the stored secrets" in admin_client.get(url).content.decode()
    server.refresh_from_db()
    assert server.stored_secret_names() == ["admin_password", "integration_code"]

    saved = admin_client.post(url, form | {"admin_password": "p", "integration_code": "c"})
    assert saved.status_code == 302
    server.refresh_from_db()
    assert server.base_url == "https://elsewhere.example"
    assert server.credentials() == CALLBACKS | {
        "service_company_uid": "second-partner",
        "admin_email": "root@second.example",
        "admin_password": "p",
        "integration_code": "c",
    }


# --- "Test the connection": the backend's own endpoint, and nothing to map a network by ------


def test_connection_test_reads_the_same_for_every_way_of_not_answering(second_tm, settings):
    """Refused, timed out or failing: staff must not tell a closed port from a filtered one."""
    fake, server = second_tm
    settings.SERVER_READ_TIMEOUT = 0.3

    def detail() -> str:
        return services.server_test_connection(server=server).detail.replace(server.base_url, "X")

    fake.mode, fake.delay = "down", 0
    down = detail()
    fake.mode, fake.delay = "slow", 1
    slow = detail()
    with serve(FakeTurboMeeting()) as gone:
        pass  # its port is closed now
    server.base_url = gone.url
    assert down == slow == detail() == "No answer from X as a turbomeeting server."


@pytest.mark.parametrize(
    "base_url", ["ftp://tm.example", "http://127.0.0.1:6379/#", "https://tm.example/x?y="]
)
def test_a_base_url_the_backends_paths_cannot_follow_is_refused(staff_api, admin_client, base_url):
    response = staff_api.post(
        "/api/v1/servers/",
        {"name": "Odd", "kind": "webex", "base_url": base_url},
        format="json",
    )
    assert response.status_code == 400
    assert "base_url" in response.json()["errors"]
    page = admin_client.post(
        reverse("admin:accounts_meetingserver_add"),
        {"name": "Odd", "backend": "webex", "base_url": base_url, "time_zone": "UTC"},
    )
    assert page.status_code == 200 and not MeetingServer.objects.filter(name="Odd").exists()
    stored = MeetingServer.objects.create(backend="turbomeeting", name="Odd", base_url=base_url)
    result = services.server_test_connection(server=stored)
    assert not result.ok and "cannot be used" in result.detail


@pytest.mark.django_db(transaction=True)
def test_staff_keep_the_server_permissions_they_held_before_the_rename(django_user_model):
    """0009 renamed ConferencingServer to MeetingServer: grants follow the model."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = ("accounts", "0008_customer_publication_version")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state(
            [before, ("auth", "0012_alter_user_first_name_max_length")]
        ).apps
        servers = old.get_model("contenttypes", "ContentType").objects.get_or_create(
            app_label="accounts", model="conferencingserver"
        )[0]
        view = old.get_model("auth", "Permission").objects.get_or_create(
            content_type=servers,
            codename="view_conferencingserver",
            defaults={"name": "Can view conferencing server"},
        )[0]
        staff = old.get_model("auth", "User").objects.create(username="ops", is_staff=True)
        staff.user_permissions.add(view)
    finally:
        migrate_to_newest()

    staff = django_user_model.objects.get(username="ops")
    assert staff.has_perm("accounts.view_meetingserver")


# --- exactly the chosen kind's fields, before the first save too ----------------------------


def _inputs(html: str) -> set[str]:
    """The names of the form's inputs, but Django's own (CSRF, save buttons)."""
    import re

    names = set(re.findall(r'<(?:input|select|textarea)[^>]* name="([^"]+)"', html))
    return {n for n in names if not n.startswith(("csrf", "_"))}


def test_admin_add_form_shows_only_the_chosen_kinds_fields(admin_client):
    add = reverse("admin:accounts_meetingserver_add")
    page = admin_client.get(add).content.decode()
    assert _inputs(page) == {"name", "backend", "base_url", "time_zone"}
    assert "Choose a backend: its credential fields then show here." in page

    page = admin_client.get(add + "?backend=trueconf&name=Osaka").content.decode()
    assert _inputs(page) == {
        "name",
        "backend",
        "base_url",
        "time_zone",
        "client_id",
        "client_secret",
    }
    assert 'value="Osaka"' in page  # what was typed before the switch stays
    assert "Client ID, Client secret (secret)" in page  # what this backend needs, at once
    assert "The OAuth application made for the portal on the server." in page  # its help
    assert "Leave empty to keep it" not in page  # nothing is stored yet

    page = admin_client.get(add + "?backend=webex").content.decode()
    assert _inputs(page) == {"name", "backend", "base_url", "time_zone"}
    assert "Nothing but the base URL." in page


def test_admin_add_form_refuses_a_kind_without_its_required_fields(admin_client):
    page = admin_client.post(
        reverse("admin:accounts_meetingserver_add"),
        {
            "name": "Osaka",
            "backend": "trueconf",
            "base_url": "https://tc.example",
            "time_zone": "UTC",
        },
    )
    assert page.status_code == 200 and not MeetingServer.objects.filter(name="Osaka").exists()
    html = page.content.decode()
    assert html.count("A trueconf server needs this.") == 2
    saved = admin_client.post(
        reverse("admin:accounts_meetingserver_add"),
        {
            "name": "Osaka",
            "backend": "trueconf",
            "base_url": "https://tc.example",
            "time_zone": "UTC",
            "client_id": "portal",
            "client_secret": "tc-secret",
        },
    )
    assert saved.status_code == 302
    server = MeetingServer.objects.get(name="Osaka")
    assert server.credentials() == {"client_id": "portal", "client_secret": "tc-secret"}


def test_admin_change_form_shows_its_kinds_fields_and_keeps_a_stored_secret(
    admin_client, second_tm
):
    _, server = second_tm
    url = reverse("admin:accounts_meetingserver_change", args=[server.pk])
    page = admin_client.get(url).content.decode()
    assert _inputs(page) == {
        "name",
        "backend",
        "base_url",
        "time_zone",
        "service_company_uid",
        "integration_code",
        "admin_email",
        "admin_password",
        "callback_allowed_ips",
        "password_encoding",
        "password_key",
    }
    assert 'value="second-partner"' in page and "second-admin-secret" not in page
    assert page.count("Leave empty to keep it.") == 2  # both secrets are stored
    switched = admin_client.get(url + "?backend=openmeetings").content.decode()
    assert _inputs(switched) - {"name", "backend", "base_url", "time_zone"} == {
        "admin_user",
        "admin_password",
    }
    assert "Leave empty to keep it" not in switched  # a new backend's secrets are not kept


def test_the_admin_says_meeting_servers_everywhere(admin_client, second_tm):
    _, server = second_tm
    pages = [
        reverse("admin:index"),
        reverse("admin:accounts_meetingserver_changelist"),
        reverse("admin:accounts_meetingserver_add"),
        reverse("admin:accounts_meetingserver_change", args=[server.pk]),
    ]
    for url in pages:
        html = admin_client.get(url).content.decode()
        assert "eeting server" in html, url
        assert "onferencing server" not in html.lower(), url


def test_api_lists_each_kinds_credential_fields_before_any_server_exists(staff_api):
    response = staff_api.get("/api/v1/servers/kinds/")
    assert response.status_code == 200
    kinds = {k["kind"]: k["credential_fields"] for k in response.json()}
    assert {"turbomeeting", "trueconf", "openmeetings", "webex"} <= set(kinds)
    assert kinds["webex"] == []
    assert kinds["trueconf"][1] == {
        "name": "client_secret",
        "label": "Client secret",
        "help": "That application's secret; it also keys the conference IDs the portal chooses.",
        "secret": True,
        "required": True,
        "choices": [],
    }


def test_api_refuses_a_field_its_kind_does_not_take(staff_api):
    response = staff_api.post(
        "/api/v1/servers/",
        {
            "name": "Osaka",
            "kind": "trueconf",
            "base_url": "https://tc.example",
            "credentials": {"client_id": "c", "client_secret": "s", "admin_password": "x"},
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["credentials"] == {
        "admin_password": ["A trueconf server takes no admin_password."]
    }


@pytest.mark.parametrize(
    ("addresses", "reason"),
    [
        ("203.0.113.7, 10.0.0.0/8", "These include a trusted proxy (TRUSTED_PROXIES): 10.0.0.5"),
        ("203.0.113.7, meeting.example", "Not an IP address or network: meeting.example."),
    ],
)
def test_a_servers_callback_addresses_must_be_addresses_and_no_trusted_proxy(
    staff_api, fake_tm, admin_client, settings, addresses, reason
):
    """A trusted proxy is believed about who its client is: listed as the meeting server's
    address, anything behind it could sign in as the server's users. The system check
    covered only the environment's server (TM_CALLBACK_ALLOWED_IPS), not a server row's."""
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    credentials = {
        "service_company_uid": "test-partner",
        "integration_code": "osaka-code",
        "admin_email": "root@osaka.example",
        "admin_password": "osaka-secret",
        "callback_allowed_ips": addresses,
    }
    body = {"name": "Osaka", "kind": "turbomeeting", "base_url": fake_tm.url}
    response = staff_api.post(
        "/api/v1/servers/", {**body, "credentials": credentials}, format="json"
    )
    assert response.status_code == 400
    assert reason in str(response.json())
    assert not MeetingServer.objects.filter(name="Osaka").exists()
    form = admin_client.post(
        "/admin/accounts/meetingserver/add/?backend=turbomeeting",
        {"name": "Osaka", "backend": "turbomeeting", "base_url": fake_tm.url, "time_zone": "UTC"}
        | credentials,
    )
    assert form.status_code == 200 and reason in html.unescape(form.content.decode())
    assert not MeetingServer.objects.filter(name="Osaka").exists()
    credentials["callback_allowed_ips"] = "203.0.113.7, 2001:db8::/32"
    saved = staff_api.post("/api/v1/servers/", {**body, "credentials": credentials}, format="json")
    assert saved.status_code == 201, saved.json()


def test_a_password_encoding_the_server_cannot_use_is_refused_with_the_choices(
    staff_api, fake_tm, admin_client
):
    """Saved, an unknown encoding would refuse every sign-in ("could not be decrypted")."""
    credentials = {
        "service_company_uid": "test-partner",
        "integration_code": "osaka-code",
        "admin_email": "root@osaka.example",
        "admin_password": "osaka-secret",
        "password_encoding": "rot13",
    }
    body = {"name": "Osaka", "kind": "turbomeeting", "base_url": fake_tm.url}
    response = staff_api.post(
        "/api/v1/servers/", {**body, "credentials": credentials}, format="json"
    )
    assert response.status_code == 400
    assert "Choose one of: fernet, plain." in str(response.json())
    assert not MeetingServer.objects.filter(name="Osaka").exists()
    kinds = staff_api.get("/api/v1/servers/kinds/").json()
    [turbomeeting] = [k for k in kinds if k["kind"] == "turbomeeting"]
    [encoding] = [f for f in turbomeeting["credential_fields"] if f["name"] == "password_encoding"]
    assert encoding["choices"] == ["fernet", "plain"]
    form = admin_client.get("/admin/accounts/meetingserver/add/?backend=turbomeeting")
    assert '<select name="password_encoding"' in form.content.decode()
