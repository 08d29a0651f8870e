"""Meeting passwords stay out of everything public, mailed or fed, and no text breaks a feed.

- A password-protected published meeting on a server that has no meeting
  passwords of its own (TrueConf: its web client link admits anyone) shows
  neither its server ID nor a server link in any public format.
- Registrants get the portal's personal join link, never the password; it
  reaches the server only while the registration holds a seat.
- Every feed format follows the host's one choice about the password.
- Control characters are refused at input and never break a feed at output.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from defusedxml import ElementTree as SafeET
from django.core import mail
from django.test import Client
from icalendar import Calendar

from conferencing.fakes.server import serve
from conferencing.fakes.trueconf import FakeTrueConf
from portal.accounts import services as accounts
from tests.factories import CustomerFactory, HostFactory, MeetingFactory, server_for
from tests.webinars.factories import WebinarFactory
from webinars.services.registrations import registration_cancel, registration_create

pytestmark = pytest.mark.django_db

FORMATS = ("html", "xml", "json", "ics", "rss")
PASSWORD = "s3cret-Pa55"


def feed(client: Client, slug: str, fmt: str) -> str:
    path = f"/p/{slug}/meetings/" if fmt == "html" else f"/p/{slug}/meetings.{fmt}"
    response = client.get(path)
    assert response.status_code == 200, (fmt, response.status_code)
    return response.content.decode()


@pytest.fixture
def trueconf():
    fake = FakeTrueConf()
    with serve(fake) as running:
        fake.url = running.url
        yield fake


def test_a_protected_meeting_on_a_server_without_passwords_shows_no_way_in(client, trueconf):
    server = server_for(trueconf, trueconf.url, backend="trueconf", name="TrueConf")
    host = HostFactory(customer=CustomerFactory(slug="tc", server=server))
    meeting = MeetingFactory(host=host, is_published=True, server_meeting_id="4219111751")
    meeting.password = PASSWORD
    meeting.save()

    for fmt in FORMATS:
        body = feed(client, "tc", fmt)
        assert "4219111751" not in body, fmt  # the web client link is /webrtc/<id>
        assert "/webrtc/" not in body and PASSWORD not in body, fmt

    # The page asking for the password is the way in, and it does lead there.
    ask = f"/p/tc/meetings/{meeting.pk}/join/"
    wrong = client.post(ask, {"name": "Eve", "password": "guess"})
    assert wrong.status_code == 200
    right = client.post(ask, {"name": "Vera", "password": PASSWORD})
    assert right.status_code == 303 and right["Location"].endswith("/webrtc/4219111751")


def test_the_meeting_form_tells_the_host_what_the_server_protects(client, trueconf):
    server = server_for(trueconf, trueconf.url, backend="trueconf", name="TrueConf")
    host = HostFactory(customer=CustomerFactory(server=server))
    client.force_login(host.user)
    page = client.get("/dashboard/meetings/new/").content.decode()
    assert "has no meeting passwords" in page

    on_turbomeeting = HostFactory()
    client.force_login(on_turbomeeting.user)
    page = client.get("/dashboard/meetings/new/").content.decode()
    assert "The meeting server asks everyone who joins for this password" in page


def test_registrants_get_a_personal_link_that_stops_with_their_seat(
    fake_tm, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example"
    host = HostFactory(customer=accounts.customer_push(customer_id=CustomerFactory().pk))
    webinar = WebinarFactory(host=host, customer=host.customer)
    meeting = webinar.meeting
    meeting.password = PASSWORD
    meeting.save()

    with django_capture_on_commit_callbacks(execute=True):
        result = registration_create(
            webinar=webinar, first_name="Grace", last_name="Hopper", email="grace@example.com"
        )
    (message,) = mail.outbox
    ((_, calendar, _),) = message.attachments
    assert PASSWORD not in message.body and PASSWORD not in str(calendar)
    link = re.search(r"Your personal join link: (\S+)", message.body).group(1)
    assert link.startswith("https://portal.example/join/")
    (event,) = Calendar.from_ical(calendar).walk("VEVENT")
    assert str(event["URL"]) == link

    visitor = Client()
    path = urlsplit(link).path
    joined = visitor.post(path, {"name": "Grace Hopper"})
    assert joined.status_code == 303  # the server's link, made now, with what it needs
    assert f"meeting_id={meeting.server_meeting_id}" in joined["Location"]

    registration_cancel(registration=result.registration)
    assert visitor.get(path).status_code == 404
    assert visitor.post(path, {"name": "Grace Hopper"}).status_code == 404


@pytest.mark.parametrize("public", [False, True])
def test_every_feed_follows_the_hosts_one_choice_about_the_password(client, public):
    host = HostFactory(customer=CustomerFactory(slug="acme"))
    meeting = MeetingFactory(host=host, is_published=True, password_in_public_links=public)
    meeting.password = PASSWORD
    meeting.save()

    joins = {
        "json": client.get("/p/acme/meetings.json").json()["meetings"][0]["join_url"],
        "xml": SafeET.fromstring(client.get("/p/acme/meetings.xml").content).findtext(
            "meeting/join_url"
        ),
        "ics": str(
            Calendar.from_ical(client.get("/p/acme/meetings.ics").content).walk("VEVENT")[0]["URL"]
        ),
    }
    assert len(set(joins.values())) == 1, joins
    assert (PASSWORD in joins["ics"]) is public


CONTROL = "Kick\x13off"


def test_control_characters_never_break_a_feed(client):
    customer = CustomerFactory(slug="ctl", name="Acme\x13\nLabs")
    MeetingFactory(host=HostFactory(customer=customer), is_published=True, topic=CONTROL)
    for fmt in ("xml", "ics", "rss"):  # JSON writes \u0013; HTML shows what is stored
        body = feed(client, "ctl", fmt)
        assert "\x13" not in body, fmt
    SafeET.fromstring(feed(client, "ctl", "rss").encode())
    SafeET.fromstring(feed(client, "ctl", "xml").encode())
    calendar = Calendar.from_ical(feed(client, "ctl", "ics"))
    assert str(calendar["X-WR-CALNAME"]) == "Acme Labs: meetings"
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == "Kickoff"


def test_control_characters_are_refused_at_input(client, fake_tm):
    host = HostFactory(customer=accounts.customer_push(customer_id=CustomerFactory().pk))
    client.force_login(host.user)
    form = client.post(
        "/dashboard/meetings/new/",
        {"kind": 0, "topic": CONTROL, "is_recurring": "on"},
    )
    assert form.status_code == 200 and "control character" in form.content.decode()

    api = client.post(
        "/api/v1/meetings/",
        {"topic": CONTROL, "is_recurring": True},
        content_type="application/json",
    )
    assert api.status_code == 400 and "topic" in api.json()["errors"]

    host.customer.embed_origins = "https://www.acme.example"
    host.customer.save()
    webinar = WebinarFactory(host=host, customer=host.customer)
    registered = Client(enforce_csrf_checks=True).post(
        f"/w/{webinar.slug}/register",
        {"first_name": CONTROL, "last_name": "Hopper", "email": "grace@example.com"},
        HTTP_ORIGIN="https://www.acme.example",
    )
    assert registered.status_code == 400
    assert not webinar.registrations.exists()
