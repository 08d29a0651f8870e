"""Reads for webinars: lists, counts, the chart, the attendance and the export tables.

Every function here runs a fixed number of queries however many
registrations there are; pages show the meeting's stored live state and
attendance (written by the poller) and never call the meeting server.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from meetings import selectors as meeting_selectors
from meetings.models import MeetingSample
from portal.accounts.models import Host
from portal.exports.models import ExportJob
from webinars.models import Question, Registration, Webinar

S = Registration.Status


def _count(status: str) -> Count:
    return Count("registrations", filter=Q(registrations__status=status))


def dashboard_webinars(host: Host) -> QuerySet[Webinar]:
    """The host's webinars with their registration counts, in one query."""
    return (
        Webinar.objects.filter(host=host)
        .select_related("meeting", "customer")
        .annotate(
            confirmed_count=_count(S.CONFIRMED),
            pending_count=_count(S.PENDING),
            waiting_count=_count(S.WAITLISTED),
        )
        .order_by("cancelled_at", "-starts_at", "pk")
    )


#: The current version of every public webinar in the cache: a new one whenever a webinar,
#: a question, a customer or a host changes (public_webinars_changed). A webinar is kept
#: with the version it was read at, and read again once that is no longer the current one.
PUBLIC_VERSION_KEY = "webinars:public:version"


def public_webinar(slug: str) -> Webinar | None:
    """The webinar at /w/<slug>/, with its customer, its host and its form's questions.

    Read once per version from Django's cache: a registration reads it on every post,
    and its query costs more to compile than to run. What must be current for a
    registration (status, dates, capacity) the service reads again under its lock.
    """
    key = f"webinars:public:{slug}"
    found = cache.get_many([PUBLIC_VERSION_KEY, key])  # one round trip
    version = found.get(PUBLIC_VERSION_KEY) or cache.get_or_set(
        PUBLIC_VERSION_KEY, _new_version, None
    )
    kept_version, webinar = found.get(key, (None, None))
    if kept_version == version:
        return webinar
    webinar = (
        Webinar.objects.select_related("customer", "host__user")
        .prefetch_related(Prefetch("questions", _asked(), to_attr="asked_questions"))
        .filter(slug=slug, customer__deleted_at__isnull=True)  # a deleted customer's are gone
        .first()
    )
    if webinar is not None:  # unknown addresses are not kept: anyone can make up many
        cache.set(key, (version, webinar), settings.WEBINAR_PUBLIC_CACHE_SECONDS)
    return webinar


def public_webinars_changed(**kwargs: object) -> None:
    """(Receives ``post_save`` and ``post_delete`` of what a public webinar shows.)
    A new version now, and again once committed: a page read meanwhile may have kept
    the old rows under the new version."""
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return  # a host signing in changes nothing a visitor sees
    cache.set(PUBLIC_VERSION_KEY, _new_version(), None)
    transaction.on_commit(lambda: cache.set(PUBLIC_VERSION_KEY, _new_version(), None))


def _new_version() -> str:
    return uuid.uuid4().hex


def _asked() -> QuerySet[Question]:
    return (
        Question.objects.filter(archived_at__isnull=True)
        .select_related("depends_on")
        .order_by("position", "pk")
    )


def form_questions(webinar: Webinar) -> list[Question]:
    """The questions the form asks, in order; archived ones keep their answers, unasked.

    A public webinar (public_webinar) has them already."""
    if hasattr(webinar, "asked_questions"):
        return webinar.asked_questions
    return list(_asked().filter(webinar=webinar))


def all_questions(webinar: Webinar) -> list[Question]:
    """Every question that may have answers: the form's, in order, then removed ones."""
    return list(
        webinar.questions.order_by(F("archived_at").asc(nulls_first=True), "position", "pk")
    )


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


def host_registrations(
    webinar: Webinar, *, search: str = "", status: str = ""
) -> QuerySet[Registration]:
    registrations = webinar.registrations.order_by("created_at", "pk")
    if status:
        registrations = registrations.filter(status=status)
    for word in search.split()[:5]:
        registrations = registrations.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(organisation__icontains=word)
        )
    return registrations


