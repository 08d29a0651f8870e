"""Reads for webinars: lists, counts, the chart and the export table.

Every function here runs a fixed number of queries however many
registrations there are; pages show the meeting's stored live state and
attendance (written by the poller) and never call the meeting server.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from collections.abc import Iterable, Iterator, Sequence
from itertools import repeat

import orjson
from django.db import connections
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    F,
    JSONField,
    Max,
    Q,
    QuerySet,
    TextField,
)
from django.db.models.functions import Cast, TruncDate
from django.db.models.sql.constants import MULTI

from meetings.models import MeetingSample
from portal.accounts.models import Host
from webinars.exporters import PROGRESS_EVERY, Columns, Instants
from webinars.models import Question, Registration, RegistrationExport, Webinar

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


def public_webinar(slug: str) -> Webinar | None:
    return (
        Webinar.objects.select_related("customer", "meeting", "host__user")
        .filter(slug=slug, customer__deleted_at__isnull=True)  # a deleted customer's are gone
        .first()
    )


def form_questions(webinar: Webinar) -> list[Question]:
    """The questions the form asks, in order; archived ones keep their answers, unasked."""
    return list(
        webinar.questions.filter(archived_at__isnull=True)
        .select_related("depends_on")
        .order_by("position", "pk")
    )


def all_questions(webinar: Webinar) -> list[Question]:
    """Every question that may have answers: the form's, in order, then removed ones."""
    return list(
        webinar.questions.order_by(F("archived_at").asc(nulls_first=True), "position", "pk")
    )


