"""Scheduling in the host's browser, for servers that take meetings only there (Webex)."""

from __future__ import annotations

import logging

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from conferencing.base import Capability, Unsupported
from conferencing.browser import BrowserForm, BrowserScheduling
from meetings.models import Meeting
from meetings.services.scheduling import _queue_push, meeting_request
from portal import servers, sync

log = logging.getLogger(__name__)


def meeting_schedule_in_browser_url(*, meeting: Meeting, back_url: str) -> str:
    """Where to send the host to schedule ``meeting`` on a server scheduled in the browser."""
    backend = servers.backend(meeting.customer)
    if Capability.SCHEDULE_IN_BROWSER not in backend.capabilities:
        raise Unsupported("this meeting server is not scheduled in the browser")
    return backend.schedule_url(meeting_request(meeting), back_url)


def meeting_scheduled_in_browser(
    *, meeting: Meeting, answer: dict[str, str]
) -> tuple[bool, Promise]:
    """Take the server's answer from the back URL: (done, what to tell the host, in the
    language of the page that shows it; the server's own reason code goes to the log).

    On success the server's meeting key is kept and the meeting goes back to
    the sync, which finds it on the server; on failure it keeps needing attention.
    """
    backend = servers.backend(meeting.customer)
    if Capability.SCHEDULE_IN_BROWSER not in backend.capabilities:
        return False, _("This meeting server does not send answers back to the portal.")
    if meeting.server_meeting_id or meeting.cancelled_at:
        return False, _("This meeting is not waiting to be scheduled on the meeting server.")
    result = backend.parse_back_url(answer)
    if not (result.ok and result.meeting_key):
        log.info("meeting %s: the meeting server answered %r", meeting.pk, result.reason)
        return False, _(result.message)
    meeting.server_meeting_id = result.meeting_key
    sync.resolve(meeting, ["server_meeting_id"])
    _queue_push(meeting)
    return True, _(result.message)


def meeting_awaits_browser(*, meeting: Meeting) -> bool:
    """Whether the meeting waits for its host to schedule it in their browser (Webex)."""
    return (
        not meeting.server_meeting_id
        and meeting.cancelled_at is None
        and Capability.SCHEDULE_IN_BROWSER in servers.capabilities(meeting.customer)
    )


def meeting_browser_sign_in(*, meeting: Meeting, back_url: str) -> tuple[BrowserForm, tuple]:
    """The server's sign-in form for a host its browser scheduling refused, and the inputs
    the host fills in; once signed in, the server goes on to schedule ``meeting``."""
    backend = servers.backend(meeting.customer)
    if not isinstance(backend, BrowserScheduling):
        raise Unsupported("this meeting server is not scheduled in the browser")
    then = backend.schedule_url(meeting_request(meeting), back_url)
    inputs = tuple((name, _(label), kind) for name, label, kind in backend.sign_in_fields)
    return backend.sign_in_form(back_url=back_url, then=then), inputs


def meeting_change_on_server_url(*, meeting: Meeting) -> str:
    """Where the host changes ``meeting`` on a server that keeps it as it was scheduled
    (Webex's own pages), or "" where there is no such page."""
    backend = servers.backend(meeting.customer)
    if not meeting.server_meeting_id or not isinstance(backend, BrowserScheduling):
        return ""
    return backend.change_url(meeting.server_meeting_id)


def meeting_browser_needs_sign_in(*, meeting: Meeting, answer: dict[str, str]) -> bool:
    """Whether the server's answer refused the host's browser for not being signed in."""
    backend = servers.backend(meeting.customer)
    if not isinstance(backend, BrowserScheduling):
        return False
    return backend.parse_back_url(answer).needs_sign_in
