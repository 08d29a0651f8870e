import datetime as dt
import types
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.webinars.factories import QuestionFactory, RegistrationFactory
from webinars import selectors
from webinars.models import Question, Registration

S = Registration.Status

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def questions(webinar):
    answer_types = [
        ("Role", Question.AnswerType.SINGLE_CHOICE, "Dev\nOps"),
        ("Topics", Question.AnswerType.MULTIPLE_CHOICE, "A\nB\nC"),
        ("News", Question.AnswerType.CHECKBOX, ""),
        ("Day", Question.AnswerType.DATE, ""),
        ("Phone at work", Question.AnswerType.PHONE, ""),
        ("Notes", Question.AnswerType.LONG_TEXT, ""),
    ]
    return [
        QuestionFactory(
            webinar=webinar, label=label, answer_type=answer_type, choices=choices, position=i
        )
        for i, (label, answer_type, choices) in enumerate(answer_types, start=1)
    ]


def test_table_columns_and_typed_values(webinar, questions):
    role, topics, news, day, phone, notes = questions
    created = dt.datetime(2025, 1, 2, 9, 30, tzinfo=dt.UTC)
    RegistrationFactory(
        webinar=webinar,
        first_name="Ada",
        created_at=created,
        consent=True,
        source_url="https://www.customer.example/",
        answers={
            str(role.pk): "Dev",
            str(topics.pk): ["A", "C"],
            str(news.pk): True,
            str(day.pk): "2031-05-06",
            str(phone.pk): "+1 555",
        },
    )
    RegistrationFactory(
        webinar=webinar, first_name="Bo", status=Registration.Status.WAITLISTED, confirmed_at=None
    )
    notes.archived_at = timezone.now()  # removed from the form: its column stays, marked
    notes.save()
    header, rows = selectors.registration_table(webinar)
    assert isinstance(rows, types.GeneratorType)  # streamed
    assert header == [
        "Registered (Europe/Berlin)", "Status", "First name", "Last name", "Email",
        "Organisation", "Phone", "Consent", "Confirmed (Europe/Berlin)",
        "Cancelled (Europe/Berlin)", "Channel", "Page it came from",
        "Role", "Topics: A", "Topics: B", "Topics: C", "News", "Day", "Phone at work",
        "Notes (removed)",
    ]  # fmt: skip
    first, second = list(rows)
    record = dict(zip(header, first, strict=True))
    registered = record["Registered (Europe/Berlin)"]
    assert registered == created and registered.tzinfo == BERLIN
    assert record["Status"] == "Registered" and record["Consent"] is True
    assert record["Confirmed (Europe/Berlin)"].tzinfo == BERLIN
    assert record["Cancelled (Europe/Berlin)"] is None
    # A column per option: chosen or not, whatever the options' texts hold.
    assert [record[f"Topics: {option}"] for option in "ABC"] == [True, False, True]
    assert record["News"] is True
    assert record["Day"] == dt.date(2031, 5, 6) and record["Role"] == "Dev"
    assert record["Notes (removed)"] is None
    assert record["Page it came from"] == "https://www.customer.example/"
    assert dict(zip(header, second, strict=True))["Status"] == "On the waiting list"


def test_table_columns_follow_the_registration_field_declaration(webinar):
    # Each fixed column is read by its field's name: the cell under a heading is
    # that field's value, whatever the order the declaration gives.
    registration = RegistrationFactory(
        webinar=webinar, first_name="Ada", last_name="Lovelace", email="ada@example.com",
        organisation="Engines Ltd", phone="+44 20", consent=False, channel="api",
        source_url="https://page.example/",
    )  # fmt: skip
    header, rows = selectors.registration_table(webinar)
    declared = [field for field in Registration.FIELDS if field.heading]
    assert [h.removesuffix(" (Europe/Berlin)") for h in header] == [f.heading for f in declared]
    record = dict(zip(header, next(rows), strict=True))
    for field in declared:
        if field.name not in ("created_at", "confirmed_at", "cancelled_at", "status", "channel"):
            assert record[field.heading] == getattr(registration, field.name), field.name
    assert record["Channel"] == "API" and record["Status"] == "Registered"


def test_table_queries_are_constant(webinar, questions):
    def queries(n):
        RegistrationFactory.create_batch(n, webinar=webinar, answers={str(questions[1].pk): ["A"]})
        with CaptureQueriesContext(connection) as captured:
            header, rows = selectors.registration_table(webinar)
            count = sum(1 for _ in rows)
        return len(captured), count

    two, rows_two = queries(2)
    twenty, rows_twenty = queries(18)
    assert (rows_two, rows_twenty) == (2, 20)
    assert two == twenty <= 2