def webinar_counts(webinar: Webinar) -> dict[str, int | None]:
    """Registrations by status, and attendance as the meeting server last reported it.

    ``attended`` is the peak number of attendees the poller saw (None when it
    never saw the meeting live); ``attending`` is the current number while live.
    """
    by_status = dict(webinar.registrations.values_list("status").annotate(n=Count("pk")).order_by())
    meeting = webinar.meeting
    peak = MeetingSample.objects.filter(meeting=meeting).aggregate(peak=Max("attendees"))["peak"]
    if meeting.is_live:
        peak = max(peak or 0, meeting.attendees)
    return {
        "confirmed": by_status.get(S.CONFIRMED, 0),
        "pending": by_status.get(S.PENDING, 0),
        "waiting": by_status.get(S.WAITLISTED, 0),
        "rejected": by_status.get(S.REJECTED, 0),
        "cancelled": by_status.get(S.CANCELLED, 0),
        "total": sum(by_status.values()),
        "attended": peak if peak else None,
        "attending": meeting.attendees if meeting.is_live else None,
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
    """An SVG polyline of the running total of registrations, one point per day.

    Cancelled and rejected registrations count on the day they came in: the
    chart shows interest over time, the counts above it show seats.
    """
    zone = zoneinfo.ZoneInfo(webinar.customer.time_zone)
    per_day = list(
        webinar.registrations.annotate(day=TruncDate("created_at", tzinfo=zone))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    if not per_day:
        return {"points": "", "total": 0, "days": 0}
    first, last = per_day[0][0], per_day[-1][0]
    if first == last:  # one day: a flat line from nothing to the total
        per_day = [(first - dt.timedelta(days=1), 0), *per_day]
        first = per_day[0][0]
    span = max((last - first).days, 1)
    total = sum(n for _, n in per_day)
    running, points = 0, []
    for day, n in per_day:
        running += n
        x = (day - first).days / span * width
        y = height - running / total * (height - 10)
        points.append(f"{x:.1f},{y:.1f}")
    return {
        "points": " ".join(points),
        "total": total,
        "days": span + 1,
        "first": first,
        "last": last,
        "width": width,
        "height": height,
    }


# --- export ----------------------------------------------------------------------


def recent_exports(webinar: Webinar, *, limit: int = 5) -> list[RegistrationExport]:
    """The webinar's latest export jobs, newest first (older ones are pruned after a day)."""
    return list(webinar.exports.order_by("-created_at", "-pk")[:limit])


FIXED_COLUMNS = [
    "Registered at",
    "Status",
    "First name",
    "Last name",
    "Email",
    "Organisation",
    "Phone",
    "Consent",
    "Confirmed at",
    "Cancelled at",
    "Channel",
    "Page it came from",
]
_ROW_FIELDS = (
    "created_at",
    "status",
    "first_name",
    "last_name",
    "email",
    "organisation",
    "phone",
    "consent",
    "confirmed_at",
    "cancelled_at",
    "channel",
    "source_url",
    "answers",
)
_STATUS, _CHANNEL = _ROW_FIELDS.index("status"), _ROW_FIELDS.index("channel")


def _typed(question: Question, value: object) -> object:
    """An answer as a spreadsheet cell: dates as dates, checkboxes as booleans, lists joined."""
    if value is None:
        return None
    kind = question.kind
    if kind == Question.Kind.CHECKBOX:
        return bool(value)
    if kind == Question.Kind.DATE:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value


class _Answers(dict):
    """A question's text answers, each made a cell (``_typed``) the first time it is seen.

    Holds at most ``LIMIT`` answers: free text typed into a date question
    through the API must not make an export's memory grow with its rows.
    """

    LIMIT = 1_000

    def __init__(self, question: Question) -> None:
        super().__init__({None: None})
        self.question = question

    def __missing__(self, value: str) -> object:
        if len(self) > self.LIMIT:
            self.clear()
            self[None] = None
        typed = self[value] = _typed(self.question, value)
        return typed


def _typed_column(answers: _Answers, values: list[object]) -> list[object]:
    """``_typed`` over a column of a question's answers, the common cases without a call per cell.

    Dates are parsed once per distinct answer in the export (a few hundred
    days at most); checkboxes and texts pass as they are unless one is not
    a boolean or is a list (a multiple-choice answer).
    """
    question, kinds = answers.question, set(map(type, values))
    if question.kind == Question.Kind.CHECKBOX:
        if kinds <= _BOOLEANS:
            return values
        return [None if value is None else bool(value) for value in values]
    if question.kind == Question.Kind.DATE:
        if kinds <= _TEXTS:
            return list(map(answers.__getitem__, values))
        return [_typed(question, value) for value in values]
    if list in kinds:  # what _typed does to any other kind's answers
        try:
            return [", ".join(value) if type(value) is list else value for value in values]
        except TypeError:  # a list holding something other than text
            return [", ".join(map(str, v)) if type(v) is list else v for v in values]
    return values


_BOOLEANS = frozenset((bool, type(None)))
_TEXTS = frozenset((str, type(None)))


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


def registration_table(webinar: Webinar) -> tuple[list[str], Columns]:
    """The header and a stream of rows: one per registration, a column per question.

    Questions come in form order, then removed (archived) questions, whose
    answers are kept. Datetimes are aware, in the customer's time zone. Two
    queries however many rows (questions, then the registrations streamed in
    chunks): nothing is held in memory but the chunk being written. The rows
    come as ``Columns``, as they are read, so an exporter never has to take
    rows apart.
    """
    zone = zoneinfo.ZoneInfo(webinar.customer.time_zone)
    questions = all_questions(webinar)
    header = FIXED_COLUMNS + [
        q.label if q.archived_at is None else f"{q.label} (removed)" for q in questions
    ]
    statuses = dict(S.choices)
    channels = dict(Registration.Channel.choices)
    keys = [str(q.pk) for q in questions]
    answers_of = [_Answers(q) for q in questions]

    def chunks() -> Iterator[list[list[object]]]:
        queryset = (
            Registration.objects.filter(webinar=webinar)
            .order_by("created_at", "pk")
            .values_list(*_ROW_FIELDS)
        )
        for columns in _raw_columns(queryset, zone):
            stored = columns.pop()  # the last field: a column per question instead
            status, channel = columns[_STATUS], columns[_CHANNEL]
            columns[_STATUS] = list(map(statuses.get, status, status))
            columns[_CHANNEL] = list(map(channels.get, channel, channel))
            answered = [a if type(a) is dict else {} for a in stored]
            del stored, status, channel
            columns.extend(
                _typed_column(answers, list(map(dict.get, answered, repeat(key))))
                for answers, key in zip(answers_of, keys, strict=True)
            )
            del answered
            yield columns
            del columns  # not held while the next chunk is read

    return header, Columns(chunks())


#: Rows read from the database at a time; the export holds no more than this.
EXPORT_CHUNK_SIZE = PROGRESS_EVERY


def _raw_columns(queryset: QuerySet, zone: dt.tzinfo) -> Iterator[list[list[object]]]:
    """The queryset's values, a chunk of rows at a time, as columns with Python values.

    Why not ``values_list().iterator()``: Django converts what the database
    returns a value at a time, through a loop of calls per row, and for an
    export of 100,000 rows that loop costs more than reading them. Here the
    same chunked read (a server-side cursor on PostgreSQL) gives raw rows, and
    each column is converted at once: datetimes put in ``zone`` (read as text
    from SQLite and parsed here); JSON decoded; booleans made booleans; any
    other column a field converts goes through Django's own converters, so no
    backend is second-guessed. ``queryset`` is a ``values_list()`` of the
    model's own fields, by name.
    """
    names = queryset.query.values_select
    model_fields = [queryset.model._meta.get_field(name) for name in names]
    if connections[queryset.db].vendor == "sqlite":
        # Datetimes read as text: SQLite's driver would call Django's parser for each
        # one, where psycopg parses them in C.
        queryset = queryset.values_list(
            *(
                Cast(name, TextField()) if isinstance(field, DateTimeField) else name
                for name, field in zip(names, model_fields, strict=True)
            )
        )
    compiler = queryset.query.get_compiler(using=queryset.db)
    chunks = compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=EXPORT_CHUNK_SIZE)
    fields = [s[0] for s in compiler.select[: compiler.col_count]]
    connection = compiler.connection
    django_converters = compiler.get_converters(fields)
    convert = []
    for position, (expression, field) in enumerate(zip(fields, model_fields, strict=True)):
        if isinstance(field, DateTimeField):
            convert.append((position, _local_datetimes(connection.timezone, zone)))
        elif isinstance(field, JSONField):
            convert.append((position, _json_values))
        elif isinstance(field, BooleanField):
            convert.append((position, _booleans))
        elif position in django_converters:
            converters, _ = django_converters[position]
            convert.append((position, _with_converters(converters, expression, connection)))
    for chunk in chunks:
        if not chunk:
            continue
        columns = [list(column) for column in zip(*chunk, strict=True)][: len(fields)]
        del chunk
        for position, converter in convert:
            columns[position] = converter(columns[position])
        yield columns
        del columns  # not held while the next chunk is read


def _local_datetimes(db_zone: dt.tzinfo, zone: dt.tzinfo):
    """Converts a column of datetimes to aware datetimes in ``zone``.

    The values are aware datetimes (psycopg) or ISO 8601 text in the
    connection's zone (SQLite, read as text). SQLite's UTC text, Django's
    default, stays text, as ``Instants``: an exporter writes it in the
    customer's zone without making a datetime of each. Aware datetimes are
    converted in C, with no Python call per value.
    """
    parse = dt.datetime.fromisoformat

    def aware(value: str | dt.datetime) -> dt.datetime:
        if type(value) is str:
            value = parse(value)
        return value if value.tzinfo else value.replace(tzinfo=db_zone)

    def local(values: list) -> Sequence[dt.datetime | None]:
        present = [value for value in values if value is not None]
        if not present:
            return values
        kinds, first = set(map(type, present)), present[0]
        parsed: Iterable[dt.datetime]
        if kinds == {str} and db_zone is dt.UTC and parse(first).tzinfo is None:
            return Instants(values, zone)
        if kinds == {dt.datetime} and first.tzinfo is not None:
            parsed = present
        else:
            parsed = map(aware, present)
        converted = map(dt.datetime.astimezone, parsed, repeat(zone))
        if len(present) == len(values):
            return list(converted)
        return [None if value is None else next(converted) for value in values]

    return local


def _json_values(values: list) -> list:
    """Decoded JSON (stored as text by SQLite, returned as text by psycopg for Django)."""
    try:
        if set(map(type, values)) == {str}:
            return list(map(orjson.loads, values))
        return [orjson.loads(value) if type(value) is str else value for value in values]
    except orjson.JSONDecodeError:  # what only json reads, as Django does: a lone surrogate
        return [json.loads(value) if type(value) is str else value for value in values]


def _booleans(values: list) -> list:
    return [None if value is None else bool(value) for value in values]


def _with_converters(converters, expression, connection):
    def convert(values: list) -> list:
        out = []
        for value in values:
            for converter in converters:
                value = converter(value, expression, connection)
            out.append(value)
        return out

    return convert
