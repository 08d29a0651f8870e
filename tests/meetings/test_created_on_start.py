"""A server that holds a meeting only while it runs (BigBlueButton's fake, over HTTP): the
portal creates the meeting when its host starts it or the first person joins, once;
it lists the server's recordings on the meeting's page, and a host publishes them to
the feeds and the meeting's join links."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.utils import timezone
from lxml import etree

from conferencing.fakes.bigbluebutton import FakeBigBlueButton
from conferencing.fakes.server import serve
from meetings import launch
from meetings.models import LiveState, Meeting, PublishedRecording
from meetings.services import meeting_schedule, meeting_update
from portal.accounts import services
from portal.accounts.models import MeetingServer, SyncState
from webinars.mail import personal_join_url
from webinars.models import Webinar
from webinars.services.registrations import registration_create
from webinars.services.webinars import webinar_create

pytestmark = pytest.mark.django_db

XSD = Path(__file__).parents[2] / "meetings/static/meetings/published-meetings.xsd"


@pytest.fixture
def bbb():
    fake = FakeBigBlueButton()
    with serve(fake) as running:
        fake.url = running.url
        yield fake


@pytest.fixture
def host(bbb, settings):
    settings.SERVER_READ_TIMEOUT = 0.5
    server = services.server_save(
        server=MeetingServer(),
        backend="bigbluebutton",
        name="BBB",
        base_url=bbb.site_url(bbb.url),
        credentials={"secret": bbb.secret},
    )
    customer = services.customer_create(
        name="Initech", slug="initech", contact_email="it@initech.example", server=server
    )
    return services.host_create(customer=customer, email="host@initech.example")


@pytest.fixture
def meeting(host, django_capture_on_commit_callbacks) -> Meeting:
    start = timezone.now() + dt.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        made = meeting_schedule(
            host=host, topic="Town hall", starts_at=start, ends_at=start + dt.timedelta(hours=1),
            is_published=True,
        )  # fmt: skip
    made.refresh_from_db()
    return made


def test_scheduling_names_the_meeting_but_puts_nothing_on_the_server(bbb, meeting):
    assert meeting.sync_state == SyncState.SYNCED and meeting.server_meeting_id
    assert bbb.calls == [] and bbb.meetings == {}


def test_the_host_pressing_start_creates_it_once_and_enters_as_moderator(client, bbb, meeting):
    client.force_login(meeting.host.user)
    page = client.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert f'action="/dashboard/meetings/{meeting.pk}/start/"' in page  # made when pressed
    assert bbb.calls_to("create") == []  # showing the page creates nothing (it lists recordings)

    started = client.post(f"/dashboard/meetings/{meeting.pk}/start/")
    assert started.status_code == 302 and started["Location"].startswith(f"{bbb.url}/bigbluebutton")
    again = client.post(f"/dashboard/meetings/{meeting.pk}/start/")
    assert bbb.created == 1 and len(bbb.calls_to("create")) == 2
    assert bbb.meetings[meeting.server_meeting_id].name == "Town hall"
    entered = requests.get(again["Location"], timeout=5)
    assert "MODERATOR" in entered.text and "Town hall" in entered.text


def test_the_first_person_to_join_creates_it(client, bbb, meeting):
    link = launch.join_url(meeting)  # the portal's own page: the meeting may not exist yet
    path = urlsplit(link).path
    assert path.startswith("/join/") and bbb.calls == []
    joined = client.post(path, {"name": "Vera Visitor"})
    assert joined.status_code == 303
    assert bbb.created == 1
    entered = requests.get(joined["Location"], timeout=5)
    assert "Vera Visitor" in entered.text and "VIEWER" in entered.text


def test_a_server_that_is_down_at_start_costs_nothing_and_says_so(client, bbb, meeting):
    client.force_login(meeting.host.user)
    bbb.mode = "down"
    started = client.post(f"/dashboard/meetings/{meeting.pk}/start/", follow=True)
    assert started.redirect_chain[-1][0] == f"/dashboard/meetings/{meeting.pk}/"
    text = started.content.decode()
    assert "The meeting server is not answering right now. The portal keeps" in text
    assert "HTTP" not in text  # the raw detail goes to the log
    assert Meeting.objects.filter(pk=meeting.pk, cancelled_at=None).exists()


def test_its_details_may_change_after_it_has_an_id(
    bbb, meeting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting_update(meeting=meeting, topic="Town hall (moved)")
    launch.server_start_url(meeting)
    assert bbb.meetings[meeting.server_meeting_id].name == "Town hall (moved)"


def test_the_meeting_page_lists_recordings_and_a_published_one_reaches_the_feeds(
    client, bbb, meeting
):
    client.force_login(meeting.host.user)
    recording = bbb.add_recording(meeting.server_meeting_id, name="Town hall, part 1")
    bbb.add_recording(meeting.server_meeting_id, name="Still processing", published=False)
    page = client.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert "Town hall, part 1" in page and "Still processing" in page
    assert page.count(">Publish</button>") == 1  # the server does not play the other yet
    assert client.get("/p/initech/meetings.json").json()["recordings"] == []

    published = client.post(
        f"/dashboard/meetings/{meeting.pk}/recordings/publish/",
        {"recording_id": recording.record_id},
        follow=True,
    )
    assert "The recording is published" in published.content.decode()
    feed = client.get("/p/initech/meetings.json").json()
    [listed] = feed["recordings"]
    assert listed["meeting"] == meeting.pk and listed["name"] == "Town hall, part 1"
    assert listed["playback_url"].startswith(f"{bbb.url}/playback/") and listed["duration"] == 1800
    html = client.get("/p/initech/meetings/").content.decode()
    assert listed["playback_url"] in html and "Watch" in html
    document = etree.fromstring(client.get("/p/initech/meetings.xml").content)
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(document)
    assert document.find("recording/playback_url").text == listed["playback_url"]

    client.post(
        f"/dashboard/meetings/{meeting.pk}/recordings/publish/",
        {"recording_id": recording.record_id, "unpublish": "1"},
    )
    assert client.get("/p/initech/meetings.json").json()["recordings"] == []


def test_a_recording_the_server_does_not_play_back_is_not_published(client, bbb, meeting):
    client.force_login(meeting.host.user)
    recording = bbb.add_recording(meeting.server_meeting_id, published=False)
    answer = client.post(
        f"/dashboard/meetings/{meeting.pk}/recordings/publish/",
        {"recording_id": recording.record_id},
        follow=True,
    )
    assert "does not play this recording back" in answer.content.decode()
    assert not PublishedRecording.objects.exists()


def test_a_server_that_is_down_leaves_the_meeting_page_working(client, bbb, meeting):
    client.force_login(meeting.host.user)
    bbb.mode = "down"
    page = client.get(f"/dashboard/meetings/{meeting.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "could not list the recordings: The meeting server is not answering" in text
    assert "HTTP" not in text and "getRecordings" not in text  # the raw detail: the log
    meeting.host.language = "de"
    meeting.host.save(update_fields=["language"])
    german = client.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert "Der Meeting-Server antwortet gerade nicht; versuchen Sie es später erneut." in german


def test_a_registrant_finds_the_published_recording_behind_their_link_after_the_webinar(
    client, bbb, host, django_capture_on_commit_callbacks
):
    start = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        webinar = webinar_create(
            host=host, title="Launch webinar", starts_at=start,
            ends_at=start + dt.timedelta(hours=1), status=Webinar.Status.PUBLISHED,
        )  # fmt: skip
        result = registration_create(
            webinar=webinar, first_name="Rita", last_name="Registrant", email="rita@x.example"
        )
    webinar.meeting.refresh_from_db()
    path = urlsplit(personal_join_url(result.registration)).path
    Meeting.objects.filter(pk=webinar.meeting.pk).update(live_state=LiveState.ENDED)
    assert client.get(path).status_code == 404  # over, and nothing published

    recording = bbb.add_recording(webinar.meeting.server_meeting_id, name="Launch recording")
    client.force_login(host.user)
    client.post(
        f"/dashboard/meetings/{webinar.meeting.pk}/recordings/publish/",
        {"recording_id": recording.record_id},
    )
    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Launch recording" in text and "This meeting is over." in text
    assert 'type="submit"' not in text  # nothing to join
