"""Join links on a server whose own links are single-use and expire (OpenMeetings' room hashes).

The portal lists, mails and shows its own signed join link, and makes the
server's link only when the person presses Join.
"""

from __future__ import annotations

import pytest
import requests
from django.utils import timezone

from conferencing.fakes.openmeetings import FakeOpenMeetings
from conferencing.fakes.server import serve
from meetings import launch
from meetings.services import meeting_push
from tests.factories import CustomerFactory, HostFactory, MeetingFactory, server_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def om():
    fake = FakeOpenMeetings()
    with serve(fake) as running:
        fake.url = running.url
        yield fake


@pytest.fixture
def om_meeting(om, django_capture_on_commit_callbacks):
    server = server_for(om, om.url, backend="openmeetings", name="OM")
    customer = CustomerFactory(server=server, slug="initech")
    meeting = MeetingFactory(
        host=HostFactory(customer=customer),
        server_meeting_id="",
        sync_state="pending",
        is_published=True,
        starts_at=timezone.now() + timezone.timedelta(hours=1),
    )
    meeting_push(meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert meeting.sync_state == "synced" and int(meeting.server_meeting_id) in om.rooms
    return meeting


def hashes_made(om):
    return len(om.hashes)


def test_feeds_list_the_portals_link_and_never_ask_the_server(client, om, om_meeting):
    before = len(om.requests)
    feed = client.get("/p/initech/meetings.json").json()
    [listed] = feed["meetings"]
    assert "/join/" in listed["join_url"] and om.url not in listed["join_url"]
    assert len(om.requests) == before  # no hash made for a page view


def test_the_link_is_made_on_join_not_on_a_visit(client, om, om_meeting):
    page = launch.join_url(om_meeting)
    path = page.removeprefix("http://localhost:8000")

    shown = client.get(path)
    assert shown.status_code == 200 and b"Your name" in shown.content
    assert hashes_made(om) == 0  # a mail scanner following the link uses nothing up

    joined = client.post(path, {"name": "Vera Visitor"})
    assert joined.status_code == 303
    assert joined["Location"].startswith(f"{om.url}/openmeetings/hash?secure=")
    again = client.post(path, {"name": "Vera Visitor"})
    assert again["Location"] != joined["Location"]  # a fresh one each time

    entered = requests.get(joined["Location"], timeout=5)
    assert entered.status_code == 200
    [join] = om.joins
    assert (join.firstname, join.moderator) == ("Vera", False)
    assert join.external_id.startswith("visitor-")


def test_a_registrants_link_carries_their_name_and_id_while_they_hold_a_seat(
    client, om, om_meeting
):
    from tests.webinars.factories import RegistrationFactory, WebinarFactory
    from webinars.models import Registration

    webinar = WebinarFactory(host=om_meeting.host, meeting=om_meeting)
    registration = RegistrationFactory(webinar=webinar, status=Registration.Status.CONFIRMED)
    external_id = f"registration-{registration.pk}"
    page = launch.join_page(om_meeting, name="Rita Registrant", external_id=external_id)
    path = page.removeprefix("http://localhost:8000")
    assert b"Rita Registrant" in client.get(path).content
    joined = client.post(path, {"name": "Rita Registrant"})
    requests.get(joined["Location"], timeout=5)
    [join] = om.joins
    assert (join.firstname, join.external_id) == ("Rita", external_id)

    registration.status = Registration.Status.CANCELLED
    registration.save()
    assert client.get(path).status_code == 404  # the link went with the seat
    assert client.post(path, {"name": "Rita Registrant"}).status_code == 404


def test_joins_are_limited_per_address(client, om, om_meeting, settings):
    settings.JOIN_LINKS_PER_ADDRESS = "2/600"
    path = launch.join_url(om_meeting).removeprefix("http://localhost:8000")
    assert [client.post(path, {"name": "V"}).status_code for _ in range(3)] == [303, 303, 429]
    assert len(om.hashes) == 2


def test_an_ipv6_visitor_cannot_rotate_addresses_inside_its_64_to_join_more(
    client, om, om_meeting, settings
):
    """Each join logs in to OpenMeetings: the limit is what bounds the server's sessions."""
    settings.JOIN_LINKS_PER_ADDRESS = "2/600"
    path = launch.join_url(om_meeting).removeprefix("http://localhost:8000")
    logins = len(om.calls("/user/login"))
    statuses = [
        client.post(path, {"name": "V"}, REMOTE_ADDR=f"2001:db8:7:7::{n + 1:x}").status_code
        for n in range(3)
    ]
    assert statuses == [303, 303, 429]
    assert len(om.calls("/user/login")) - logins == 2


def test_a_tampered_or_stale_link_is_a_404(client, om, om_meeting):
    path = launch.join_url(om_meeting).removeprefix("http://localhost:8000")
    assert client.get(path[:-3] + "xx/").status_code == 404
    om_meeting.cancelled_at = timezone.now()
    om_meeting.save()
    assert client.get(path).status_code == 404


def test_a_server_that_is_down_gets_a_reason_not_an_error_page(client, om, om_meeting):
    path = launch.join_url(om_meeting).removeprefix("http://localhost:8000")
    om.mode = "down"
    response = client.post(path, {"name": "Vera Visitor"})
    assert response.status_code == 503  # the page with its reason, as the server is unavailable
    assert b"could not let you in just now" in response.content
    assert b"soapuser" not in response.content and om.url.encode() not in response.content


def test_start_is_a_post_a_page_elsewhere_cannot_make(client, om, om_meeting):
    """A cross-site GET (an <img>, a link) would sign in to the server and make a
    moderator link in the host's name; a cross-site POST lacks the CSRF token."""
    from django.test import Client

    client.force_login(om_meeting.host.user)
    before = len(om.requests)
    assert client.get(f"/dashboard/meetings/{om_meeting.pk}/start/").status_code == 405
    forged = Client(enforce_csrf_checks=True)
    forged.force_login(om_meeting.host.user)
    assert forged.post(f"/dashboard/meetings/{om_meeting.pk}/start/").status_code == 403
    assert len(om.requests) == before and not om.hashes


def test_a_registrants_mail_holds_the_portals_link_with_their_name(om, om_meeting):
    from tests.webinars.factories import RegistrationFactory, WebinarFactory
    from webinars.mail import personal_join_url

    webinar = WebinarFactory(host=om_meeting.host, meeting=om_meeting)
    registration = RegistrationFactory(webinar=webinar, first_name="Rita", last_name="R")
    link = personal_join_url(registration)
    token = link.rsplit("/join/", 1)[1].strip("/")
    assert launch.read_join_page_token(token) == (
        om_meeting.pk,
        "Rita R",
        f"registration-{registration.pk}",
    )
    assert hashes_made(om) == 0  # mailing it made nothing on the server


def test_the_hosts_page_asks_the_server_nothing_and_start_makes_a_moderator_link(
    client, om, om_meeting
):
    client.force_login(om_meeting.host.user)
    before = len(om.requests)
    page = client.get(f"/dashboard/meetings/{om_meeting.pk}/").content.decode()
    assert len(om.requests) == before  # no login, no hash for a page view
    assert f'<form method="post" action="/dashboard/meetings/{om_meeting.pk}/start/">' in page

    started = client.post(f"/dashboard/meetings/{om_meeting.pk}/start/")
    assert started.status_code == 302
    requests.get(started["Location"], timeout=5)
    [join] = om.joins
    assert join.moderator is True

    om.mode = "down"
    refused = client.post(f"/dashboard/meetings/{om_meeting.pk}/start/", follow=True)
    assert refused.status_code == 200 and b"not answering right now" in refused.content


def test_a_password_protected_meeting_asks_the_name_once(client, om, om_meeting):
    """The public password page asks name and password, then goes straight to the server's
    link: no second page asking the name again."""
    om_meeting.password = "pw-om-1"
    om_meeting.save()
    path = f"/p/initech/meetings/{om_meeting.pk}/join/"
    assert hashes_made(om) == 0
    joined = client.post(path, {"name": "Vera Visitor", "password": "pw-om-1"})
    assert joined.status_code == 303
    assert joined["Location"].startswith(f"{om.url}/openmeetings/hash?secure=")
    requests.get(joined["Location"], timeout=5)
    [join] = om.joins
    assert (join.firstname, join.moderator) == ("Vera", False)