def registrations_chart(webinar: Webinar, *, width: int = 600, height: int = 120) -> dict:
    """An SVG polyline of the running total of the registered, by the day they came in.

    It counts whom the "registered" card counts (confirmed), so its top is the
    card's number. When everyone came in on one day, it is drawn by the hour of
    that day instead of as a flat line from one day to the same day.
    """
    zone = zoneinfo.ZoneInfo(webinar.customer.time_zone)
    registered = webinar.registrations.filter(status=S.CONFIRMED)
    per_day = _running_totals(registered, TruncDate("created_at", tzinfo=zone))
    if not per_day:
        return {"points": "", "total": 0, "days": 0}
    first, last = per_day[0][0], per_day[-1][0]
    if first != last:
        steps = [((day - first).days, total) for day, total in per_day]
        span, axis = (
            (last - first).days,
            (
                date_format(first, "d M"),
                date_format(last, "d M"),
                _("day of registration"),
            ),
        )
    else:
        per_hour = _running_totals(registered, TruncHour("created_at", tzinfo=zone))
        hour = dt.timedelta(hours=1)
        start, end = per_hour[0][0], per_hour[-1][0] + hour
        steps = [((at - start) / hour, total) for at, total in per_hour]
        steps.append(((end - start) / hour, steps[-1][1]))  # across to the end of its hour
        span = (end - start) / hour
        axis = (
            f"{start:%H:%M}",
            f"{end:%H:%M}",
            _("hour of registration, %(day)s") % {"day": date_format(first, "d M")},
        )
    total = per_day[-1][1]
    points = " ".join(
        f"{at / span * width:.1f},{height - running / total * (height - 10):.1f}"
        for at, running in steps
    )
    days = (last - first).days + 1
    return {
        "points": points,
        "total": total,
        "days": days,
        "first": first,
        "last": last,
        "width": width,
        "height": height,
        "label": _("Registered over time: %(total)s in %(days)s days")
        % {"total": total, "days": days},
        "caption": _("%(total)s registered from %(first)s to %(last)s.")
        % {
            "total": total,
            "first": date_format(first, "d M Y"),
            "last": date_format(last, "d M Y"),
        },
        "y_max": total,
        "y_label": _("registered"),
        "x_start": axis[0],
        "x_end": axis[1],
        "x_label": axis[2],
    }


def _running_totals(registrations: QuerySet[Registration], bucket) -> list[tuple[Any, int]]:
    """(bucket, how many came in up to and including it), in order, one query."""
    per_bucket = registrations.annotate(at=bucket).values_list("at").annotate(n=Count("pk"))
    running, totals = 0, []
    for at, n in per_bucket.order_by("at"):
        running += n
        totals.append((at, running))
    return totals


def registration_may_join(sender, *, external_id: str, **kwargs) -> bool | None:
    """Whether the registration of a personal join link ("registration-<pk>") still holds
    a seat; None for links that are not a registration's. (Receives
    ``meetings.launch.join_link_used``.)"""
    if not external_id.startswith("registration-"):
        return None
    pk = external_id.removeprefix("registration-")
    return pk.isdigit() and Registration.objects.filter(pk=int(pk), status=S.CONFIRMED).exists()


def recent_exports(webinar: Webinar, *, limit: int = 5) -> list[ExportJob]:
    """The webinar's latest export jobs, newest first (older ones are pruned after a day)."""
    return list(webinar.exports.order_by("-created_at", "-pk")[:limit])


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


#: The export's fixed columns, field -> heading, as Registration.FIELDS declares them.
EXPORT_COLUMNS = {field.name: field.heading for field in Registration.FIELDS if field.heading}
_TIMES = tuple(
    name
    for name in EXPORT_COLUMNS
    if isinstance(Registration._meta.get_field(name), models.DateTimeField)
)
#: Rows read from the database at a time (a server-side cursor on PostgreSQL).
EXPORT_CHUNK_SIZE = 2_000


def _checkbox(value: object) -> bool | None:
    return None if value is None else bool(value)


def _date(value: object) -> dt.date | str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:  # typed through the API, or the question's answer type changed since
        return str(value)


def _text(value: object) -> object:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else value


