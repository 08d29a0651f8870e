"""Storing a round's answers: each meeting moved on by its answer, written with one
``update()`` per kind of change, its chart sample, and the meetings never seen live expired."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import models, transaction
from django.db.models import Case, Value, When

from conferencing.base import MeetingStatus
from meetings import webhooks
from meetings.models import LiveState, Meeting, MeetingSample
from portal.accounts.models import SyncState, publication_changed

LIVE_FIELDS = [
    "live_state",
    "attendees",
    "last_polled_at",
    "last_seen_active_at",
    "inactive_polls",
    "server_silent_since",
]


def _pollable() -> models.QuerySet[Meeting]:
    """Meetings the server knows and the poller still looks after.

    Whatever the portal still has to send them: a change waiting for the server (or
    refused by it) does not stop the server from saying who is in the meeting now.
    """
    return (
        Meeting.objects.filter(cancelled_at__isnull=True)
        .exclude(server_meeting_id="")
        .exclude(live_state=LiveState.ENDED)
    )


def _store(
    meetings: list[Meeting], answers: dict[int, MeetingStatus], now: dt.datetime
) -> tuple[int, int]:
    """Write every answer and its chart sample; (live, ended) counts."""
    if not meetings:
        return 0, 0
    answered = [m for m in meetings if m.pk in answers]
    before = {m.pk: _live_values(m) for m in answered}
    ended = sum(_apply(m, answers[m.pk], now) for m in answered)
    samples = [
        MeetingSample(
            meeting=m,
            taken_at=now,
            active=answers[m.pk].active,
            attendees=answers[m.pk].attendees if answers[m.pk].active else 0,
        )
        for m in answered
    ]
    # What the feeds show of a meeting's live state.
    shown = ("live_state", "attendees", "server_silent_since")
    changed = {
        m.customer_id for m in answered if any(before[m.pk][f] != getattr(m, f) for f in shown)
    }
    # Live, due, and no answer (an error, or not asked once the breaker tripped): from now
    # on pages and feeds say when it was last seen live, until an answer comes again.
    silent = [
        m
        for m in meetings
        if m.pk not in answers and m.live_state == LiveState.LIVE and m.server_silent_since is None
    ]
    changed |= {m.customer_id for m in silent}
    with transaction.atomic():
        _save_live_fields(answered, before)
        webhooks.meetings_went_live_or_ended(answered, before)
        Meeting.objects.filter(pk__in=[m.pk for m in silent]).update(server_silent_since=now)
        # A change that waited for the meeting's end (the server refused it while it ran)
        # goes out now, not at its next backoff.
        over = [m.pk for m in answered if before[m.pk]["live_state"] == "live" and not m.is_live]
        Meeting.objects.filter(pk__in=over, sync_state=SyncState.PENDING).update(next_sync_at=now)
        publication_changed(changed)
        MeetingSample.objects.bulk_create(samples)
    return sum(m.live_state == LiveState.LIVE for m in answered), ended


def _expire_unseen(now: dt.datetime) -> int:
    """Never seen live and its window is over: ended, without asking the server again.
    Past their end, they are out of the feeds already: no new publication version."""
    after = dt.timedelta(minutes=settings.POLL_WINDOW_AFTER_MINUTES)
    return (
        _pollable()
        .filter(live_state=LiveState.SCHEDULED, is_recurring=False, ends_at__lt=now - after)
        .update(live_state=LiveState.ENDED, attendees=0)
    )


def _live_values(meeting: Meeting) -> dict[str, object]:
    return {name: getattr(meeting, name) for name in LIVE_FIELDS}


def _save_live_fields(meetings: list[Meeting], before: dict[int, dict[str, object]]) -> None:
    """Write what each answer changed: one ``update()`` per kind of change.

    Meetings that got the same kind of answer change the same fields the same
    way (polled and still not live; seen live again; one more inactive answer),
    but for their attendee counts, which a CASE sets meeting by meeting. So a
    round costs a few statements, however many meetings it asked about.
    """
    groups: dict[tuple[tuple[str, object], ...], list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        was = before[meeting.pk]
        changes = tuple(
            (name, value)
            for name, value in _live_values(meeting).items()
            if name != "attendees" and value != was[name]
        )
        groups[changes].append(meeting)
    for changes, group in groups.items():
        by_count: dict[int, list[int]] = defaultdict(list)
        for meeting in group:
            by_count[meeting.attendees].append(meeting.pk)
        attendees = Case(*(When(pk__in=pks, then=Value(n)) for n, pks in by_count.items()))
        Meeting.objects.filter(pk__in=[m.pk for m in group]).update(
            **dict(changes), attendees=attendees
        )


def _apply(meeting: Meeting, status: MeetingStatus, now: dt.datetime) -> bool:
    """Move ``meeting`` on by one answer; True if that ended it.

    One inactive answer is not enough: people drop out and rejoin, so a live
    meeting ends only after POLL_ENDED_AFTER inactive answers in a row. A
    recurring meeting is a room that opens again, so it goes back to scheduled
    (still polled) instead of ended (never polled again).
    """
    meeting.last_polled_at = now
    meeting.server_silent_since = None
    if status.active:
        meeting.live_state = LiveState.LIVE
        meeting.attendees = status.attendees
        meeting.last_seen_active_at = now
        meeting.inactive_polls = 0
        return False
    if meeting.live_state != LiveState.LIVE:
        return False
    meeting.inactive_polls += 1
    if meeting.inactive_polls < settings.POLL_ENDED_AFTER:
        return False
    meeting.live_state = LiveState.SCHEDULED if meeting.is_recurring else LiveState.ENDED
    meeting.attendees = 0
    return True
