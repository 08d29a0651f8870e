import datetime as dt
import logging
import time

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from conferencing.turbomeeting.returns import parse_return
from portal.accounts import services
from tests.conftest import PARTNER_ID, environment_server_follows_settings
from tests.factories import HostFactory, MeetingFactory, company_uid
from vendors.turbomeeting.models import HostProfile, QueryToken

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _partner(settings):
    settings.TM_SERVICE_COMPANY_UID = PARTNER_ID
    environment_server_follows_settings()  # /tm/auth checks the environment's row


def auth(client, method="get", remote="127.0.0.1", **params):
    data = {"service_company_uid": PARTNER_ID} | params
    response = getattr(client, method)("/tm/auth", data, REMOTE_ADDR=remote)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert int(response["Content-Length"]) == len(response.content)
    return parse_return(response.content)


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_host_signs_in_and_gets_its_profile(client, method):
    host = HostFactory(
        user__first_name="Grace",
        user__last_name="Hopper",
        is_administrator=True,
    )
    HostProfile.objects.create(host=host, privilege_record=True, privilege_remote_access=False)
    reply = auth(client, method, email=host.user.email.upper(), password=PASSWORD)

    assert reply.status == "SUCCEED", reply.reason
    f = reply.fields
    assert f["CompanyUid"] == company_uid(host.customer)
    assert (f["FirstName"], f["LastName"], f["UserID"]) == ("Grace", "Hopper", str(host.pk))
    assert (f["Phone"], f["UserGroupName"]) == ("+1 555 0100", "Sales")
    assert (f["IsAdministrator"], f["PrivilegeRecord"], f["PrivilegeRemoteAccess"]) == (
        "Y",
        "Y",
        "N",
    )
    for name in [
        "PrivilegeInteractiveMeeting",
        "PrivilegeSeminar",
        "PrivilegeRemoteSupport",
        "PrivilegeSendFile",
        "PrivilegeChat",
        "VideoConference",
    ]:
        assert f[name] in ("Y", "N")
    assert f["QueryScheduledMeetingURL"].startswith("http://testserver/tm/meetings/")


def test_values_are_escaped_as_text(client):
    host = HostFactory(user__first_name="</__FirstName__><x>", user__last_name="a & b <c>")
    reply = auth(client, email=host.user.email, password=PASSWORD)
    assert reply.fields["FirstName"] == "</__FirstName__><x>"
    assert reply.fields["LastName"] == "a & b <c>"


@pytest.mark.parametrize(
    ("params", "remote", "reason"),
    [
        ({"password": "wrong password"}, "127.0.0.1", "Wrong email or password"),
        ({"email": "nobody@nowhere.example"}, "127.0.0.1", "Wrong email or password"),
        ({"password": ""}, "127.0.0.1", "required"),
        ({"service_company_uid": "another-partner"}, "127.0.0.1", "service_company_uid"),
        ({"service_company_uid": ""}, "127.0.0.1", "service_company_uid"),
        ({}, "203.0.113.9", "not allowed"),
    ],
)
def test_refusals_say_why(client, params, remote, reason):
    host = HostFactory()
    reply = auth(
        client, remote=remote, **({"email": host.user.email, "password": PASSWORD} | params)
    )
    assert reply.status == "FAILED"
    assert reason in reply.reason
    assert "QueryScheduledMeetingURL" not in reply.fields


def test_allow_list_takes_networks(client, settings):
    settings.TM_CALLBACK_ALLOWED_IPS = ["10.0.0.0/8"]
    environment_server_follows_settings()
    host = HostFactory()
    assert auth(client, remote="10.1.2.3", email=host.user.email, password=PASSWORD).ok
    assert not auth(client, remote="127.0.0.1", email=host.user.email, password=PASSWORD).ok


