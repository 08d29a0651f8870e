"""Writes for meetings; the only code that schedules them on the server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conferencing.base import (
    BrowserForm,
    BrowserScheduling,
    Capability,
    ConferencingError,
    MeetingKind,
    MeetingRequest,
    Recording,
    ServerRefused,
    Unsupported,
)
from meetings import webhooks
from meetings.models import KIND_LABELS, LiveState, Meeting, MeetingSample, PublishedRecording
from portal import servers, sync
from portal.accounts.models import Host, publication_changed


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
AWAITING_BROWSER = (
    "Not on the meeting server yet: schedule it there with “Schedule on the meeting server”, "
    "and sign in there if asked."
)


def meeting_push(*, meeting_id: int) -> Meeting | None:
    meeting = sync.claim(Meeting, meeting_id)
    if meeting is None:
        return None
    return sync.push(
        meeting, _push_meeting, explain=lambda exc: servers.explain(meeting.customer, exc)
    )


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
    scheduled = backend.schedule_meeting(meeting_request(meeting))
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


def meeting_schedule_in_browser_url(*, meeting: Meeting, back_url: str) -> str:
    """Where to send the host to schedule ``meeting`` on a server scheduled in the browser."""
    backend = servers.backend(meeting.customer)
    if Capability.SCHEDULE_IN_BROWSER not in backend.capabilities:
        raise Unsupported("this meeting server is not scheduled in the browser")
    return backend.schedule_url(meeting_request(meeting), back_url)


def meeting_scheduled_in_browser(*, meeting: Meeting, answer: dict[str, str]) -> tuple[bool, str]:
    """Take the server's answer from the back URL: (done, what to tell the host).

    On success the server's meeting key is kept and the meeting goes back to
    the sync, which finds it on the server; on failure it keeps needing attention.
    """
    backend = servers.backend(meeting.customer)
    if Capability.SCHEDULE_IN_BROWSER not in backend.capabilities:
        return False, "This meeting server does not send answers back to the portal."
    if meeting.server_meeting_id or meeting.cancelled_at:
        return False, "This meeting is not waiting to be scheduled on the meeting server."
    result = backend.parse_back_url(answer)
    if not (result.ok and result.meeting_key):
        return False, result.message
    meeting.server_meeting_id = result.meeting_key
    sync.resolve(meeting, ["server_meeting_id"])
    _queue_push(meeting)
    return True, result.message


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
    return backend.sign_in_form(back_url=back_url, then=then), backend.sign_in_fields


def meeting_browser_needs_sign_in(*, meeting: Meeting, answer: dict[str, str]) -> bool:
    """Whether the server's answer refused the host's browser for not being signed in."""
    backend = servers.backend(meeting.customer)
    if not isinstance(backend, BrowserScheduling):
        return False
    return backend.parse_back_url(answer).needs_sign_in


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
ON_THE_SERVER = ("topic", "kind", "starts_at", "ends_at", "is_recurring")


def _refuse_changes_the_server_cannot_take(meeting: Meeting, changes: dict, password) -> None:
    capabilities = servers.capabilities(meeting.customer)
    if not meeting.server_meeting_id or capabilities & {
        Capability.UPDATE,
        Capability.CREATED_ON_START,  # the server gets the details at each start
    }:
        return
    changed = [n for n in ON_THE_SERVER if n in changes and changes[n] != getattr(meeting, n)]
    if password is not None and password != meeting.password:
        changed.append("password")
    if changed:
        raise ValidationError(
            {
                name: _(
                    "This meeting server takes no changes from the portal once a meeting is "
                    "on it: change it there, or cancel it and schedule a new one."
                )
                for name in changed
            }
        )


def _refuse_a_kind_the_server_lacks(customer, kind: int) -> None:
    if MeetingKind(kind) not in servers.kinds(customer):
        label = KIND_LABELS[MeetingKind(kind)]
        raise ValidationError(
            {
                "kind": _("This customer's meeting server cannot hold a %(kind)s.")
                % {"kind": label.lower()}
            }
        )


#: Each editable field that reaches the server, and the ``MeetingRequest`` field it
#: becomes; the others (publishing) are the portal's alone.
ON_THE_SERVER_AS = {
    "topic": "topic",
    "kind": "kind",
    "starts_at": "start",
    "ends_at": "end",
    "is_recurring": "is_recurring",
    "password": "password",
    "call_number": "call_number",
    "attendee_access_code": "attendee_access_code",
    "access_code_is_meeting_id": "attendee_access_code",
}

#: Why a field is locked while its meeting is live (the form and the API say it).
LOCKED_WHILE_LIVE = _(
    "The meeting is running now, and its meeting server takes no change to this while it "
    "runs: change it after the meeting ends, or stop it first."
)
#: Why a field is read-only once a meeting is on a server that takes no changes from the
#: portal (Webex's URL API schedules; it does not edit).
KEPT_BY_THE_SERVER = _(
    "This meeting server takes no changes from the portal once a meeting is on it: "
    "change it on the meeting server, or cancel it here and schedule a new one."
)
#: Moving a meeting that runs: refused on every server, so no page or feed ever shows a
#: live meeting beside a later date.
MOVED_WHILE_LIVE = _("The meeting is running now: stop it first, then move it.")


class MeetingIsLive(ValidationError):
    """A change the meeting's server does not take while the meeting runs (the API: 409)."""