#: How an answer becomes a spreadsheet cell, by its question's answer type; any other: ``_text``.
ANSWER_CELLS: dict[str, Callable[[object], object]] = {
    Question.AnswerType.CHECKBOX: _checkbox,
    Question.AnswerType.DATE: _date,
}


def _chose(option: str) -> Callable[[object], bool | None]:
    """The cell of one option of a multiple-choice answer: chosen or not (None: unanswered)."""

    def cell(value: object) -> bool | None:
        if value is None:
            return None
        return option in value if isinstance(value, list) else option == value

    return cell


def _typed(question: Question, value: object) -> object:
    """An answer as a spreadsheet cell: dates as dates, checkboxes as booleans, lists joined."""
    return ANSWER_CELLS.get(question.answer_type, _text)(value)


def answer_rows(questions: list[Question], answers: dict) -> list[tuple[str, object]]:
    """(question, answer as text) for the answers given, in form order."""
    rows = []
    for question in questions:
        value = _typed(question, (answers or {}).get(str(question.pk)))
        if value is None:
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        rows.append((question.label, value))
    return rows


def registration_table(webinar: Webinar) -> tuple[list[str], Iterator[tuple[object, ...]]]:
    """The header and a stream of rows: one per registration, a column per question.

    Questions come in form order, then removed (archived) ones, whose answers
    are kept. A multiple-choice question has a column per option, "Topics: A",
    true where it was chosen and false where not (empty: not answered), so an
    option with a comma in it is never mistaken for two; options it no longer
    offers but people chose follow, marked "(removed)". Times are aware
    datetimes in the customer's zone, and their headings name it: a
    spreadsheet shows "10:30" with no zone. Two queries however many rows; the
    rows are read a chunk at a time as they are written, so nothing but that
    chunk is in memory.
    """
    zone = webinar.customer.time_zone
    questions = all_questions(webinar)
    header = [
        f"{heading} ({zone})" if field in _TIMES else heading
        for field, heading in EXPORT_COLUMNS.items()
    ]
    header += [heading for heading, _, _ in _answer_columns(questions)]
    return header, _registration_rows(webinar, questions, zoneinfo.ZoneInfo(zone))


def _answer_columns(questions: list[Question]) -> list[tuple[str, str, Callable]]:
    """(heading, question id, how an answer becomes the cell) of each answer column."""
    columns = []
    for q in questions:
        label = q.label if q.archived_at is None else f"{q.label} (removed)"
        key = str(q.pk)
        if q.answer_type != Question.AnswerType.MULTIPLE_CHOICE:
            columns.append((label, key, ANSWER_CELLS.get(q.answer_type, _text)))
            continue
        columns += [(f"{label}: {option}", key, _chose(option)) for option in q.choice_list]
        columns += [
            (f"{label}: {option} (removed)", key, _chose(option))
            for option in q.retired_choice_list
        ]
    return columns


def _registration_rows(
    webinar: Webinar, questions: list[Question], zone: dt.tzinfo
) -> Iterator[tuple[object, ...]]:
    # The labels' text once per export, not a translation looked up per row.
    labels = {
        name: {value: str(label) for value, label in choices}
        for name, choices in (("status", S.choices), ("channel", Registration.Channel.choices))
    }

    def shown_as(name: str) -> Callable[[object], object] | None:
        """How the column of field ``name`` shows a stored value; None: as stored."""
        if name in _TIMES:
            return lambda value: value and value.astimezone(zone)
        if name in labels:
            return lambda value, shown=labels[name]: shown.get(value, value)
        return None

    # Only the columns shown otherwise than stored are touched, row by row.
    shown = [(i, show) for i, name in enumerate(EXPORT_COLUMNS) if (show := shown_as(name))]
    answer_cells = [(key, cell) for _, key, cell in _answer_columns(questions)]
    rows = (
        Registration.objects.filter(webinar=webinar)
        .order_by("created_at", "pk")
        .values_list(*EXPORT_COLUMNS, "answers")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    for *cells, answers in rows:
        for i, show in shown:
            cells[i] = show(cells[i])
        answers = answers if isinstance(answers, dict) else {}
        yield (*cells, *[cell(answers.get(key)) for key, cell in answer_cells])
