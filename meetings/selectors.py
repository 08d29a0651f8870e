"""Reads for meetings."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import LiveState, Meeting, MeetingSample
from portal.accounts.models import Customer, Host


def scheduled_meetings(host: Host, *, now: dt.datetime | None = None) -> QuerySet[Meeting]:
    """The host's meetings the server knows, not cancelled, not yet over."""
    now = now or timezone.now()
    return (
        Meeting.objects.filter(host=host, cancelled_at__isnull=True)
        .exclude(server_meeting_id="")
        .filter(Q(is_recurring=True) | Q(ends_at__gt=now))
        .select_related("customer__server")
        .order_by("starts_at", "pk")
    )


def joinable_meeting(pk: int) -> Meeting | None:
    """A meeting people may still join: on the server, not cancelled, its customer not deleted."""
    return (
        Meeting.objects.filter(pk=pk, cancelled_at__isnull=True, customer__deleted_at__isnull=True)
        .exclude(server_meeting_id="")
        .exclude(live_state=LiveState.ENDED, is_recurring=False)
        .select_related("customer__server")
        .first()
    )


def recorded_meeting(pk: int) -> Meeting | None:
    """A meeting with published recordings, not cancelled, its customer not deleted."""
    return (
        Meeting.objects.filter(pk=pk, cancelled_at__isnull=True, customer__deleted_at__isnull=True)
        .filter(published_recordings__isnull=False)
        .select_related("customer__server")
        .distinct()
        .first()
    )


def customer_has_meeting(customer, server_meeting_id: str) -> bool:
    return Meeting.objects.filter(customer=customer, server_meeting_id=server_meeting_id).exists()


def dashboard_meetings(host: Host) -> QuerySet[Meeting]:
    """The host's meetings, newest schedule last; one query however many there are."""
    return (
        Meeting.objects.filter(host=host, cancelled_at__isnull=True)
        .select_related("customer__server")
        .order_by("-is_recurring", "starts_at", "pk")
    )


def attendance_chart(meeting: Meeting, *, width: int = 600, height: int = 120) -> dict:
    """Points of an SVG polyline of attendees over time, from the polling samples."""
    samples = list(meeting.samples.order_by("-taken_at").values_list("taken_at", "attendees")[:500])
    samples.reverse()
    if len(samples) < 2:
        return {"points": "", "max": 0, "samples": len(samples)}
    first, last = samples[0][0], samples[-1][0]
    span = max((last - first).total_seconds(), 1)
    peak = max(a for _at, a in samples) or 1
    points = " ".join(
        f"{(t - first).total_seconds() / span * width:.1f},{height - a / peak * (height - 10):.1f}"
        for t, a in samples
    )
    zone = zoneinfo.ZoneInfo(meeting.customer.time_zone)
    start, end = first.astimezone(zone), last.astimezone(zone)
    return {
        "points": points,
        "max": peak,
        "samples": len(samples),
        "width": width,
        "height": height,
        "label": _("Attendees over time, up to %(peak)s") % {"peak": peak},
        "caption": _("Peak %(peak)s attending, from %(polls)s status polls.")
        % {"peak": peak, "polls": len(samples)},
        "y_max": peak,
        "y_label": _("attending"),
        "x_start": f"{start:%H:%M}",
        "x_end": f"{end:%H:%M}" if end.date() == start.date() else f"{end:%d %b %H:%M}",
        "x_label": _("time (%(zone)s)") % {"zone": meeting.customer.time_zone},
    }


def publishing(customer: Customer) -> dict:
    """What a host pastes into the customer's website: feed URLs and an iframe snippet.

    The snippet's script (static/portal/embed.js) sizes the iframe to the list; without it
    the iframe keeps its fixed height. The script's address is the unhashed static name, so
    a snippet pasted once keeps working after the next deployment.
    """
    from html import escape
    from urllib.parse import urljoin

    from meetings.feeds import FORMATS, feed_path

    base = settings.SITE_URL.rstrip("/")
    urls = {name: base + feed_path(customer.slug, fmt.extension) for name, fmt in FORMATS.items()}
    urls["webcal"] = "webcal://" + urls["ics"].split("://", 1)[1]
    script = urljoin(base + "/", settings.STATIC_URL + "portal/embed.js")
    snippet = (
        f'<iframe src="{urls["html"]}" title="Upcoming meetings of {escape(customer.name)}" '
        'data-portal-embed width="100%" height="480" style="border:0" loading="lazy"></iframe>\n'
        f'<script src="{script}" async></script>'
    )
    return {"urls": urls, "snippet": snippet, "origins": customer.allowed_origins}


class Attendance(NamedTuple):
    """What the poller saw of a meeting: the most attending at once (None: never seen with
    anyone) and the minutes during which someone attended."""

    peak: int | None
    minutes: int


def attendance_by_meeting(meeting_ids: Iterable[int]) -> dict[int, Attendance]:
    """The attendance of each meeting from its polling samples, in one query.

    A sample that saw someone counts until the next sample, but for at most
    ``POLL_EARLY_INTERVAL_SECONDS`` (the longest regular gap between polls), so
    a meeting the poller lost sight of is not counted as attended meanwhile;
    the last sample counts nothing, as nobody knows how long it lasted.
    """
    longest = dt.timedelta(seconds=settings.POLL_EARLY_INTERVAL_SECONDS)
    seen: dict[int, list] = {}  # meeting -> [peak, seconds, previous sample]
    samples = (
        MeetingSample.objects.filter(meeting_id__in=list(meeting_ids))
        .order_by("meeting_id", "taken_at")
        .values_list("meeting_id", "taken_at", "attendees")
        .iterator(chunk_size=5_000)
    )
    for meeting_id, taken_at, attendees in samples:
        state = seen.setdefault(meeting_id, [0, 0.0, None])
        previous = state[2]
        if previous is not None and previous[1] > 0:
            state[1] += min(taken_at - previous[0], longest).total_seconds()
        state[0] = max(state[0], attendees)
        state[2] = (taken_at, attendees)
    return {
        meeting_id: Attendance(peak or None, round(seconds / 60))
        for meeting_id, (peak, seconds, _last) in seen.items()
    }


def attendance(meeting: Meeting) -> Attendance:
    """``attendance_by_meeting`` for one meeting (nothing seen: no peak, no minutes)."""
    return attendance_by_meeting([meeting.pk]).get(meeting.pk, Attendance(None, 0))
