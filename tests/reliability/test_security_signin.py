"""Sign-in, rate limits, logs and tokens: what an outside attack on the portal tried.

Each test is one hole the attack found, tried again the way the attacker did.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from cryptography.fernet import Fernet
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from conferencing.fakes.openmeetings import FakeOpenMeetings
from conferencing.fakes.server import serve
from conferencing.turbomeeting.returns import parse_return
from meetings import launch
from meetings.services import meeting_push
from tests.conftest import PARTNER_ID, environment_server_follows_settings
from tests.factories import CustomerFactory, HostFactory, MeetingFactory, server_for
from tests.webinars.factories import RegistrationFactory, WebinarFactory
from webinars import mail
from webinars.models import Registration

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
SERVER = "127.0.0.1"  # in TM_CALLBACK_ALLOWED_IPS (tests/conftest.py)


def tm_auth(client, email: str, password: str):
    data = {"service_company_uid": PARTNER_ID, "email": email, "password": password}
    return parse_return(client.get("/tm/auth", data, REMOTE_ADDR=SERVER).content)


def api_token(email: str, password: str, address: str):
    data = {"username": email, "password": password}
    return APIClient().post("/api/v1/auth/token/", data, REMOTE_ADDR=address)


# --- sign-in lockouts ---------------------------------------------------------------------------


def test_a_strangers_guesses_in_a_turbomeeting_client_do_not_lock_the_host_out(client, settings):
    """Five wrong passwords typed into any TurboMeeting client reach /tm/auth from the
    meeting server's address, which stands for every TurboMeeting user."""
    settings.TM_SERVICE_COMPANY_UID = PARTNER_ID
    environment_server_follows_settings()  # /tm/auth checks the environment's row
    settings.SIGNIN_MAX_FAILURES, settings.SIGNIN_SERVER_MAX_FAILURES = 5, 50
    host = HostFactory()
    for n in range(settings.SIGNIN_MAX_FAILURES + 5):
        assert tm_auth(client, host.user.email, f"guess {n}").status == "FAILED"
    assert tm_auth(client, host.user.email, PASSWORD).ok  # the real host, a moment later

    # A scripted guesser is still stopped, at the much higher bar.
    for n in range(settings.SIGNIN_SERVER_MAX_FAILURES):
        tm_auth(client, host.user.email, f"guess {n}")
    assert "Too many" in tm_auth(client, host.user.email, PASSWORD).reason


def test_hosts_behind_one_nat_do_not_lock_each_other_out_of_the_token_endpoint(settings):
    """A script with a stale password fails over and over from an office's one address."""
    settings.SIGNIN_FAILURES_PER_ADDRESS = "5/900"
    office = "198.51.100.40"
    colleague, stale = HostFactory(), HostFactory()
    assert api_token(colleague.user.email, PASSWORD, office).status_code == 200
    for n in range(10):
        api_token(stale.user.email, f"old password {n}", office)
    assert api_token(colleague.user.email, PASSWORD, office).status_code == 200
    # A name that never signed in from there is still held back (password spraying).
    newcomer = HostFactory()
    refused = api_token(newcomer.user.email, PASSWORD, office)
    assert refused.status_code == 429 and "network" in refused.json()["reason"]


# --- per-address limits and IPv6 ----------------------------------------------------------------


def test_an_ipv6_guesser_cannot_rotate_addresses_inside_its_64(settings):
    """Every subscriber has a /64: one address per guess would never be counted twice."""
    settings.SIGNIN_MAX_FAILURES = 3
    settings.SIGNIN_FAILURES_PER_ADDRESS = "1000/900"
    host = HostFactory()
    for n in range(3):
        api_token(host.user.email, f"guess {n}", f"2001:db8:5:6::{n + 1:x}")
    locked = api_token(host.user.email, PASSWORD, "2001:db8:5:6:ffff::99")
    assert locked.status_code == 429
    assert api_token(host.user.email, PASSWORD, "2001:db8:5:7::1").status_code == 200


def test_an_ipv6_sprayer_is_throttled_per_64(settings):
    settings.SIGNIN_FAILURES_PER_ADDRESS = "5/900"
    host = HostFactory()
    for n in range(5):
        api_token(f"junk{n}@example.com", "x", f"2001:db8:9:9::{n + 1:x}")
    refused = api_token(host.user.email, PASSWORD, "2001:db8:9:9:abcd::1")
    assert refused.status_code == 429 and "network" in refused.json()["reason"]


@pytest.fixture
def om_meeting():
    """A meeting on an OpenMeetings server (single-use room hashes), and the fake."""
    fake = FakeOpenMeetings()
    with serve(fake) as running:
        fake.url = running.url
        server = server_for(fake, fake.url, backend="openmeetings", name="OM")
        meeting = MeetingFactory(
            host=HostFactory(customer=CustomerFactory(server=server)),
            server_meeting_id="",
            sync_state="pending",
            starts_at=timezone.now() + dt.timedelta(hours=1),
        )
        meeting_push(meeting_id=meeting.pk)
        meeting.refresh_from_db()
        yield meeting, fake


