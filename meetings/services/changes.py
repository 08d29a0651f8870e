"""Changing a meeting: what may change and when, and what the server holds now."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from conferencing.base import Capability, ConferencingError
from meetings import webhooks
from meetings.models import LiveState, Meeting
from meetings.services.scheduling import (
    _queue_push,
    _refuse_a_kind_the_server_lacks,
    _refuse_a_past_start,
)
from portal import servers, sync

ON_THE_SERVER = ("topic", "kind", "starts_at", "ends_at", "is_recurring")


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


def _refuse_locked_changes(meeting: Meeting, changes: dict, password) -> None:
    """Refuse a change to a field ``meeting_locked_fields`` locks, with its reason: the
    form shows the same fields read-only, and the API answers 409 while the meeting runs."""
    locked = meeting_locked_fields(meeting=meeting)
    changed = {
        n: r for n, r in locked.items() if n in changes and changes[n] != getattr(meeting, n)
    }
    if "password" in locked and password is not None and password != meeting.password:
        changed["password"] = locked["password"]
    if not changed:
        return
    if set(changed.values()) == {KEPT_BY_THE_SERVER}:
        raise ValidationError(changed, code="kept_by_the_server")
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
    _refuse_locked_changes(meeting, changes, password)
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
