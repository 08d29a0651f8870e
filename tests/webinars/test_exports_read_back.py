"""Registration exports read back as spreadsheet programs read them.

The .xlsx through python-calamine (the Rust reader that data tools use to open
Excel files) and openpyxl; the CSV through the csv module, checking the text a
spreadsheet is given: local times it reads as dates, answers exactly as typed.
"""

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from portal.exports.formats import FORMATS
from tests.webinars.factories import QuestionFactory, RegistrationFactory
from webinars.models import Question
from webinars.selectors import registration_table
from webinars.services.questions import question_update

pytestmark = pytest.mark.django_db

CREATED = dt.datetime(2026, 3, 1, 9, 30, 15, 411596, tzinfo=dt.UTC)  # 10:30:15 in Berlin
MOBILE = "00491512345678"


@pytest.fixture
def answered(webinar):
    mobile = QuestionFactory(webinar=webinar, label="Mobile", position=1)
    topics = QuestionFactory(
        webinar=webinar,
        label="Topics",
        answer_type=Question.AnswerType.MULTIPLE_CHOICE,
        choices="a, b\nc\nd",
        position=2,
    )
    day = QuestionFactory(
        webinar=webinar, label="Day", answer_type=Question.AnswerType.DATE, position=3
    )
    RegistrationFactory(
        webinar=webinar,
        first_name="=HYPERLINK(1)",
        organisation="@Acme",
        created_at=CREATED,
        confirmed_at=CREATED,
        answers={str(mobile.pk): MOBILE, str(topics.pk): ["a, b", "c"], str(day.pk): "2031-05-06"},
    )
    RegistrationFactory(webinar=webinar, first_name="Bo", answers={str(topics.pk): ["c", "d"]})
    RegistrationFactory(webinar=webinar, first_name="Cy", answers={})
    return webinar, topics


def export(webinar, fmt: str) -> bytes:
    header, rows = registration_table(webinar)
    out = io.BytesIO()
    FORMATS[fmt].write(header, rows, out, time_zone=webinar.customer.time_zone)
    return out.getvalue()


def records(table: list[list]) -> list[dict]:
    header, *rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_xlsx_reads_back_with_dates_answers_as_typed_and_no_apostrophes(answered):
    webinar, _ = answered
    data = export(webinar, "xlsx")

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    ada, bo, cy = records(sheet.to_python())
    registered = ada["Registered (Europe/Berlin)"]  # a date cell, to Excel's millisecond
    assert registered.replace(microsecond=0) == dt.datetime(2026, 3, 1, 10, 30, 15)
    assert ada["Day"] in (dt.date(2031, 5, 6), dt.datetime(2031, 5, 6))  # a date cell
    assert ada["Mobile"] == MOBILE  # text, not the number 491512345678
    # Neutralised cells hold what was typed: no apostrophe in the value.
    assert ada["First name"] == "=HYPERLINK(1)" and ada["Organisation"] == "@Acme"
    # A column per option, whatever the option's text holds.
    assert [ada["Topics: a, b"], ada["Topics: c"], ada["Topics: d"]] == [True, True, False]
    assert [bo["Topics: a, b"], bo["Topics: c"], bo["Topics: d"]] == [False, True, True]
    assert [cy["Topics: a, b"], cy["Topics: c"], cy["Topics: d"]] == ["", "", ""]  # unanswered

    ws = load_workbook(io.BytesIO(data)).active
    cells = {cell.value: cell for cell in ws[2]}
    for typed in ("=HYPERLINK(1)", "@Acme"):  # text, never run: the quote-prefix style
        assert cells[typed].quotePrefix and cells[typed].data_type == "s"
    assert not cells[MOBILE].quotePrefix and cells[MOBILE].data_type == "s"


def test_csv_reads_back_with_local_times_and_answers_as_typed(answered):
    webinar, _ = answered
    data = export(webinar, "csv")
    ada, bo, cy = records(list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))))

    # Local time to the second, which spreadsheets read as a date; the header names the zone.
    registered = ada["Registered (Europe/Berlin)"]
    assert registered == "2026-03-01 10:30:15"
    assert dt.datetime.strptime(registered, "%Y-%m-%d %H:%M:%S") == dt.datetime(
        2026, 3, 1, 10, 30, 15
    )
    assert ada["Day"] == "2031-05-06"
    assert ada["Mobile"] == MOBILE  # as typed; README.md says how to open it as text
    assert [ada["Topics: a, b"], ada["Topics: c"], ada["Topics: d"]] == ["True", "True", "False"]
    assert [bo["Topics: a, b"], bo["Topics: c"], bo["Topics: d"]] == ["False", "True", "True"]
    assert [cy["Topics: a, b"], cy["Topics: c"], cy["Topics: d"]] == ["", "", ""]
    # CSV has no cell styles: a leading apostrophe is what keeps these from running.
    assert ada["First name"] == "'=HYPERLINK(1)" and ada["Organisation"] == "'@Acme"


def test_an_option_taken_off_a_question_keeps_its_column(answered, host):
    webinar, topics = answered
    question_update(question=topics, choices="c\nd\ne")
    topics.refresh_from_db()
    assert topics.choice_list == ["c", "d", "e"] and topics.retired_choice_list == ["a, b"]

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(export(webinar, "xlsx")))
    header, ada = sheet.get_sheet_by_index(0).to_python()[:2]
    shown = dict(zip(header, ada, strict=True))
    assert [h for h in header if h.startswith("Topics")] == [
        "Topics: c",
        "Topics: d",
        "Topics: e",
        "Topics: a, b (removed)",
    ]
    assert shown["Topics: a, b (removed)"] is True and shown["Topics: e"] is False

    question_update(question=topics, choices="c\nd\ne\na, b")  # offered again: one column
    topics.refresh_from_db()
    header, _ = registration_table(webinar)
    assert [h for h in header if h.startswith("Topics")] == [
        "Topics: c",
        "Topics: d",
        "Topics: e",
        "Topics: a, b",
    ]
