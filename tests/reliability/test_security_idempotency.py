"""Nothing is made twice on a meeting server when an answer is lost.

A create whose answer came too late, or whose connection dropped mid-answer,
was done by the server; the portal cannot know, and resends it. On TrueConf
and OpenMeetings that made a second conference (room) and left the first on
the server for ever. Each check runs the portal's own services against a fake
server over real HTTP that does the work and then loses the answer.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.utils import timezone

from conferencing.base import ServerRefused
from conferencing.fakes.openmeetings import FakeOpenMeetings
from conferencing.fakes.server import serve
from conferencing.fakes.trueconf import FakeTrueConf
from meetings import services as meetings
from meetings.models import Meeting
from portal import servers
from portal.accounts.models import SyncState
from tests.factories import CustomerFactory, HostFactory, server_for

pytestmark = pytest.mark.django_db

FAKES = {"trueconf": FakeTrueConf, "openmeetings": FakeOpenMeetings}
LOST = ["late", "reset"]  # the server acts, then the answer comes too late / is cut off


def held(fake) -> dict[str, str]:
    """What the fake holds: ID -> topic."""
    if isinstance(fake, FakeTrueConf):
        return {key: c.topic for key, c in fake.conferences.items()}
    return {str(key): room.dto["name"] for key, room in fake.rooms.items()}


@pytest.fixture(params=FAKES)
def on_server(request, settings):
    """A fake server of the kind, and a host whose customer uses it (a portal in use: it
    holds a token or a session already)."""
    fake = FAKES[request.param]()
    with serve(fake) as served:
        settings.SERVER_READ_TIMEOUT = 0.5
        record = server_for(fake, served.url, backend=request.param, name=request.param)
        host = HostFactory(customer=CustomerFactory(server=record, company_uid=""))
        with contextlib.suppress(ServerRefused):
            servers.backend(host.customer).meeting_status("1")
        yield fake, host


def sweep(commit) -> None:
    """The retry sweep, once the server is back."""
    past = timezone.now() - dt.timedelta(seconds=1)
    Meeting.objects.exclude(next_sync_at=None).update(next_sync_at=past)
    with commit(execute=True):
        meetings.meetings_push_due()


def schedule(host, topic, commit) -> Meeting:
    start = (timezone.now() + dt.timedelta(days=1)).replace(second=0, microsecond=0)
    with commit(execute=True):
        meeting = meetings.meeting_schedule(
            host=host, topic=topic, starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
    meeting.refresh_from_db()
    return meeting


@pytest.mark.parametrize("mode", LOST)
def test_a_meeting_whose_create_answer_was_lost_is_made_once(
    on_server, mode, django_capture_on_commit_callbacks
):
    fake, host = on_server
    fake.mode, fake.delay = mode, 1.5
    meeting = schedule(host, "Board call", django_capture_on_commit_callbacks)
    assert list(held(fake).values()) == ["Board call"]  # the server did it
    assert meeting.sync_state == SyncState.PENDING and meeting.sync_error  # said, and retried

    fake.mode = "ok"
    sweep(django_capture_on_commit_callbacks)
    meeting.refresh_from_db()
    assert held(fake) == {meeting.server_meeting_id: "Board call"}  # one, and it is ours
    assert meeting.sync_state == SyncState.SYNCED


@pytest.mark.parametrize("mode", LOST)
def test_a_change_made_while_the_create_was_in_doubt_reaches_the_one_meeting(
    on_server, mode, django_capture_on_commit_callbacks
):
    fake, host = on_server
    fake.mode, fake.delay = mode, 1.5
    meeting = schedule(host, "Board call", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_update(meeting=meeting, topic="Board call, moved")
    fake.mode = "ok"
    sweep(django_capture_on_commit_callbacks)
    meeting.refresh_from_db()
    assert held(fake) == {meeting.server_meeting_id: "Board call, moved"}
    assert meeting.sync_state == SyncState.SYNCED


@pytest.mark.parametrize("mode", LOST)
def test_a_cancellation_whose_answer_was_lost_ends_done_not_failed(
    on_server, mode, django_capture_on_commit_callbacks
):
    fake, host = on_server
    meeting = schedule(host, "Board call", django_capture_on_commit_callbacks)
    fake.mode, fake.delay = mode, 1.5
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_cancel(meeting=meeting)
    assert held(fake) == {}  # the server did it
    fake.mode = "ok"
    sweep(django_capture_on_commit_callbacks)
    meeting.refresh_from_db()
    assert meeting.sync_state == SyncState.SYNCED, meeting.sync_error
