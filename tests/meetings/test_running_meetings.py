"""A meeting as its server really holds it: what may change while it runs, what stopping
does, whose link people join by, and the words a host reads when the server says no.

Against the fakes over real HTTP: TrueConf (only a running conference's description
may change, and its links carry the server's public address) and TurboMeeting.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from conferencing.fakes.server import serve
from conferencing.fakes.trueconf import FakeTrueConf
from meetings import launch, polling, services
from meetings.models import LiveState, Meeting
from portal.accounts.models import SyncState
from tests.factories import (
    CustomerFactory,
    HostFactory,
    MeetingFactory,
    put_on_fake_server,
    server_for,
)

pytestmark = pytest.mark.django_db

PUBLIC = "https://video.globex.example"


@pytest.fixture(autouse=True)
def _poll_settings(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the poll's file lock


@pytest.fixture
def tc():
    """A TrueConf server whose links carry its public address, not its API's."""
    fake = FakeTrueConf()
    fake.public_url = PUBLIC
    with serve(fake) as running:
        fake.url = running.url
        yield fake


@pytest.fixture
def host(tc):
    server = server_for(tc, tc.url, backend="trueconf", name="TrueConf")
    customer = CustomerFactory(server=server, slug="globex", time_zone="UTC")
    return HostFactory(customer=customer, is_administrator=True)