def meeting_locked_fields(*, meeting: Meeting) -> dict[str, str]:
    """The editable fields that cannot change now, each with the reason, for the form.

    On a server without ``Capability.UPDATE``, all it holds once the meeting is on it.
    Elsewhere only while the meeting is live: then its server's
    ``changeable_while_running`` says what may change, and its time never moves.
    """
    if meeting.server_meeting_id and not servers.capabilities(meeting.customer) & {
        Capability.UPDATE,
        Capability.CREATED_ON_START,  # the server gets the details at each start
    }:
        return dict.fromkeys((*ON_THE_SERVER, "password"), KEPT_BY_THE_SERVER)
    if not meeting.is_live:
        return {}
    changeable = servers.changeable_while_running(meeting.customer)
    locked = {}
    for name, request_field in ON_THE_SERVER_AS.items():
        if request_field in ("start", "end", "is_recurring"):
            locked[name] = MOVED_WHILE_LIVE
        elif request_field not in changeable:
            locked[name] = LOCKED_WHILE_LIVE
    return locked


def _refuse_changes_while_live(meeting: Meeting, changes: dict, password) -> None:
    locked = meeting_locked_fields(meeting=meeting)
    changed = {
        n: r for n, r in locked.items() if n in changes and changes[n] != getattr(meeting, n)
    }
    if "password" in locked and password is not None and password != meeting.password:
        changed["password"] = locked["password"]
    if changed:
        raise MeetingIsLive(changed, code="meeting_is_live")


EDITABLE = (
    "topic",
    "kind",
    "starts_at",
    "ends_at",
    "is_recurring",
    "is_published",
    "password_in_public_links",
    "call_number",
    "attendee_access_code",
    "access_code_is_meeting_id",
)


