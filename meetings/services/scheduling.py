"""Scheduling a meeting on its server, sending it there again with backoff, and cancelling it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _, gettext_noop

from conferencing.base import (
    Capability,
    ConferencingError,
    MeetingKind,
    MeetingRequest,
    MeetingRunning,
    Unsupported,
)
from meetings import webhooks
from meetings.models import KIND_LABELS, LiveState, Meeting
from portal import servers, sync
from portal.accounts.models import Host


def meeting_schedule(
    *,
    host: Host,
    topic: str,
    kind: int = MeetingKind.MEETING,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    is_recurring: bool = False,
    is_published: bool = False,
    password: str = "",
    password_in_public_links: bool = False,
    call_number: str | None = None,
    attendee_access_code: str = "",
    access_code_is_meeting_id: bool | None = None,
) -> Meeting:
    """Save the meeting first, then schedule it on the server once the save commits.

    The server may be down: the meeting stays, visibly "not yet on the
    server", and is pushed again with backoff until it is.
    """
    _refuse_a_past_start(starts_at)
    _refuse_a_kind_the_server_lacks(host.customer, kind)
    if is_recurring and not servers.holds_recurring(host.customer):
        raise ValidationError(
            {"is_recurring": _("This customer's meeting server holds no recurring meetings.")}
        )
    customer = host.customer
    meeting = Meeting(
        customer=customer,
        host=host,
        topic=topic,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        is_recurring=is_recurring,
        is_published=is_published,
        password_in_public_links=password_in_public_links,
        call_number=customer.default_call_number if call_number is None else call_number,
        attendee_access_code=attendee_access_code,
        access_code_is_meeting_id=customer.default_access_code_is_meeting_id
        if access_code_is_meeting_id is None
        else access_code_is_meeting_id,
    )
    meeting.password = password
    meeting.full_clean()
    sync.mark_pending(meeting)
    with transaction.atomic():
        meeting.save()
        _queue_push(meeting)
        webhooks.meeting_event("meeting.scheduled", meeting)
    return meeting


#: A meeting its host schedules on the server in their own browser, not done yet: the
#: expected next step, not a fault.
AWAITING_BROWSER = gettext_noop(
    "Not on the meeting server yet: schedule it there with “Schedule on the meeting server”, "
    "and sign in there if asked."
)


#: A change the server takes only once the meeting ends (it started since the last poll):
#: waiting, not a fault; the poller makes it due when the meeting ends.
WAITS_FOR_THE_END = gettext_noop(
    "The meeting is running now: the portal sends your change to the meeting server as "
    "soon as it ends."
)


def meeting_push(*, meeting_id: int) -> Meeting | None:
    meeting = sync.claim(Meeting, meeting_id)
    if meeting is None:
        return None
    return sync.push(meeting, _push_meeting, explain=lambda exc: _explain(meeting, exc))


def _explain(meeting: Meeting, exc: ConferencingError) -> str:
    if isinstance(exc, MeetingRunning):
        return WAITS_FOR_THE_END
    return servers.host_sentence(meeting.customer, exc)


def _seen_live(meeting: Meeting) -> None:
    """The server refused a change because the meeting runs: it is live now, whatever the
    last poll said (the poller then keeps its attendees current, and sees it end)."""
    if meeting.live_state == LiveState.LIVE:
        return
    before = {"live_state": meeting.live_state, "attendees": meeting.attendees}
    meeting.live_state, meeting.inactive_polls = LiveState.LIVE, 0
    meeting.last_seen_active_at = timezone.now()
    meeting.save(update_fields=["live_state", "inactive_polls", "last_seen_active_at"])
    webhooks.meetings_went_live_or_ended([meeting], {meeting.pk: before})


def _push_meeting(meeting: Meeting) -> None:
    """Schedule the meeting on the customer's server, or send its changes there.

    A server that hands out meeting IDs beforehand (TurboMeeting's
    remote_schedule) gets asked for one first, once; the others give the ID
    when scheduling. A meeting already on the server is changed under its ID.
    """
    backend = servers.backend(meeting.customer)
    if meeting.cancelled_at is not None:
        if meeting.server_meeting_id and Capability.CANCEL in backend.capabilities:
            backend.cancel_meeting(meeting.server_meeting_id)
        return
    if Capability.CREATED_ON_START in backend.capabilities:
        # Nothing goes to the server ahead: it holds a meeting only while it runs
        # (meeting_open). The ID is chosen now, so links and feeds can name it.
        if not meeting.server_meeting_id:
            meeting.server_meeting_id = backend.reserve_meeting_id(
                account_id=servers.account_id(meeting.customer), user_id=str(meeting.host_id)
            )
            meeting.save(update_fields=["server_meeting_id"])
        return
    if meeting.server_meeting_id and Capability.UPDATE not in backend.capabilities:
        return  # nothing more the server can take; it keeps what it was first given
    if Capability.SCHEDULE not in backend.capabilities:
        if Capability.SCHEDULE_IN_BROWSER in backend.capabilities:
            raise sync.NeedsAttention(AWAITING_BROWSER)
        raise Unsupported("this meeting server cannot schedule meetings from the portal")
    if not meeting.server_meeting_id:
        reserved = backend.reserve_meeting_id(
            account_id=servers.account_id(meeting.customer), user_id=str(meeting.host_id)
        )
        if reserved:
            meeting.server_meeting_id = reserved
            meeting.save(update_fields=["server_meeting_id"])
    try:
        scheduled = backend.schedule_meeting(meeting_request(meeting))
    except MeetingRunning:
        _seen_live(meeting)
        raise
    changed = []
    if scheduled.meeting_id and scheduled.meeting_id != meeting.server_meeting_id:
        meeting.server_meeting_id = scheduled.meeting_id
        changed.append("server_meeting_id")
    if scheduled.join_url != meeting.server_join_url:
        meeting.server_join_url = scheduled.join_url
        changed.append("server_join_url")
    if changed:
        meeting.save(update_fields=changed)


def meeting_request(meeting: Meeting) -> MeetingRequest:
    """What the server is asked to hold for ``meeting``."""
    return MeetingRequest(
        kind=MeetingKind(meeting.kind),
        topic=meeting.topic,
        host_email=meeting.host.user.email,
        start=meeting.starts_at,
        end=meeting.ends_at,
        is_recurring=meeting.is_recurring,
        password=meeting.password,
        call_number=meeting.call_number,
        attendee_access_code=meeting.audio_access_code,
        meeting_id=meeting.server_meeting_id,
        # The same on every push: a server that files it finds what a lost answer made.
        external_id=meeting.calendar_uid,
    )


def meetings_push_due() -> int:
    ids = sync.due(Meeting)
    for pk in ids:
        meeting_push(meeting_id=pk)
    return len(ids)


def _queue_push(meeting: Meeting) -> None:
    sync.queue_push("meetings.tasks.meeting_push", meeting.pk)


#: A start this far back still counts as "now" (a host who typed the current minute).
PAST_START_GRACE = dt.timedelta(minutes=5)


def _refuse_a_past_start(starts_at: dt.datetime | None) -> None:
    if starts_at is not None and starts_at < timezone.now() - PAST_START_GRACE:
        raise ValidationError(
            {"starts_at": _("This start is in the past. Choose a time from now on.")}
        )


#: What a server without Capability.UPDATE would silently keep as it was first given.
def _refuse_a_kind_the_server_lacks(customer, kind: int) -> None:
    if MeetingKind(kind) not in servers.kinds(customer):
        label = KIND_LABELS[MeetingKind(kind)]
        raise ValidationError(
            {
                "kind": _("This customer's meeting server cannot hold a %(kind)s.")
                % {"kind": label.lower()}
            }
        )


def meeting_manage(*, meeting: Meeting, by: str, page: str, api: str) -> Meeting:
    """Hand the meeting to what manages it (see ``Meeting.managed_by``): its host's
    meeting pages and the meetings API then send them to ``page`` and ``api``."""
    meeting.managed_by, meeting.managed_page, meeting.managed_api = by, page, api
    Meeting.objects.filter(pk=meeting.pk).update(managed_by=by, managed_page=page, managed_api=api)
    return meeting


def meeting_cancel(*, meeting: Meeting) -> Meeting:
    """Cancel locally, then on the server where it can delete a meeting.

    TurboMeeting has no call to delete a scheduled meeting: in this
    integration the partner owns the schedule, and the server learns of the
    cancellation through the host's scheduled-meeting list (TurboMeeting's callback).
    """
    if meeting.cancelled_at is not None:
        return meeting
    meeting.cancelled_at = timezone.now()
    if not (
        meeting.server_meeting_id and Capability.CANCEL in servers.capabilities(meeting.customer)
    ):
        meeting.save(update_fields=["cancelled_at", "updated_at"])
        webhooks.meeting_event("meeting.cancelled", meeting)
        return meeting
    with transaction.atomic():
        sync.save_change(meeting, ["cancelled_at"])
        _queue_push(meeting)
        webhooks.meeting_event("meeting.cancelled", meeting)
    return meeting
