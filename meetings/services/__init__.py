"""Writes for meetings: the only code that schedules them on the server.

One module per concern: ``scheduling`` (a new meeting, sending it to the server
with backoff, cancelling), ``changes`` (what may change and when, and the
server's copy before an edit), ``browser`` (servers that schedule only in the
host's browser), ``running`` (opening, stopping, status samples, a visitor's
password) and ``recordings``. Tasks in ``meetings/tasks.py`` call these; the
services queue a task by its name once the transaction commits.
"""

from meetings.services.browser import (
    meeting_awaits_browser,
    meeting_browser_needs_sign_in,
    meeting_browser_sign_in,
    meeting_change_on_server_url,
    meeting_schedule_in_browser_url,
    meeting_scheduled_in_browser,
)
from meetings.services.changes import (
    EDITABLE,
    KEPT_BY_THE_SERVER,
    LOCKED_WHILE_LIVE,
    MOVED_WHILE_LIVE,
    MeetingDrift,
    MeetingIsLive,
    meeting_drift,
    meeting_locked_fields,
    meeting_update,
)
from meetings.services.recordings import (
    meeting_recordings,
    recording_publish,
    recording_unpublish,
)
from meetings.services.running import (
    meeting_open,
    meeting_stop,
    public_join_check,
    samples_prune,
)
from meetings.services.scheduling import (
    AWAITING_BROWSER,
    WAITS_FOR_THE_END,
    meeting_cancel,
    meeting_manage,
    meeting_push,
    meeting_request,
    meeting_schedule,
    meetings_push_due,
)

__all__ = [
    "AWAITING_BROWSER",
    "WAITS_FOR_THE_END",
    "EDITABLE",
    "KEPT_BY_THE_SERVER",
    "LOCKED_WHILE_LIVE",
    "MOVED_WHILE_LIVE",
    "MeetingDrift",
    "MeetingIsLive",
    "meeting_awaits_browser",
    "meeting_browser_needs_sign_in",
    "meeting_browser_sign_in",
    "meeting_change_on_server_url",
    "meeting_cancel",
    "meeting_drift",
    "meeting_locked_fields",
    "meeting_manage",
    "meeting_open",
    "meeting_push",
    "meeting_recordings",
    "meeting_request",
    "meeting_schedule",
    "meeting_schedule_in_browser_url",
    "meeting_scheduled_in_browser",
    "meeting_stop",
    "meeting_update",
    "meetings_push_due",
    "public_join_check",
    "recording_publish",
    "recording_unpublish",
    "samples_prune",
]
