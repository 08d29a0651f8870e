"""What meetings tell the customer's webhooks: one call per event (see portal.webhooks).

The "data" of every meeting event is ``meeting_data``; its fields are documented,
with examples, in the OpenAPI description's webhooks (portal/webhooks/openapi.py).
"""

from __future__ import annotations

from functools import partial

from meetings.models import KIND_LABELS, LiveState, Meeting
from portal.webhooks.services import webhook_emit, webhooks_emit


def meeting_data(meeting: Meeting, **extra) -> dict:
    return {
        "id": meeting.pk,
        "topic": meeting.topic,
        "kind": KIND_LABELS[meeting.kind].lower(),
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "is_recurring": meeting.is_recurring,
        "is_published": meeting.is_published,
        "host_email": meeting.host.user.email,
        "server_meeting_id": meeting.server_meeting_id,
        "managed_by": meeting.managed_by,
        "cancelled_at": meeting.cancelled_at,
        "live_state": meeting.live_state,
        "attendees": meeting.attendees,
        **extra,
    }


def meeting_event(event: str, meeting: Meeting) -> None:
    """Tell the meeting's customer's endpoints; call it in the transaction of the change."""
    webhook_emit(customer_id=meeting.customer_id, event=event, data=lambda: meeting_data(meeting))


def meetings_went_live_or_ended(meetings: list[Meeting], before: dict[int, dict]) -> None:
    """A poll round's news: ``meeting.started`` for each meeting now live that was not, and
    ``meeting.ended`` (with the last attendee count seen) for each live one that ended."""
    events = []
    for meeting in meetings:
        was_live = before[meeting.pk]["live_state"] == LiveState.LIVE
        if not was_live and meeting.is_live:
            events.append((meeting.customer_id, "meeting.started", partial(meeting_data, meeting)))
        elif was_live and not meeting.is_live:
            last_seen = before[meeting.pk]["attendees"]
            data = partial(meeting_data, meeting, attendees=last_seen)
            events.append((meeting.customer_id, "meeting.ended", data))
    if events:
        webhooks_emit(events)
