"""The registration export's table, and answers as cells (the export's and the dashboard's)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterator

from django.db import models
from django.db.models import F

from webinars.models import Question, Registration, Webinar

S = Registration.Status


def all_questions(webinar: Webinar) -> list[Question]:
    """Every question that may have answers: the form's, in order, then removed ones."""
    return list(
        webinar.questions.order_by(F("archived_at").asc(nulls_first=True), "position", "pk")
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