@pytest.fixture
def meeting(host, tc):
    """A published meeting starting in ten minutes, scheduled on the TrueConf fake."""
    start = (timezone.now() + dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    made = services.meeting_schedule(
        host=host,
        topic="Partner briefing",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        is_published=True,
    )
    services.meeting_push(meeting_id=made.pk)
    made.refresh_from_db()
    assert made.sync_state == SyncState.SYNCED and made.server_meeting_id in tc.conferences
    return made


def go_live(meeting: Meeting, tc: FakeTrueConf, attendees: int = 3) -> None:
    tc.set_live(meeting.server_meeting_id, attendees=attendees)
    polling.poll_round()
    meeting.refresh_from_db()
    assert meeting.live_state == LiveState.LIVE and meeting.attendees == attendees


def puts(tc: FakeTrueConf, meeting: Meeting) -> list:
    return [r for r in tc.api_requests() if r.method == "PUT"]


@pytest.fixture
def api(host):
    client = APIClient()
    client.force_authenticate(host.user)
    return client


# --- what may change while a meeting runs ------------------------------------------------


def test_the_form_locks_what_the_server_refuses_while_live_and_says_why(client, host, meeting, tc):
    go_live(meeting, tc)
    client.force_login(host.user)
    page = client.get(f"/dashboard/meetings/{meeting.pk}/edit/")
    form = page.context["form"]
    assert form.fields["topic"].disabled and form.fields["starts_at"].disabled
    assert "running now" in form.fields["topic"].help_text
    assert "stop it first" in form.fields["starts_at"].help_text
    # The portal's own: TrueConf keeps no password, and publishing is the portal's.
    assert not form.fields["password"].disabled and not form.fields["is_published"].disabled
    assert b'id="locked"' in page.content

    # A posted topic is not taken: a locked field keeps the meeting's value.
    fields = {
        "kind": meeting.kind,
        "topic": "Renamed while live",
        "starts_at": "2031-01-01T10:00",
        "ends_at": "2031-01-01T11:00",
    }
    saved = client.post(f"/dashboard/meetings/{meeting.pk}/edit/", fields)
    assert saved.status_code == 302
    meeting.refresh_from_db()
    assert meeting.topic == "Partner briefing" and tc.conferences[meeting.server_meeting_id].topic
    assert puts(tc, meeting) == []


def test_the_api_answers_409_with_the_reason_and_sends_nothing(api, meeting, tc):
    go_live(meeting, tc)
    response = api.patch(
        f"/api/v1/meetings/{meeting.pk}/", {"topic": "Renamed while live"}, format="json"
    )
    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "meeting_is_live"
    assert "running now" in body["reason"] and "topic" in body["reason"]
    meeting.refresh_from_db()
    assert meeting.topic == "Partner briefing" and meeting.sync_state == SyncState.SYNCED
    assert tc.conferences[meeting.server_meeting_id].topic == "Partner briefing"
    assert puts(tc, meeting) == []


def test_what_the_server_allows_changes_while_live_without_a_refused_call(api, meeting, tc):
    go_live(meeting, tc)
    response = api.patch(
        f"/api/v1/meetings/{meeting.pk}/",
        {"password": "new-secret", "is_published": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    services.meeting_push(meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert meeting.password == "new-secret" and not meeting.is_published
    assert meeting.sync_state == SyncState.SYNCED and not meeting.sync_error
    assert puts(tc, meeting) == []  # TrueConf keeps none of it: nothing to send


def test_a_change_that_meets_a_conference_started_meanwhile_waits_for_its_end(
    meeting, tc, caplog, settings
):
    """The poller has not seen it start yet: the push finds it running and sends nothing.
    The meeting is live from then on, and the change waits (no "needs attention", no
    red) until the conference ends; then it goes out."""
    tc.set_live(meeting.server_meeting_id, attendees=2)  # not polled: still "scheduled"
    services.meeting_update(meeting=meeting, topic="Renamed")
    with caplog.at_level(logging.WARNING, logger="portal.sync"):
        services.meeting_push(meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert meeting.sync_state == SyncState.PENDING and meeting.live_state == LiveState.LIVE
    assert meeting.sync_error == services.WAITS_FOR_THE_END
    assert "conferenceIsRunning" in caplog.text and "conferenceIsRunning" in meeting.sync_detail
    assert puts(tc, meeting) == []

    polling.poll_round()
    meeting.refresh_from_db()
    assert (meeting.live_state, meeting.attendees) == (LiveState.LIVE, 2)
    assert services.meetings_push_due() == 0  # its backoff has not passed: nothing sent

    tc.set_ended(meeting.server_meeting_id)
    for _ in range(settings.POLL_ENDED_AFTER):
        polling.poll_round()
    meeting.refresh_from_db()
    assert meeting.live_state == LiveState.ENDED
    assert services.meetings_push_due() == 1  # due as soon as it ended
    meeting.refresh_from_db()
    assert meeting.sync_state == SyncState.SYNCED and meeting.sync_error == ""
    assert tc.conferences[meeting.server_meeting_id].topic == "Renamed"
    assert len(puts(tc, meeting)) == 1


# --- moving a meeting that is or was live -------------------------------------------------


def test_a_live_meeting_is_not_moved(meeting, tc):
    go_live(meeting, tc)
    later = meeting.starts_at + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.meeting_update(
            meeting=meeting, starts_at=later, ends_at=later + dt.timedelta(hours=1)
        )
    assert "running now: stop it first" in str(refused.value)
    meeting.refresh_from_db()
    assert meeting.starts_at != later


def test_a_meeting_held_and_moved_later_is_scheduled_again_and_stays_in_the_feeds(
    client, meeting, tc
):
    Meeting.objects.filter(pk=meeting.pk).update(live_state=LiveState.ENDED, attendees=0)
    meeting.refresh_from_db()
    later = meeting.starts_at + dt.timedelta(days=7)
    services.meeting_update(meeting=meeting, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    meeting.refresh_from_db()
    assert meeting.live_state == LiveState.SCHEDULED and meeting.attendees == 0
    feed = client.get("/p/globex/meetings.json").json()
    [listed] = [m for m in feed["meetings"] if m["topic"] == "Partner briefing"]
    assert listed.get("is_live") in (False, None)


# --- stop: asked first, and its answer is the state ---------------------------------------


def test_stop_asks_first_and_the_page_shows_the_result_at_once(client, host, meeting, tc):
    go_live(meeting, tc, attendees=4)
    client.force_login(host.user)
    detail = client.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert "4 attending" in detail and f"/dashboard/meetings/{meeting.pk}/stop/" in detail

    asking = client.get(f"/dashboard/meetings/{meeting.pk}/stop/")
    assert asking.status_code == 200 and b"Stop the meeting" in asking.content
    assert tc.state(meeting.server_meeting_id) == "running"  # asking stops nothing

    done = client.post(f"/dashboard/meetings/{meeting.pk}/stop/", follow=True)
    page = done.content.decode()
    assert "The meeting was stopped" in page
    assert "attending" not in page and "Stop meeting" not in page
    assert tc.state(meeting.server_meeting_id) == "stopped"
    meeting.refresh_from_db()
    assert (meeting.live_state, meeting.attendees) == (LiveState.ENDED, 0)


# --- whose link ----------------------------------------------------------------------------


def test_join_and_start_links_are_the_servers_own_at_its_public_address(client, host, meeting):
    expected = f"{PUBLIC}/webrtc/{meeting.server_meeting_id}"
    assert meeting.server_join_url == expected
    assert launch.join_url(meeting) == expected and launch.start_url(meeting) == expected
    client.force_login(host.user)
    assert expected in client.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()


# --- a waiting change does not stop the polling --------------------------------------------


def test_a_meeting_with_a_change_waiting_keeps_its_live_state_current(fake_tm):
    start = timezone.now() + dt.timedelta(minutes=5)
    meeting = MeetingFactory(
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        sync_state=SyncState.PENDING,  # a change not yet on the server
    )
    put_on_fake_server(fake_tm, meeting)
    fake_tm.set_live(meeting.server_meeting_id, attendees=6)
    polling.poll_round()
    meeting.refresh_from_db()
    assert (meeting.live_state, meeting.attendees) == (LiveState.LIVE, 6)
    fake_tm.set_ended(meeting.server_meeting_id)
    polling.poll_round()
    polling.poll_round()
    meeting.refresh_from_db()
    assert meeting.live_state == LiveState.ENDED


# --- the host's words --------------------------------------------------------------------


def test_a_server_that_is_down_reads_as_a_sentence_not_an_http_status(meeting, tc):
    tc.mode = "down"
    services.meeting_update(meeting=meeting, topic="Renamed")
    services.meeting_push(meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert meeting.sync_state == SyncState.PENDING
    assert "not answering right now" in meeting.sync_error
    assert "HTTP" not in meeting.sync_error and "/api/" not in meeting.sync_error