def meeting_update(*, meeting: Meeting, password: str | None = None, **changes) -> Meeting:
    """Save the change, then send the details to the server again under the same ID."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"cannot update {', '.join(sorted(unknown))}")
    if changes.get("starts_at") != meeting.starts_at:  # a past meeting keeps its start
        _refuse_a_past_start(changes.get("starts_at"))
    if "kind" in changes:
        _refuse_a_kind_the_server_lacks(meeting.customer, changes["kind"])
    _refuse_changes_the_server_cannot_take(meeting, changes, password)
    _refuse_changes_while_live(meeting, changes, password)
    on_server = [
        name
        for name, value in changes.items()
        if name in ON_THE_SERVER_AS and value != getattr(meeting, name)
    ]
    if password is not None and password != meeting.password:
        on_server.append("password")
    moved = any(n in on_server for n in ("starts_at", "ends_at", "is_recurring"))
    for name, value in changes.items():
        setattr(meeting, name, value)
    if password is not None:
        meeting.password = password
    meeting.full_clean()
    fields = [*changes, "password_encrypted"] if password is not None else list(changes)
    if moved and meeting.live_state == LiveState.ENDED:
        # It was held and is now moved to another time: scheduled again, so it stays in
        # the feeds and the poller watches it, and no old "live" shows beside the date.
        meeting.live_state, meeting.attendees, meeting.inactive_polls = LiveState.SCHEDULED, 0, 0
        fields += ["live_state", "attendees", "inactive_polls"]
    if not on_server:  # nothing the server holds: nothing to send it
        meeting.save(update_fields=[*fields, "updated_at"])
        return meeting
    with transaction.atomic():
        sync.save_change(meeting, fields)
        _queue_push(meeting)
        webhooks.meeting_event("meeting.updated", meeting)
    return meeting


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


@dataclasses.dataclass(frozen=True)
class MeetingDrift:
    """What the server holds for a meeting where it differs from ours."""

    differences: dict[str, tuple[object, object]]  # field -> (ours, the server's)
    error: str = ""


def meeting_drift(*, meeting: Meeting) -> MeetingDrift:
    """Re-read the server's view before an edit, so the host sees what would be overwritten.

    Only what the server reports is compared; one call, made for one page.
    """
    if Capability.LIVE_STATUS not in servers.capabilities(meeting.customer):
        return MeetingDrift({})  # the server reports nothing to compare with
    if not meeting.server_meeting_id:
        return MeetingDrift({}, "The meeting is not on the meeting server yet.")
    try:
        theirs = servers.backend(meeting.customer).meeting_status(meeting.server_meeting_id)
    except ConferencingError as exc:
        return MeetingDrift({}, servers.explain(meeting.customer, exc))

    def minute(value: dt.datetime | None) -> dt.datetime | None:  # the server's precision
        return value.replace(second=0, microsecond=0) if value else None

    pairs = {
        "topic": (meeting.topic, theirs.topic),
        "starts_at": (minute(meeting.starts_at), theirs.start),
        "ends_at": (minute(meeting.ends_at), theirs.end),
    }
    return MeetingDrift(
        {
            name: (ours, server)
            for name, (ours, server) in pairs.items()
            if server is not None and ours != server
        }
    )


def meeting_recordings(*, meeting: Meeting) -> tuple[list[Recording], str]:
    """The server's recordings of ``meeting``, and what went wrong asking ("" if nothing).

    One call, made for the meeting's page; none where the server keeps no recordings.
    """
    if not meeting.server_meeting_id or Capability.RECORDINGS not in servers.capabilities(
        meeting.customer
    ):
        return [], ""
    try:
        return servers.backend(meeting.customer).recordings(meeting.server_meeting_id), ""
    except ConferencingError as exc:
        return [], sync.describe(exc)


def recording_publish(*, meeting: Meeting, recording_id: str) -> PublishedRecording:
    """List a recording of ``meeting`` in the public feeds and on its join links.

    Its details are read from the server now and kept, so public pages never ask
    the server; only a recording the server plays back can be published.
    """
    recordings, error = meeting_recordings(meeting=meeting)
    if error:
        raise ValidationError(error)
    found = next((r for r in recordings if r.recording_id == recording_id), None)
    if found is None:
        raise ValidationError(_("The meeting server has no such recording of this meeting."))
    if not (found.published and found.playback_url):
        raise ValidationError(_("The meeting server does not play this recording back (yet)."))
    published, _created = PublishedRecording.objects.update_or_create(
        meeting=meeting,
        recording_id=recording_id,
        defaults={
            "name": found.name[:200],
            "started_at": found.start,
            "duration": found.duration,
            "playback_url": found.playback_url,
        },
    )
    return published


def recording_unpublish(*, meeting: Meeting, recording_id: str) -> None:
    """Take a recording out of the public feeds and the join links again."""
    with transaction.atomic():
        PublishedRecording.objects.filter(meeting=meeting, recording_id=recording_id).delete()
        publication_changed([meeting.customer_id])


def public_join_check(*, meeting: Meeting, password: str) -> bool:
    """Whether a visitor typed the meeting's password (constant-time)."""
    return hmac.compare_digest(password.encode(), meeting.password.encode())
