"""Joining a published meeting whose public links leave out the password."""

import pytest

from tests.conftest import environment_server_follows_settings
from tests.factories import CustomerFactory, HostFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(settings):
    settings.TM_SERVER_URL = "https://meet.example"
    environment_server_follows_settings()
    host = HostFactory(customer=CustomerFactory(slug="acme"))
    meeting = MeetingFactory(host=host, is_published=True, server_meeting_id="424242")
    meeting.password = "pw-1234"
    meeting.save()
    return meeting


def join(meeting):
    return f"/p/acme/meetings/{meeting.pk}/join/"


def test_the_right_password_leads_to_the_servers_join_link(client, meeting):
    page = client.get(join(meeting))
    assert page.status_code == 200 and "pw-1234" not in page.content.decode()
    assert page["X-Frame-Options"] == "DENY"
    response = client.post(join(meeting), {"name": "Ada", "password": "pw-1234"})
    assert response.status_code == 303
    assert response["Location"] == (
        "https://meet.example/as/wapi/goto_downloader?role=attendee&name=Ada&"
        "meeting_id=424242&password=pw-1234&sumbit=submit"
    )


def test_a_wrong_password_is_refused_and_guessing_is_limited(client, meeting, settings):
    settings.PUBLIC_JOIN_FAILURES_PER_ADDRESS = "3/600"
    for _ in range(3):
        wrong = client.post(join(meeting), {"name": "Eve", "password": "guess"})
        assert wrong.status_code == 200
        assert "not the meeting&#x27;s password" in wrong.content.decode()
    blocked = client.post(join(meeting), {"name": "Eve", "password": "pw-1234"})
    assert blocked.status_code == 429 and "Too many wrong passwords" in blocked.content.decode()
    elsewhere = client.post(
        join(meeting), {"name": "Ada", "password": "pw-1234"}, REMOTE_ADDR="203.0.113.4"
    )
    assert elsewhere.status_code == 303


def test_only_listed_meetings_can_be_joined(client, meeting):
    from django.utils import timezone

    other = MeetingFactory(host=meeting.host, server_meeting_id="1")  # not published
    assert client.get(f"/p/acme/meetings/{other.pk}/join/").status_code == 404
    assert client.get(f"/p/other/meetings/{meeting.pk}/join/").status_code == 404
    meeting.cancelled_at = timezone.now()
    meeting.save()
    assert client.get(join(meeting)).status_code == 404


def test_the_host_chooses_in_the_meeting_form(client, meeting):
    client.force_login(meeting.host.user)
    page = client.get(f"/dashboard/meetings/{meeting.pk}/edit/").content.decode()
    assert "Include the password in public links" in page
    assert "anyone who sees the page" in page
