import datetime as dt
import types
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.webinars.factories import QuestionFactory, RegistrationFactory
from webinars import selectors
from webinars.exporters import Columns, Instants
from webinars.models import Question, Registration

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def questions(webinar):
    kinds = [
        ("Role", Question.Kind.SINGLE_CHOICE, "Dev\nOps"),
        ("Topics", Question.Kind.MULTIPLE_CHOICE, "A\nB\nC"),
        ("News", Question.Kind.CHECKBOX, ""),
        ("Day", Question.Kind.DATE, ""),
        ("Phone at work", Question.Kind.PHONE, ""),
        ("Notes", Question.Kind.LONG_TEXT, ""),
    ]
    return [
        QuestionFactory(webinar=webinar, label=label, kind=kind, choices=choices, position=i)
        for i, (label, kind, choices) in enumerate(kinds, start=1)
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
    assert isinstance(rows, Columns) and isinstance(rows.chunks, types.GeneratorType)  # streamed
    assert header == selectors.FIXED_COLUMNS + [
        "Role", "Topics", "News", "Day", "Phone at work", "Notes (removed)",
    ]  # fmt: skip
    first, second = list(rows)
    record = dict(zip(header, first, strict=True))
    assert record["Registered at"] == created and record["Registered at"].tzinfo == BERLIN
    assert record["Status"] == "Registered" and record["Consent"] is True
    assert record["Confirmed at"].tzinfo is not None and record["Cancelled at"] is None
    assert record["Topics"] == "A, C" and record["News"] is True
    assert record["Day"] == dt.date(2031, 5, 6) and record["Role"] == "Dev"
    assert record["Notes (removed)"] is None
    assert record["Page it came from"] == "https://www.customer.example/"
    assert dict(zip(header, second, strict=True))["Status"] == "On the waiting list"


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
    assert chart["points"].split()[-1] == "600.0,10.0"  # the running total reaches the top
    counts = selectors.webinar_counts(webinar)
    assert counts["confirmed"] == 4 and counts["waiting"] == 0 and counts["attended"] is None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_hosts_list_is_read_in_order_off_an_index(webinar):
    """A page of a large webinar's registrations must not sort them all first."""
    plan = selectors.host_registrations(webinar).explain()
    assert "USING INDEX" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize(
    ("db_zone", "read"),
    [
        (dt.UTC, ["2030-07-01 13:00:30.250000", None, "2030-12-01 13:00:00", None]),  # SQLite
        (dt.UTC, ["2030-07-01 13:00:30.25+00", None, "2030-12-01 13:00:00+00", None]),  # as text
        (
            dt.UTC,
            [
                dt.datetime(2030, 7, 1, 13, 0, 30, 250_000, tzinfo=dt.UTC),  # psycopg
                None,
                dt.datetime(2030, 12, 1, 13, tzinfo=dt.UTC),
                None,
            ],
        ),
        (  # SQLite with DATABASES["default"]["TIME_ZONE"] set: stored in that zone
            zoneinfo.ZoneInfo("America/New_York"),
            ["2030-07-01 09:00:30.250000", None, "2030-12-01 08:00:00", None],
        ),
    ],
    ids=["sqlite", "text-with-offset", "aware", "sqlite-in-another-zone"],
)
def test_datetimes_are_read_in_the_customers_zone_whatever_the_driver_gives(db_zone, read):
    def convert(values):
        return list(selectors._local_datetimes(db_zone, BERLIN)(values))

    summer, winter = convert(read)[0], convert(read)[2]
    assert convert(read)[1::2] == [None, None]
    assert summer == dt.datetime(2030, 7, 1, 15, 0, 30, 250_000, tzinfo=BERLIN)
    assert winter == dt.datetime(2030, 12, 1, 14, tzinfo=BERLIN)
    assert summer.tzinfo is BERLIN and summer.utcoffset() == dt.timedelta(hours=2)
    assert convert(read[::2]) == [summer, winter]  # a column without gaps
    assert convert([None, None]) == [None, None]


def test_sqlite_datetimes_stay_text_until_an_exporter_writes_them():
    read = ["2030-07-01 13:00:30.250000", None, "2030-12-01 13:00:00"]
    column = selectors._local_datetimes(dt.UTC, BERLIN)(read)
    assert isinstance(column, Instants) and column.texts is read
    assert column[0] == dt.datetime(2030, 7, 1, 15, 0, 30, 250_000, tzinfo=BERLIN)
    assert len(column) == 3 and column[1] is None and column[2].tzinfo is BERLIN


def test_answers_are_decoded_even_where_only_the_json_module_can():
    """orjson refuses an escaped lone surrogate, which Django stores and json reads."""
    read = ['{"1": "ok", "2": ["A", "C"]}', '{"1": "lone \\ud800"}', None, {"1": "dict"}]
    assert selectors._json_values(read) == [
        {"1": "ok", "2": ["A", "C"]},
        {"1": "lone \ud800"},
        None,
        {"1": "dict"},
    ]
    assert selectors._json_values(read[:2]) == [{"1": "ok", "2": ["A", "C"]}, {"1": "lone \ud800"}]


@pytest.mark.parametrize("kind", list(Question.Kind))
def test_answer_columns_are_typed_as_single_answers_are(webinar, kind):
    """The column-at-a-time shortcuts give what ``_typed`` gives each answer, whatever was stored
    (a question's kind may change after people answered it)."""
    question = QuestionFactory(webinar=webinar, kind=kind, choices="A\nB")
    answers = selectors._Answers(question)
    columns = [
        [None, "A", ["A", "B"], ["A", 2], True, False, 0, 1, "2031-05-06", "x", "", 3.5],
        [None, "2031-05-06", "not a day", "2031-05-06", ""],  # texts
        [True, None, False],  # booleans
        [["A"], None, "B", [], ["B", "A"]],  # lists of texts
    ]
    for column in columns * 2:  # the second time, from what the first one remembered
        typed = selectors._typed_column(answers, list(column))
        expected = [selectors._typed(question, value) for value in column]
        assert [(type(v), v) for v in typed] == [(type(v), v) for v in expected]


def test_a_date_question_remembers_a_bounded_number_of_answers(webinar):
    question = QuestionFactory(webinar=webinar, kind=Question.Kind.DATE)
    answers = selectors._Answers(question)
    start = dt.date(2000, 1, 1)
    days = [start + dt.timedelta(days=i) for i in range(answers.LIMIT + 50)]
    assert selectors._typed_column(answers, [d.isoformat() for d in days]) == days
    assert len(answers) <= answers.LIMIT + 1
