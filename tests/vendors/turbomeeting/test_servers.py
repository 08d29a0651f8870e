"""Any number of TurboMeeting servers, each signing in its own customers' hosts through its
own callback URLs, with its own partner ID; /tm/auth stays the environment's."""

import datetime as dt
from contextlib import ExitStack

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from conferencing.fakes.server import serve
from conferencing.fakes.turbomeeting import FakeTurboMeeting
from conferencing.turbomeeting.returns import parse_return
from meetings.services import meeting_push, meeting_schedule
from portal.accounts.models import MeetingServer
from portal.accounts.services import customer_create, customer_push, host_create, server_save
from portal.logfilters import redact_target
from tests.conftest import PARTNER_ID

PASSWORD = "a long password"


def on_a_server_of_its_own(fake, url, name):
    """A configured TurboMeeting server at the fake, a customer on it with a meeting, a host."""
    server = server_save(
        server=MeetingServer(),
        backend="turbomeeting",
        name=f"TurboMeeting {name}",
        base_url=url,
        credentials=fake.backend_options(),  # its partner ID, addresses, password key...
    )
    customer = customer_create(name=name, contact_email=f"it@{name}.example", server=server)
    customer_push(customer_id=customer.pk)
    host = host_create(customer=customer, email=f"host@{name}.example", password=PASSWORD)
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=1)
    meeting = meeting_schedule(
        host=host, topic=f"{name} review", starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    meeting_push(meeting_id=meeting.pk)
    return server


@pytest.mark.django_db(transaction=True)
def test_two_servers_each_sign_in_their_own_customers_hosts(fake_tm, live_server, settings):
    settings.PORTAL_URL = live_server.url
    fakes = {
        name: FakeTurboMeeting(partner_id=f"partner-{name}", integration_code=f"code-{name}")
        for name in ("north", "south")
    }
    with ExitStack() as stack:
        urls = {name: stack.enter_context(serve(fake)).url for name, fake in fakes.items()}
        servers = {name: on_a_server_of_its_own(fakes[name], urls[name], name) for name in fakes}
        for name, fake in fakes.items():
            fake.portal_auth_url = f"{live_server.url}/tm/servers/{servers[name].pk}/auth"

        north = fakes["north"].sign_in("host@north.example", PASSWORD)
        south = fakes["south"].sign_in("host@south.example", PASSWORD)
        across = fakes["north"].sign_in("host@south.example", PASSWORD)

    for name, signed_in in (("north", north), ("south", south)):
        assert signed_in.auth.ok, signed_in.auth.reason
        assert signed_in.auth.fields["CompanyUid"] in fakes[name].accounts
        assert f"/tm/servers/{servers[name].pk}/meetings/" in signed_in.query_url
        assert signed_in.meetings.ok, signed_in.meetings.reason
        assert [m["MeetingTopic"] for m in signed_in.meetings.meetings] == [f"{name} review"]
    assert not across.auth.ok and "another meeting server" in across.auth.reason


@pytest.mark.django_db(transaction=True)
def test_each_server_has_its_own_password_key_and_callback_addresses(
    fake_tm, live_server, settings
):
    settings.PORTAL_URL = live_server.url
    keys = {name: Fernet.generate_key().decode() for name in ("north", "south")}
    fakes = {
        name: FakeTurboMeeting(
            partner_id=f"partner-{name}", password_encoding="fernet", password_key=keys[name]
        )
        for name in keys
    }
    with ExitStack() as stack:
        urls = {name: stack.enter_context(serve(fake)).url for name, fake in fakes.items()}
        servers = {name: on_a_server_of_its_own(fakes[name], urls[name], name) for name in fakes}
        for name, fake in fakes.items():
            fake.portal_auth_url = f"{live_server.url}/tm/servers/{servers[name].pk}/auth"

        def sign_in(name):
            return fakes[name].sign_in(f"host@{name}.example", PASSWORD).auth

        assert sign_in("north").ok and sign_in("south").ok  # each with its own key
        # The environment's key and encoding are neither's: the tests' TM_* say "plain".
        assert settings.TM_PASSWORD_ENCODING == "plain"

        fakes["south"].password_key = keys["north"]  # a password under the other's key
        refused = sign_in("south")
        assert refused.status == "FAILED" and "could not be decrypted" in refused.reason
        fakes["south"].password_key = keys["south"]

        # South now calls from elsewhere: this machine's address is north's alone.
        server_save(server=servers["south"], credentials={"callback_allowed_ips": "192.0.2.7"})
        refused = sign_in("south")
        assert (refused.status, refused.reason) == ("FAILED", "Caller not allowed.")
        assert sign_in("north").ok


def test_a_turbomeeting_servers_callback_settings_are_credential_fields():
    fields = {f.name: f for f in MeetingServer(backend="turbomeeting").credential_fields}
    assert fields["password_key"].secret
    assert not fields["password_encoding"].secret and not fields["callback_allowed_ips"].secret


@pytest.mark.django_db(transaction=True)
def test_a_servers_callbacks_take_only_its_partner_id_and_its_sign_ins(fake_tm, client):
    fake = FakeTurboMeeting(partner_id="partner-east")
    with serve(fake) as running:
        server = on_a_server_of_its_own(fake, running.url, "east")
    auth = f"/tm/servers/{server.pk}/auth"
    wrong = {"email": "host@east.example", "password": PASSWORD}
    for partner in (PARTNER_ID, "partner-west", ""):  # the environment's is not this one's
        body = client.get(auth, wrong | {"service_company_uid": partner}).content
        assert b"Unknown service_company_uid" in body
    right = parse_return(client.get(auth, wrong | {"service_company_uid": "partner-east"}).content)
    assert right.ok, right.reason
    token = right.fields["QueryScheduledMeetingURL"].rsplit("/", 1)[1]
    assert b"SUCCEED" in client.get(f"/tm/servers/{server.pk}/meetings/{token}").content
    assert b"expired" in client.get(f"/tm/meetings/{token}").content  # not the environment's
    # The environment's /tm/auth does not sign in another server's customers.
    env = client.get("/tm/auth", wrong | {"service_company_uid": PARTNER_ID}).content
    assert b"another meeting server" in env


@pytest.mark.django_db(transaction=True)
def test_an_unknown_or_other_kind_of_server_has_no_callbacks(client):
    other = server_save(
        server=MeetingServer(),
        backend="webex",
        name="Webex",
        base_url="https://webex.example/site",
    )
    for pk in (other.pk, other.pk + 1000):
        assert client.get(f"/tm/servers/{pk}/auth").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_servers_admin_page_shows_its_callback_urls(admin_client, settings):
    settings.PORTAL_URL = "https://portal.example"
    server = server_save(
        server=MeetingServer(),
        backend="turbomeeting",
        name="TurboMeeting east",
        base_url="https://tm.example",
        credentials={
            "service_company_uid": "partner-east",
            "integration_code": "code-east",
            "admin_email": "admin@tm.example",
            "admin_password": "admin-password",
        },
    )
    page = admin_client.get(f"/admin/accounts/meetingserver/{server.pk}/change/").content.decode()
    assert f"https://portal.example/tm/servers/{server.pk}/auth" in page
    assert f"https://portal.example/tm/servers/{server.pk}/meetings/TOKEN" in page
    # Its own callback credentials, the key as a password field.
    for name in ("callback_allowed_ips", "password_encoding"):
        assert f'name="{name}"' in page
    assert 'type="password" name="password_key"' in page


def test_a_servers_meeting_list_url_is_logged_without_its_token():
    assert redact_target("/tm/servers/3/meetings/s3cret?x=1") == "/tm/servers/3/meetings/***"
    assert redact_target("/tm/servers/3/auth?password=s3cret") == "/tm/servers/3/auth"