def test_chart_and_counts(webinar):
    assert selectors.registrations_chart(webinar)["points"] == ""
    start = timezone.now() - dt.timedelta(days=4)
    for day in (0, 0, 2, 4):
        RegistrationFactory(webinar=webinar, created_at=start + dt.timedelta(days=day))
    chart = selectors.registrations_chart(webinar)
    assert chart["total"] == 4 and len(chart["points"].split()) == 3
    # It starts at the first registration (not a day before) and reaches the top.
    assert chart["points"].split()[0] == "0.0,65.0"
    assert chart["points"].split()[-1] == "600.0,10.0"
    first_day = start.astimezone(zoneinfo.ZoneInfo(webinar.customer.time_zone)).date()
    assert (chart["y_max"], chart["x_start"]) == (4, f"{first_day:%d %b}")
    counts = selectors.webinar_counts(webinar)
    assert counts["confirmed"] == 4 and counts["waiting"] == 0 and counts["attended"] is None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_hosts_list_is_read_in_order_off_an_index(webinar):
    """A page of a large webinar's registrations must not sort them all first."""
    plan = selectors.host_registrations(webinar).explain()
    assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, plan


#: What people may have stored, then the cell it makes for a checkbox, a date, the column of
#: option "B" of a multiple choice, and any other kind.
ANSWERS = [
    (None, None, None, None, None),
    ("A", True, "A", False, "A"),
    (["A", "B"], True, "['A', 'B']", True, "A, B"),
    (["A", 2], True, "['A', 2]", False, "A, 2"),
    (True, True, "True", False, True),
    (False, False, "False", False, False),
    (0, False, "0", False, 0),
    (1, True, "1", False, 1),
    ("2031-05-06", True, dt.date(2031, 5, 6), False, "2031-05-06"),
    ("", False, "", False, ""),
    (3.5, True, "3.5", False, 3.5),
    ("B", True, "B", True, "B"),
]


@pytest.mark.parametrize("answer_type", list(Question.AnswerType))
def test_answers_are_typed_by_their_questions_kind_whatever_was_stored(webinar, answer_type):
    """An answer type may change after people answered: every answer still makes a cell."""
    question = QuestionFactory(webinar=webinar, answer_type=answer_type, choices="A\nB")
    for stored, *_ in ANSWERS:
        answers = {} if stored is None else {str(question.pk): stored}
        RegistrationFactory(webinar=webinar, answers=answers)
    position = {
        Question.AnswerType.CHECKBOX: 1,
        Question.AnswerType.DATE: 2,
        Question.AnswerType.MULTIPLE_CHOICE: 3,
    }.get(answer_type, 4)
    expected = [answer[position] for answer in ANSWERS]
    _, rows = selectors.registration_table(webinar)
    column = [row[-1] for row in rows]
    assert [(type(v), v) for v in column] == [(type(v), v) for v in expected]


def test_a_chart_of_one_day_is_drawn_by_the_hour(webinar):
    zone = zoneinfo.ZoneInfo(webinar.customer.time_zone)
    day = dt.datetime(2026, 12, 6, 9, 20, tzinfo=zone)
    for minutes in (0, 10, 200):  # 09:20, 09:30 and 12:40
        RegistrationFactory(webinar=webinar, created_at=day + dt.timedelta(minutes=minutes))
    chart = selectors.registrations_chart(webinar)
    assert (chart["x_start"], chart["x_end"]) == ("09:00", "13:00")
    assert chart["x_label"] == "hour of registration, 06 Dec"
    # Two by 09:00-10:00, the third in 12:00-13:00, then across to the end of that hour.
    assert chart["points"] == "0.0,46.7 450.0,10.0 600.0,10.0"


def test_the_chart_counts_the_registered_as_the_card_does(webinar):
    start = timezone.now() - dt.timedelta(days=3)
    for day, status in ((0, S.CONFIRMED), (1, S.CANCELLED), (2, S.REJECTED), (3, S.CONFIRMED)):
        RegistrationFactory(
            webinar=webinar, created_at=start + dt.timedelta(days=day), status=status
        )
    chart, counts = selectors.registrations_chart(webinar), selectors.webinar_counts(webinar)
    assert chart["y_max"] == chart["total"] == counts["confirmed"] == 2
    assert chart["y_label"] == "registered" and chart["caption"].startswith("2 registered")