def test_a_deleted_host_is_reported_deleted_to_its_owner_only(client):
    host = HostFactory()
    services.host_delete(host=host)
    assert auth(client, email=host.user.email, password="a guess").status == "FAILED"
    reply = auth(client, email=host.user.email, password=PASSWORD)
    assert reply.status == "DELETED"
    assert reply.fields["UserID"] == str(host.pk)


def test_a_customer_not_yet_on_the_server_cannot_sign_in(client):
    host = HostFactory(customer__sync_state="pending", customer__company_uid="")
    reply = auth(client, email=host.user.email, password=PASSWORD)
    assert reply.status == "FAILED" and "not active" in reply.reason


def test_repeated_failures_lock_the_account_from_that_address(client, settings):
    settings.SIGNIN_SERVER_MAX_FAILURES = 3  # 127.0.0.1 is the meeting server's address
    host, other = HostFactory(), HostFactory()
    for _ in range(3):
        assert not auth(client, email=host.user.email.upper(), password="guess").ok
    reply = auth(client, email=host.user.email, password=PASSWORD)
    assert reply.status == "FAILED" and "Too many" in reply.reason
    assert auth(client, email=other.user.email, password=PASSWORD).ok


def test_strangers_cannot_lock_a_host_out_of_the_meeting_server(client, settings):
    """Guesses at the public sign-ins lock the guesser's address, not the server's."""
    from rest_framework.test import APIClient

    settings.SIGNIN_MAX_FAILURES = 5
    host = HostFactory()
    stranger = {"REMOTE_ADDR": "198.51.100.7"}
    api = APIClient()
    for n in range(6):
        api.post(
            "/api/v1/auth/token/", {"username": host.user.email, "password": f"{n}"}, **stranger
        )
    locked = api.post(
        "/api/v1/auth/token/", {"username": host.user.email, "password": PASSWORD}, **stranger
    )
    assert locked.status_code == 429 and "Too many" in locked.json()["reason"]
    assert auth(client, email=host.user.email, password=PASSWORD).ok  # from the server
    token = APIClient().post(
        "/api/v1/auth/token/",
        {"username": host.user.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.20",
    )
    assert token.status_code == 200 and token.json()["token"]  # the host, from elsewhere


def test_an_address_that_keeps_failing_is_throttled_whatever_names_it_tries(client, settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = "10/900"
    host = HostFactory()
    bot = {"REMOTE_ADDR": "198.51.100.8"}
    for n in range(10):
        client.post("/dashboard/login/", {"username": f"junk{n}@x.example", "password": "x"}, **bot)
    page = client.post(
        "/dashboard/login/", {"username": host.user.email, "password": PASSWORD}, **bot
    )
    assert page.status_code == 200 and "from your network" in page.content.decode()
    assert "_auth_user_id" not in client.session
    # Others are not held back, nor is the meeting server, through which many people sign in.
    signed_in = client.post(
        "/dashboard/login/",
        {"username": host.user.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.21",
    )
    assert signed_in.status_code == 302
    for n in range(12):
        auth(client, email=f"junk{n}@x.example", password="x")
    assert auth(client, email=host.user.email, password=PASSWORD).ok


def test_a_flood_of_junk_names_does_not_unlock_a_locked_host(client, settings):
    """Lockouts live in the database: no amount of other keys pushes them out."""
    settings.SIGNIN_SERVER_MAX_FAILURES = 3
    settings.SIGNIN_FAILURES_PER_ADDRESS = "1000/900"
    host = HostFactory()
    for _ in range(3):
        auth(client, email=host.user.email, password="guess")
    for n in range(400):
        client.post(
            "/dashboard/login/",
            {"username": f"junk{n}@x.example", "password": "x"},
            REMOTE_ADDR="198.51.100.9",
        )
    assert "Too many" in auth(client, email=host.user.email, password=PASSWORD).reason


def test_one_lockout_for_every_way_to_sign_in(client, settings):
    """From one address, guesses at the dashboard or the API count for /tm/auth, and the
    other way round."""
    from rest_framework.test import APIClient

    settings.SIGNIN_SERVER_MAX_FAILURES = 4  # all from 127.0.0.1, the meeting server's address
    host = HostFactory()
    email = host.user.email
    client.post("/dashboard/login/", {"username": email, "password": "guess 1"})
    APIClient().post("/api/v1/auth/token/", {"username": email, "password": "guess 2"})
    auth(client, email=email, password="guess 3")
    auth(client, email=email, password="guess 4")

    assert "Too many" in auth(client, email=email, password=PASSWORD).reason
    token = APIClient().post("/api/v1/auth/token/", {"username": email, "password": PASSWORD})
    assert token.status_code == 429
    page = client.post("/dashboard/login/", {"username": email, "password": PASSWORD})
    assert page.status_code == 200 and page.context["form"].errors  # not signed in


def test_the_password_is_never_logged(client, caplog):
    host = HostFactory()
    secret = "s3cret-that-must-not-leak"
    with caplog.at_level(logging.DEBUG):
        auth(client, email=host.user.email, password=secret)
        auth(client, remote="198.51.100.1", email=host.user.email, password=secret)
        auth(client, email=host.user.email, password=secret, service_company_uid="x")
    assert caplog.records  # refusals are logged ...
    assert secret not in caplog.text  # ... without the password


def test_fernet_encrypted_passwords(client, settings):
    key = Fernet.generate_key()
    settings.TM_PASSWORD_ENCODING = "fernet"
    settings.TM_PASSWORD_KEY = key.decode()
    environment_server_follows_settings()
    host = HostFactory()
    token = Fernet(key).encrypt(PASSWORD.encode()).decode()
    assert auth(client, email=host.user.email, password=token).ok

    reply = auth(client, email=host.user.email, password=PASSWORD)  # not encrypted
    assert reply.status == "FAILED" and "decrypted" in reply.reason


def test_a_fernet_token_from_an_old_log_is_refused(client, settings):
    key = Fernet.generate_key()
    settings.TM_PASSWORD_ENCODING = "fernet"
    settings.TM_PASSWORD_KEY = key.decode()
    environment_server_follows_settings()
    settings.TM_PASSWORD_TOKEN_MAX_AGE = 300
    host = HostFactory()
    old = Fernet(key).encrypt_at_time(PASSWORD.encode(), int(time.time()) - 30 * 86400).decode()
    reply = auth(client, email=host.user.email, password=old)
    assert reply.status == "FAILED" and "decrypted" in reply.reason
    recent = Fernet(key).encrypt_at_time(PASSWORD.encode(), int(time.time()) - 60).decode()
    assert auth(client, email=host.user.email, password=recent).ok


def test_a_fernet_token_is_good_for_one_sign_in(client, settings):
    """A token copied from a log, a proxy or the wire cannot be replayed within its max age."""
    key = Fernet.generate_key()
    settings.TM_PASSWORD_ENCODING = "fernet"
    settings.TM_PASSWORD_KEY = key.decode()
    environment_server_follows_settings()
    host = HostFactory()
    token = Fernet(key).encrypt(PASSWORD.encode()).decode()
    assert auth(client, email=host.user.email, password=token).ok
    replayed = auth(client, email=host.user.email, password=token)
    assert replayed.status == "FAILED" and "used already" in replayed.reason
    fresh = Fernet(key).encrypt(PASSWORD.encode()).decode()  # the client's next sign-in
    assert auth(client, email=host.user.email, password=fresh).ok


def meetings_reply(client, url: str, remote="127.0.0.1"):
    response = client.get(url, REMOTE_ADDR=remote)
    assert response.status_code == 200
    return parse_return(response.content)


def test_query_url_lists_the_hosts_scheduled_meetings_until_it_expires(client, settings):
    settings.TM_SERVER_URL = "https://meet.example.com"
    environment_server_follows_settings()
    host = HostFactory(customer__time_zone="Europe/Berlin")
    start = dt.datetime(2031, 7, 1, 12, 30, tzinfo=dt.UTC)
    MeetingFactory(
        host=host, topic="</__MeetingTopic__><x>", starts_at=start, server_meeting_id="424242"
    )
    MeetingFactory(host=host, cancelled_at=timezone.now())  # cancelled: not listed
    MeetingFactory(host=host, server_meeting_id="", sync_state="pending")  # not on the server
    MeetingFactory(topic="someone else's")

    url = auth(client, email=host.user.email, password=PASSWORD).fields["QueryScheduledMeetingURL"]
    reply = meetings_reply(client, url)

    assert reply.ok
    assert reply.meetings == [
        {
            "MeetingId": "424242",
            "ScheduledStartTime": "2031/07/01 14:30",  # the customer's zone (CEST)
            "MeetingTopic": "</__MeetingTopic__><x>",
            "JoinMeetingURL": reply.meetings[0]["JoinMeetingURL"],
        }
    ]
    assert reply.meetings[0]["JoinMeetingURL"].startswith("https://meet.example.com/as/wapi/")
    assert "meeting_id=424242" in reply.meetings[0]["JoinMeetingURL"]

    assert not meetings_reply(client, url, remote="203.0.113.5").ok  # only the server may ask

    QueryToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    expired = meetings_reply(client, url)
    assert expired.status == "FAILED" and "expired" in expired.reason


def test_query_tokens_are_unguessable_and_stored_hashed(client):
    host = HostFactory()
    urls = {
        auth(client, email=host.user.email, password=PASSWORD).fields["QueryScheduledMeetingURL"]
        for _ in range(3)
    }
    assert len(urls) == 3
    tokens = {u.rsplit("/", 1)[1] for u in urls}
    assert all(len(t) >= 40 for t in tokens)
    stored = set(QueryToken.objects.values_list("token_hash", flat=True))
    assert not tokens & stored
    assert not meetings_reply(client, "/tm/meetings/not-a-token").ok


def test_query_url_lives_at_least_twenty_minutes(client, settings):
    host = HostFactory()
    auth(client, email=host.user.email, password=PASSWORD)
    token = QueryToken.objects.get()
    assert token.expires_at - token.created_at >= dt.timedelta(minutes=20)


def test_behind_a_proxy_the_forwarded_client_is_checked_not_the_proxy(client, settings):
    host = HostFactory()
    creds = {"email": host.user.email, "password": PASSWORD, "service_company_uid": PARTNER_ID}
    settings.TM_CALLBACK_ALLOWED_IPS = ["198.51.100.7"]  # the meeting server
    environment_server_follows_settings()
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # nginx on this machine

    def via_proxy(forwarded_for):
        response = client.get(
            "/tm/auth", creds, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for
        )
        return parse_return(response.content)

    assert via_proxy("198.51.100.7").ok
    assert not via_proxy("203.0.113.9").ok  # someone on the internet, through the proxy
    # A client writing the server's address itself: the proxy appends the real one.
    assert not via_proxy("198.51.100.7, 203.0.113.9").ok

    settings.TRUSTED_PROXIES = []  # not configured: the header is never believed
    settings.TM_CALLBACK_ALLOWED_IPS = ["127.0.0.1"]
    environment_server_follows_settings()
    assert via_proxy("198.51.100.7").ok  # the connecting address decides
    settings.TM_CALLBACK_ALLOWED_IPS = ["198.51.100.7"]
    environment_server_follows_settings()
    assert not via_proxy("198.51.100.7").ok


def test_a_setting_under_its_old_tm_name_is_named_in_a_warning(monkeypatch):
    from vendors.turbomeeting.checks import old_setting_names

    monkeypatch.setenv("TM_READ_TIMEOUT", "5")
    monkeypatch.delenv("SERVER_READ_TIMEOUT", raising=False)
    [warning] = old_setting_names(None)
    assert "TM_READ_TIMEOUT" in warning.msg and "SERVER_READ_TIMEOUT" in warning.msg
