"""Who may join, who joined and what the meeting server saw: the page's and the export's."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Any

from meetings import selectors as meeting_selectors
from webinars.models import Registration, Webinar
from webinars.selectors.registrations import EXPORT_CHUNK_SIZE

S = Registration.Status


def registration_may_join(sender, *, external_id: str, **kwargs) -> bool | None:
    """Whether the registration of a personal join link ("registration-<pk>") still holds
    a seat; None for links that are not a registration's. (Receives
    ``meetings.launch.join_link_used``.)"""
    if not external_id.startswith("registration-"):
        return None
    pk = external_id.removeprefix("registration-")
    return pk.isdigit() and Registration.objects.filter(pk=int(pk), status=S.CONFIRMED).exists()


#: How many of the people who pressed Join the webinar page lists (the export has all).
JOINED_SHOWN = 50


def webinar_attendance(webinar: Webinar) -> dict[str, Any]:
    """Who registered, who pressed Join on their personal link and when, and what the
    meeting server reported: the peak and the minutes during which someone attended."""
    seen = meeting_selectors.attendance(webinar.meeting)
    joined = webinar.registrations.filter(join_count__gt=0)
    return {
        "joined": joined.count(),
        "peak": seen.peak,
        "minutes": seen.minutes,
        "people": list(
            joined.order_by("first_joined_at", "pk").only(
                "first_name",
                "last_name",
                "email",
                "status",
                "first_joined_at",
                "last_joined_at",
                "join_count",
            )[:JOINED_SHOWN]
        ),
    }


#: The attendance export's columns: field -> heading.
ATTENDANCE_COLUMNS = {
    "created_at": "Registered",
    "status": "Status",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "first_joined_at": "First joined",
    "last_joined_at": "Last joined",
    "join_count": "Joins",
}


def attendance_table(webinar: Webinar) -> tuple[list[str], Iterator[tuple[object, ...]]]:
    """A row per registration: its status and when its holder pressed Join (times in the
    customer's zone, which the headings name)."""
    zone = webinar.customer.time_zone
    times = {"created_at", "first_joined_at", "last_joined_at"}
    header = [
        f"{heading} ({zone})" if field in times else heading
        for field, heading in ATTENDANCE_COLUMNS.items()
    ]
    return header, _attendance_rows(webinar, zoneinfo.ZoneInfo(zone))


def _attendance_rows(webinar: Webinar, zone: dt.tzinfo) -> Iterator[tuple[object, ...]]:
    statuses = {value: str(label) for value, label in S.choices}
    rows = (
        Registration.objects.filter(webinar=webinar)
        .order_by("created_at", "pk")
        .values_list(*ATTENDANCE_COLUMNS)
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    for created, status, first, last, email, first_joined, last_joined, joins in rows:
        yield (
            created.astimezone(zone),
            statuses.get(status, status),
            first,
            last,
            email,
            first_joined and first_joined.astimezone(zone),
            last_joined and last_joined.astimezone(zone),
            joins,
        )
