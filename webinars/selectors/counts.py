"""Registrations by status and the seats they hold, as the dashboard and the public page
show them."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max
from django.utils import timezone

from meetings.models import MeetingSample
from webinars.models import Registration, Webinar

S = Registration.Status


def webinar_counts(webinar: Webinar) -> dict[str, int | bool | None]:
    """Registrations by status, and attendance as the meeting server last reported it.

    ``attended`` is the peak number of attendees the poller saw (None when it
    never saw the meeting live); ``attending`` is the current number while live.
    """
    by_status = dict(webinar.registrations.values_list("status").annotate(n=Count("pk")).order_by())
    meeting = webinar.meeting
    peak = MeetingSample.objects.filter(meeting=meeting).aggregate(peak=Max("attendees"))["peak"]
    if meeting.is_live:
        peak = max(peak or 0, meeting.attendees)
    confirmed, pending = by_status.get(S.CONFIRMED, 0), by_status.get(S.PENDING, 0)
    return {
        "confirmed": confirmed,
        "pending": pending,
        "waiting": by_status.get(S.WAITLISTED, 0),
        "rejected": by_status.get(S.REJECTED, 0),
        "cancelled": by_status.get(S.CANCELLED, 0),
        "total": sum(by_status.values()),
        "attended": peak if peak else None,
        "attending": meeting.attendees if meeting.is_live else None,
        **_seats(webinar, held=confirmed + pending),
    }


def _seats(webinar: Webinar, *, held: int) -> dict:
    """Seats as the services count them: a pending registration holds its seat too.

    ``held`` (confirmed + awaiting approval), ``capacity`` (None: no limit),
    ``free`` (None: no limit) and ``full``; ``raise_to`` is the capacity that
    frees one seat, which the dashboard offers when someone waits.
    """
    capacity = webinar.capacity
    free = None if capacity is None else max(capacity - held, 0)
    return {
        "held": held,
        "capacity": capacity,
        "free": free,
        "full": free == 0,
        "raise_to": None if capacity is None else max(capacity, held) + 1,
    }


def public_availability(webinar: Webinar, *, now: dt.datetime | None = None) -> dict:
    """What the public page says before its form: seats (as ``webinar_counts``), whether a
    full webinar still takes people onto its waiting list, and whether it is over."""
    held = webinar.registrations.filter(status__in=Registration.SEATED).count()
    seats = _seats(webinar, held=held)
    now = now or timezone.now()
    return {
        **seats,
        "waiting_list": seats["full"] and webinar.waiting_list,
        "fully_booked": seats["full"] and not webinar.waiting_list,
        "over": webinar.ends_at <= now,
        "started": webinar.starts_at <= now,
    }