def test_an_ipv6_visitor_cannot_rotate_addresses_to_open_more_server_sessions(
    client, settings, om_meeting
):
    """Each join signs in to OpenMeetings once (a session holds one person: it cannot be
    shared), so the per-address join limit is what bounds them, counted per /64."""
    meeting, om = om_meeting
    # A day's window: django-ratelimit's windows are fixed, and one ending mid-test would
    # let the fifth join through.
    settings.JOIN_LINKS_PER_ADDRESS = "3/86400"
    path = launch.join_url(meeting).removeprefix(settings.SITE_URL.rstrip("/"))
    logins = len(om.calls("/user/login"))
    statuses = [
        client.post(path, {"name": "V"}, REMOTE_ADDR=f"2001:db8:3:3::{n + 1:x}").status_code
        for n in range(5)
    ]
    assert statuses == [303, 303, 303, 429, 429]
    assert len(om.calls("/user/login")) - logins == 3


# --- logs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/%74m/auth?email=host%40example.com&password=s3cret",
        "http://portal.example/tm/auth?email=host%40example.com&password=s3cret",
        "/join/s3cret-join-token/",
        "/w/board/cancel/s3cret-cancel-token/",
        "/tm/meetings/s3cret-query-token",
    ],
    ids=["percent-encoded /tm/", "absolute form", "join link", "cancel link", "meeting list"],
)
def test_access_logs_keep_no_password_or_capability_token(caplog, target):
    with caplog.at_level(logging.INFO):
        logging.getLogger("django.server").info('"%s" %s %s', f"GET {target} HTTP/1.1", 200, 9)
    assert caplog.records and "s3cret" not in caplog.text


def test_404_warnings_keep_no_capability_token(caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert Client().get("/join/s3cret-join-token/").status_code == 404
        assert Client().get("/w/board/cancel/s3cret-cancel-token/").status_code == 404
    assert caplog.text.count("Not Found") == 2 and "s3cret" not in caplog.text


def test_a_refused_callback_logs_no_meeting_list_token(caplog):
    with caplog.at_level(logging.WARNING, logger="vendors.turbomeeting.callbacks"):
        Client().get("/tm/meetings/s3cret-query-token", REMOTE_ADDR="198.51.100.1")
    assert "refused" in caplog.text and "/tm/meetings/***" in caplog.text
    assert "s3cret" not in caplog.text


def test_a_cancel_link_stops_working_when_its_webinar_ends():
    webinar = WebinarFactory(
        starts_at=timezone.now() - dt.timedelta(hours=2),
        ends_at=timezone.now() - dt.timedelta(minutes=1),
    )
    registration = RegistrationFactory(webinar=webinar, status=Registration.Status.CONFIRMED)
    link = f"/w/{webinar.slug}/cancel/{mail.cancel_token(registration)}/"
    assert Client().post(link).status_code == 404
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


# --- cross-site requests ------------------------------------------------------------------------


def test_a_cross_site_get_cannot_start_an_openmeetings_meeting(om_meeting):
    """An <img src=".../start/"> on another site, loaded by a signed-in host's browser."""
    meeting, om = om_meeting
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(meeting.host.user)
    before = len(om.requests)
    assert browser.get(f"/dashboard/meetings/{meeting.pk}/start/").status_code == 405
    assert browser.post(f"/dashboard/meetings/{meeting.pk}/start/").status_code == 403
    assert len(om.requests) == before and not om.hashes


# --- tokens and bodies --------------------------------------------------------------------------


def test_a_fernet_password_token_cannot_be_replayed(client, settings):
    key = Fernet.generate_key()
    settings.TM_SERVICE_COMPANY_UID = PARTNER_ID
    settings.TM_PASSWORD_ENCODING, settings.TM_PASSWORD_KEY = "fernet", key.decode()
    environment_server_follows_settings()  # /tm/auth checks the environment's row
    host = HostFactory()
    token = Fernet(key).encrypt(PASSWORD.encode()).decode()
    assert tm_auth(client, host.user.email, token).ok
    assert tm_auth(client, host.user.email, token).status == "FAILED"  # copied from the wire


def test_a_multipart_body_that_is_not_utf8_is_refused():
    webinar = WebinarFactory()
    body = (
        b'--B\r\nContent-Disposition: form-data; name="first_name"\r\n\r\nGr\xe2ce\r\n'
        b'--B\r\nContent-Disposition: form-data; name="last_name"\r\n\r\nHopper\r\n'
        b'--B\r\nContent-Disposition: form-data; name="email"\r\n\r\ng@example.com\r\n--B--\r\n'
    )
    response = Client().post(
        f"/w/{webinar.slug}/register", body, content_type="multipart/form-data; boundary=B"
    )
    assert response.status_code == 400 and "UTF-8" in response.json()["reason"]
    assert not Registration.objects.exists()
