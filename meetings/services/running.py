"""A meeting while it runs: opening it where the server holds it only then, stopping it,
the status samples behind its chart, and a visitor's password."""

from __future__ import annotations

import datetime as dt
import hmac

from django.utils import timezone

from conferencing.base import Capability, ServerRefused
from meetings.models import LiveState, Meeting, MeetingSample
from meetings.services.scheduling import meeting_request
from portal import servers


def meeting_open(*, meeting: Meeting) -> None:
    """Create ``meeting`` on a server that holds meetings only while they run
    (``Capability.CREATED_ON_START``), as the host starts it or a person joins.

    The server answers a second create under the same ID with the meeting already
    running, so every start and join asks: the first one creates it, and a meeting
    that ended is created again for whoever comes next.
    """
    backend = servers.backend(meeting.customer)
    if Capability.CREATED_ON_START in backend.capabilities:
        backend.open_meeting(meeting_request(meeting))


def meeting_stop(*, meeting: Meeting) -> None:
    """End a running meeting on the server; raises the server's error for the page to show.

    The server's answer is the meeting's state at once: ended (a recurring room: ready
    again), with nobody attending, so no page or feed says "live" until the next poll.
    """
    if not meeting.server_meeting_id:
        raise ServerRefused("The meeting is not on the server yet.")
    servers.backend(meeting.customer).stop_meeting(meeting.server_meeting_id)
    meeting.live_state = LiveState.SCHEDULED if meeting.is_recurring else LiveState.ENDED
    meeting.attendees, meeting.inactive_polls = 0, 0
    meeting.last_polled_at = timezone.now()
    meeting.save(update_fields=["live_state", "attendees", "inactive_polls", "last_polled_at"])


def samples_prune(*, older_than: dt.timedelta) -> int:
    """Forget status samples past their use for charts; the number deleted.

    The poller adds one row per live meeting per round (about 120 an hour
    each at the default interval), so without pruning the table only grows.
    """
    deleted, _ = MeetingSample.objects.filter(taken_at__lt=timezone.now() - older_than).delete()
    return deleted


def public_join_check(*, meeting: Meeting, password: str) -> bool:
    """Whether a visitor typed the meeting's password (constant-time)."""
    return hmac.compare_digest(password.encode(), meeting.password.encode())
