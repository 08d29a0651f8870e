"""Exports written to real files and read back: openpyxl for xlsx, the csv module for CSV."""

import csv
import datetime as dt
import enum
import io
import tempfile
import uuid
from collections import namedtuple
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.utils.safestring import mark_safe
from hypothesis import example, given, settings, strategies as st
from openpyxl import load_workbook

from portal.exports.formats import (
    FORMATS,
    PROGRESS_EVERY,
    CsvExporter,
    XlsxExporter,
    clean_sheet_title,
    content_disposition,
    neutralise,
)
from tests.webinars.factories import RegistrationFactory
from webinars.selectors import registration_table

HEADER = ["ID", "Name", "Registered at", "Preferred date", "Attended", "Score", "Note"]
# 2030-07-01 13:00 UTC is 15:00 in Paris (CEST).
SUMMER = dt.datetime(2030, 7, 1, 13, 0, 30, tzinfo=dt.UTC)
TRIGGERS = ["=", "+", "-", "@", "\t", "\r"]


def xlsx(header, rows, **options):
    out = io.BytesIO()
    count = XlsxExporter().write(header, rows, out, **options)
    return count, load_workbook(io.BytesIO(out.getvalue())).active


def csv_rows(header, rows, **options):
    out = io.BytesIO()
    count = CsvExporter().write(header, rows, out, **options)
    data = out.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return count, list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


class Quoted(str):
    """A cell's text stored with the quote-prefix style: shown and kept as typed, never run."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Quoted({str(self)!r})"


def values(ws):
    """The cells' values; a text cell with the quote-prefix style as Quoted."""
    return [
        [Quoted(cell.value) if cell.quotePrefix else cell.value for cell in row]
        for row in ws.iter_rows()
    ]


def quoted(expected):
    """``expected`` with Quoted where it is: the cells of ``values`` must match in kind too."""
    return [[(type(v) is Quoted, v) for v in row] for row in expected]


# --- neutralise ---------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_neutralise_prefixes_strings_that_start_a_formula(trigger):
    assert neutralise(f"{trigger}HYPERLINK(1)") == f"'{trigger}HYPERLINK(1)"


@pytest.mark.parametrize(
    "value", [-5, -2.5, Decimal("-1"), True, None, dt.date(2030, 1, 1), SUMMER, "", "plain", "a=b"]
)
def test_neutralise_leaves_everything_else(value):
    assert neutralise(value) is value


# --- xlsx -----------------------------------------------------------------------------------


def test_xlsx_cells_keep_their_types():
    rows = [
        (1, "Chloé", SUMMER, dt.date(2030, 7, 2), True, 2.5, None),
        (
            2,
            "Björn",
            dt.datetime(2030, 1, 5, 9, 15),
            dt.date(2030, 1, 6),
            False,
            Decimal("7"),
            "ok",
        ),
    ]
    count, ws = xlsx(HEADER, iter(rows), time_zone="Europe/Paris")

    assert count == 2
    assert values(ws) == [
        HEADER,
        # aware: shown in the customer's zone, without a zone (Excel has none)
        [1, "Chloé", dt.datetime(2030, 7, 1, 15, 0, 30), dt.datetime(2030, 7, 2), True, 2.5, None],
        # naive: taken as it is
        [2, "Björn", dt.datetime(2030, 1, 5, 9, 15), dt.datetime(2030, 1, 6), False, 7, "ok"],
    ]
    first = ws[2]
    assert [type(cell.value) for cell in first] == [
        int, str, dt.datetime, dt.datetime, bool, float, type(None)
    ]  # fmt: skip
    assert first[2].is_date and first[2].number_format == "yyyy-mm-dd h:mm:ss"
    assert first[3].is_date and first[3].number_format == "yyyy-mm-dd"
    assert first[4].data_type == "b"
    assert first[0].data_type == first[5].data_type == "n"


def test_xlsx_default_zone_is_utc():
    _, ws = xlsx(["At"], [(SUMMER,), (SUMMER.astimezone(ZoneInfo("Asia/Tokyo")),)])
    assert ws["A2"].value == ws["A3"].value == dt.datetime(2030, 7, 1, 13, 0, 30)


def test_xlsx_header_is_bold_filled_frozen_and_filtered():
    rows = [(i, f"n{i}", SUMMER, dt.date(2030, 1, 1), True, 1.0, "") for i in range(3)]
    _, ws = xlsx(HEADER, rows)

    assert all(cell.font.b for cell in ws[1])
    assert all(cell.fill.fill_type == "solid" for cell in ws[1])
    assert not ws["A2"].font.b
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G4"


def test_xlsx_column_widths_follow_the_header_and_leave_room_for_dates():
    _, ws = xlsx(["ID", "A much longer column name", "At"], [(1, "x", SUMMER)])
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABC"}
    assert widths["A"] < widths["C"] < widths["B"]
    assert widths["B"] == len("A much longer column name") + 2
    assert widths["C"] >= len("2030-07-01 15:00")


PHONES = ["+33 1 23 45 67 89", "+1 (555) 123-4567", "+44 (0)20 7946 0958", "+49 30/1234567"]


@pytest.mark.parametrize("phone", PHONES)
def test_a_phone_number_stays_as_typed_in_xlsx_and_is_guarded_in_csv(phone):
    """Text in an .xlsx is never run, and a phone number could not be even if edited."""
    rows = [(phone, "+1", "-1", "+1 555 cmd|' /C calc'!A0")]
    _, ws = xlsx(["Phone", "B", "C", "D"], rows)
    expected = [phone, Quoted("+1"), Quoted("-1"), Quoted("+1 555 cmd|' /C calc'!A0")]
    assert quoted(values(ws)[1:2]) == quoted([expected])
    assert ws["A2"].data_type == "s" and not ws["A2"].quotePrefix
    _, read = csv_rows(["Phone", "B", "C", "D"], rows)
    assert read[1] == ["'" + value for value in rows[0]]


def test_xlsx_column_widths_come_from_the_content_within_limits():
    rows = [("x", "short", i, None) for i in range(999)] + [("x", "y" * 500, 10**12, None)]
    _, ws = xlsx(["ID", "Long text", "Number", "Empty"], rows)
    widths = [ws.column_dimensions[letter].width for letter in "ABCD"]
    least, most = XlsxExporter.MIN_WIDTH, XlsxExporter.MAX_WIDTH
    assert widths == [least, most, len("1000000000000") + 2, least]


@pytest.mark.django_db
def test_xlsx_of_registrations_names_the_zone_of_its_times(webinar):
    """Excel has no time zones: the header says which one the times are in."""
    created = dt.datetime(2031, 3, 1, 9, 30, tzinfo=dt.UTC)
    RegistrationFactory(webinar=webinar, created_at=created, confirmed_at=created, phone="+49 30 1")
    header, rows = registration_table(webinar)
    _, ws = xlsx(header, rows, time_zone=webinar.customer.time_zone)
    record = dict(zip(*values(ws), strict=True))
    assert record["Registered (Europe/Berlin)"] == dt.datetime(2031, 3, 1, 10, 30)
    assert record["Confirmed (Europe/Berlin)"] == dt.datetime(2031, 3, 1, 10, 30)
    assert record["Cancelled (Europe/Berlin)"] is None
    assert record["Phone"] == "+49 30 1"
    width = ws.column_dimensions["A"].width
    assert width == len("Registered (Europe/Berlin)") + 2


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_xlsx_neutralises_formulas_in_cells_and_header(trigger):
    text = f"{trigger}1+cmd|' /C calc'!A0"
    _, ws = xlsx([f"{trigger}Q", "Number"], [(text, -5)])

    # The value is what was typed; the quote-prefix style keeps it text, never a formula.
    assert ws["A1"].value == f"{trigger}Q" and ws["A1"].quotePrefix
    assert ws["A1"].font.bold  # still the header's style besides
    assert ws["A2"].value == text and ws["A2"].quotePrefix
    assert ws["A2"].data_type == "s"  # a string, never a formula
    assert not ws["B2"].quotePrefix
    assert ws["B2"].value == -5 and ws["B2"].data_type == "n"  # a negative number stays one


def test_xlsx_removes_control_characters_before_neutralising():
    rows = [("a\x00b\x08c\x0bd\x1fe", "\x01=SUM(A1)", "tab\tand\nnewline", "lone \ud800 surrogate")]
    _, ws = xlsx(["A", "B", "C", "D"], rows)
    expected = ["abcde", Quoted("=SUM(A1)"), "tab\tand\nnewline", "lone  surrogate"]
    assert quoted(values(ws)[1:2]) == quoted([expected])


def test_xlsx_error_codes_typed_by_people_stay_text():
    _, ws = xlsx(["A", "B"], [("#N/A", "#DIV/0!"), ("fine", None)])
    assert values(ws)[1:] == [["#N/A", "#DIV/0!"], ["fine", None]]
    assert ws["A2"].data_type == ws["B2"].data_type == "s"


def test_xlsx_column_types_may_change_between_rows():
    """A plan made from the first rows must not let a later string through unneutralised."""
    rows = [(1, None, "x"), (None, "=a", 2), ("=b", 3, SUMMER), (4.5, dt.date(2030, 1, 1), "-c")]
    _, ws = xlsx(["A", "B", "C"], rows)
    assert quoted(values(ws)[1:]) == quoted(
        [
            [1, None, "x"],
            [None, Quoted("=a"), 2],
            [Quoted("=b"), 3, dt.datetime(2030, 7, 1, 13, 0, 30)],
            [4.5, dt.datetime(2030, 1, 1), Quoted("-c")],
        ]
    )


class Seats(enum.IntEnum):
    ONE = 1


def test_xlsx_other_types_become_numbers_or_text():
    key = uuid.UUID(int=1)
    _, ws = xlsx(["A", "B", "C"], [(mark_safe("=safe"), Seats.ONE, key)])
    assert quoted(values(ws)[1:2]) == quoted([[Quoted("=safe"), 1, str(key)]])


@pytest.mark.parametrize(
    ("title", "cleaned"),
    [
        ("Registrations", "Registrations"),
        ("Q1/Q2: [intro]*?", "Q1 Q2 intro"),
        ("back\\slash", "back slash"),
        (
            "A webinar title much longer than thirty-one characters",
            "A webinar title much longer tha",
        ),
        ("'quoted'", "quoted"),
        ("  ", "Sheet1"),
        ("[]:*?/\\", "Sheet1"),
        ("tab\there\x01", "tab here"),
        ("History", "History (1)"),
        ("😀" * 20, "😀" * 15),  # Excel counts UTF-16 units: 15 emoji are 30
    ],
)
def test_clean_sheet_title(title, cleaned):
    assert clean_sheet_title(title) == cleaned
    assert len(cleaned.encode("utf-16-le")) <= 62


def test_xlsx_sheet_title_is_cleaned_in_the_file():
    _, ws = xlsx(["A"], [], sheet_title="Webinar: Intro to [Turbo]/Meeting, spring session")
    assert ws.title == "Webinar Intro to Turbo Meeting,"  # 31 characters


def test_xlsx_without_rows_still_has_its_header():
    count, ws = xlsx(["ID", "Name", "Note"], iter(()))
    assert count == 0
    assert values(ws) == [["ID", "Name", "Note"]]
    assert ws.auto_filter.ref == "A1:C1"
    assert ws.freeze_panes == "A2"


def test_xlsx_failure_leaves_no_temporary_file(tmp_path, monkeypatch):
    """openpyxl spools a write-only sheet to a temporary file: a failed export removes it."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    spooled = []

    def rows():
        yield from ((n, "a") for n in range(PROGRESS_EVERY + 1))  # one batch written
        spooled.extend(tmp_path.iterdir())
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        XlsxExporter().write(["ID", "Name"], rows(), io.BytesIO())
    assert spooled  # the sheet was being written to a file there
    assert list(tmp_path.iterdir()) == []


# --- csv ------------------------------------------------------------------------------------


def test_csv_round_trip():
    rows = [
        (1, "Chloé Müller", SUMMER, dt.date(2030, 7, 2), True, 2.5, None),
        (2, "Søren", dt.datetime(2030, 1, 5, 9, 15), dt.date(2030, 1, 6), False, -3, 'a,"b"\nc'),
    ]
    count, read = csv_rows(HEADER, iter(rows), time_zone="Europe/Paris")
    assert count == 2
    assert read == [
        HEADER,
        ["1", "Chloé Müller", "2030-07-01 15:00:30", "2030-07-02", "True", "2.5", ""],
        ["2", "Søren", "2030-01-05 09:15:00", "2030-01-06", "False", "-3", 'a,"b"\nc'],
    ]


@pytest.mark.parametrize("trigger", TRIGGERS)
def test_csv_neutralises_formulas_in_cells_and_header(trigger):
    _, read = csv_rows([f"{trigger}Q", "N"], [(f"{trigger}1+1", -5), (3, f"{trigger}x")])
    assert read == [[f"'{trigger}Q", "N"], [f"'{trigger}1+1", "-5"], ["3", f"'{trigger}x"]]


def test_csv_default_zone_is_utc():
    _, read = csv_rows(["At"], [(SUMMER.astimezone(ZoneInfo("Asia/Tokyo")),)])
    assert read[1] == ["2030-07-01 13:00:30"]


@pytest.mark.parametrize("time_zone", ["UTC", "Europe/Paris"])
def test_csv_datetime_columns_of_every_kind(time_zone):
    naive = dt.datetime(2030, 1, 5, 9, 15)
    paris = SUMMER.astimezone(ZoneInfo("Europe/Paris"))
    rows = [(SUMMER, naive, SUMMER, paris, SUMMER), (SUMMER, naive, naive, SUMMER, None)]
    _, read = csv_rows(["A", "B", "C", "D", "E"], rows, time_zone=time_zone)
    here = SUMMER.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M:%S")
    assert read[1:] == [
        [here, "2030-01-05 09:15:00", here, here, here],
        [here, "2030-01-05 09:15:00", "2030-01-05 09:15:00", here, ""],
    ]


class Shade(str, enum.Enum):  # noqa: UP042 - its str() is "Shade.DARK", not its text
    DARK = "dark, very"
    LIGHT = "light"


def _cells(kind):
    """Cells of one kind, sometimes empty; texts lean on what CSV quotes and formulas start with."""
    texts = st.text(alphabet=st.sampled_from('ab é,"\r\n\t=+-@#\x00\u2028'), max_size=6)
    kinds = {
        "text": texts | st.text(),
        "int": st.integers(),
        "bool": st.booleans(),
        "float": st.floats(allow_nan=True, allow_infinity=True),
        "decimal": st.sampled_from([Decimal("1.0"), Decimal("1.00"), Decimal("-0"), Decimal("2")]),
        "date": st.dates(),
    }
    return st.none() | kinds[kind] if kind != "mixed" else st.one_of(st.none(), *kinds.values())


_KINDS = ["text", "int", "bool", "float", "decimal", "date", "mixed"]


@st.composite
def _tables(draw):
    kinds = draw(st.lists(st.sampled_from(_KINDS), min_size=1, max_size=5))
    height = draw(st.integers(min_value=1, max_value=12))
    columns = [draw(st.lists(_cells(kind), min_size=height, max_size=height)) for kind in kinds]
    return list(zip(*columns, strict=True))


@settings(max_examples=300, deadline=None)
@given(rows=_tables())
@example(rows=[("",)])  # a lone empty cell: the csv module quotes it
@example(rows=[("a,b", 1.0, None), ('"', -0.0, True), ("x\r\ny", float("nan"), False)])
@example(rows=[(Shade.DARK, Shade.DARK), (Shade.LIGHT, "plain")])  # their text, not their str()
def test_csv_is_what_the_csv_module_writes(rows):
    """Written a column at a time, the file is byte for byte the csv module's."""
    header = [f"C{i}" for i in range(len(rows[0]))]
    out = io.BytesIO()
    CsvExporter().write(header, iter(rows), out)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected)
    writer.writerow(header)
    writer.writerows([[neutralise(value) for value in row] for row in rows])
    assert out.getvalue() == ("\ufeff" + expected.getvalue()).encode("utf-8", "replace")


ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",  # +05:30
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # summer time of half an hour
    "America/St_Johns",  # -03:30, and summer time
]


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    moments=st.lists(
        st.none()
        | st.datetimes(
            min_value=dt.datetime(1850, 1, 1),  # before 1900 most zones were local mean time
            max_value=dt.datetime(2200, 1, 1),
            timezones=st.just(dt.UTC),
        ),
        min_size=1,
        max_size=20,
    ),
)
@example(  # the hours either side of the changes to and from summer time in Paris
    zone="Europe/Paris",
    moments=[
        dt.datetime(2030, 3, 31, 0, 59, 59, 999_999, tzinfo=dt.UTC),
        dt.datetime(2030, 3, 31, 1, tzinfo=dt.UTC),
        None,
        dt.datetime(2030, 10, 27, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2030, 10, 27, 1, 30, 5, tzinfo=dt.UTC),
    ],
)
@example(  # hours whose ends fall before year 1 in New York's local mean time
    zone="America/New_York",
    moments=[dt.datetime(1, 1, 1, 4, 57, tzinfo=dt.UTC), dt.datetime(2030, 7, 1, tzinfo=dt.UTC)],
)
def test_csv_writes_datetimes_in_the_export_zone_as_the_csv_module_would(zone, moments):
    """Whatever zone they come in, datetimes are written in the export's, to the second."""
    ids = list(range(len(moments)))
    tokyo = [None if m is None else m.astimezone(ZoneInfo("Asia/Tokyo")) for m in moments]
    out = io.BytesIO()
    CsvExporter().write(["ID", "At"], zip(ids, tokyo, strict=True), out, time_zone=zone)
    expected = io.StringIO(newline="")
    writer = csv.writer(expected)
    writer.writerow(["ID", "At"])
    here = ZoneInfo(zone)
    writer.writerows(
        [
            i,
            None
            if m is None
            else m.astimezone(here).replace(tzinfo=None).isoformat(" ", "seconds"),
        ]
        for i, m in zip(ids, moments, strict=True)
    )
    assert out.getvalue() == ("\ufeff" + expected.getvalue()).encode()


@pytest.mark.parametrize(
    ("zone", "summer", "winter"),
    [
        ("Europe/Paris", dt.datetime(2030, 7, 1, 15, 0, 30), dt.datetime(2030, 12, 1, 14, 0, 30)),
        ("Asia/Kolkata", dt.datetime(2030, 7, 1, 18, 30, 30), dt.datetime(2030, 12, 1, 18, 30, 30)),
    ],
)
def test_xlsx_writes_datetimes_in_the_export_zone_with_gaps(zone, summer, winter):
    moments = [SUMMER, None, SUMMER.replace(month=12), None]
    _, ws = xlsx(["ID", "At"], enumerate(moments), time_zone=zone)
    assert values(ws)[1:] == [[0, summer], [1, None], [2, winter], [3, None]]


def test_csv_without_rows_still_has_its_header():
    count, read = csv_rows(["ID", "Prénom"], iter(()))
    assert count == 0
    assert read == [["ID", "Prénom"]]


# --- both ---------------------------------------------------------------------------------


@pytest.mark.parametrize("exporter", [XlsxExporter(), CsvExporter()], ids=["xlsx", "csv"])
def test_rows_may_be_tuples_lists_or_named_tuples(exporter):
    Row = namedtuple("Row", "id name")
    out = io.BytesIO()
    assert exporter.write(["ID", "Name"], [(1, "=a"), [2, "b"], Row(3, "+c")], out) == 3
    if exporter.extension == "csv":
        read = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
        assert read[1:] == [["1", "'=a"], ["2", "b"], ["3", "'+c"]]
    else:
        read = values(load_workbook(io.BytesIO(out.getvalue())).active)
        assert quoted(read[1:]) == quoted([[1, Quoted("=a")], [2, "b"], [3, Quoted("+c")]])


@pytest.mark.parametrize("exporter", [XlsxExporter(), CsvExporter()], ids=["xlsx", "csv"])
def test_rows_of_unequal_length_are_still_neutralised(exporter):
    out = io.BytesIO()
    exporter.write(["ID", "Name"], [(1, "=a"), (2,), (3, "b", "=extra"), ()], out)
    if exporter.extension == "csv":
        read = list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig"), newline="")))
        assert read[1:] == [["1", "'=a"], ["2"], ["3", "b", "'=extra"], []]
    else:
        ws = load_workbook(io.BytesIO(out.getvalue())).active
        expected = [[1, Quoted("=a"), None], [2, None, None], [3, "b", Quoted("=extra")]]
        assert quoted(values(ws)[1:4]) == quoted(expected)


def test_a_column_is_checked_in_every_batch_not_only_the_first():
    """Numbers for 1,200 rows, then text that looks like a formula: still neutralised."""
    rows = (
        (i if i < 1_200 else f"=cmd{i}", None if i < 2_100 else SUMMER, "x" if i < 2_400 else "+1")
        for i in range(2_500)
    )
    _, read = csv_rows(["A", "B", "C"], rows)
    assert read[1] == ["0", "", "x"]
    assert read[1_201] == ["'=cmd1200", "", "x"]
    assert read[2_101] == ["'=cmd2100", "2030-07-01 13:00:30", "x"]
    assert read[2_500] == ["'=cmd2499", "2030-07-01 13:00:30", "'+1"]


# --- progress --------------------------------------------------------------------------------


@pytest.mark.parametrize("exporter", [XlsxExporter(), CsvExporter()], ids=["xlsx", "csv"])
def test_progress_is_reported_every_thousand_rows(exporter):
    calls = []
    rows = ((i, f"name {i}") for i in range(2_500))
    count = exporter.write(["ID", "Name"], rows, io.BytesIO(), progress=calls.append)
    assert count == 2_500
    assert calls == [1_000, 2_000, 2_500]


# --- responses -------------------------------------------------------------------------------

NAME = 'Réunion "Q3" — inscriptions/2030'


def test_csv_response_streams_without_reading_rows_first():
    read = []

    def rows():
        for i in range(2_500):
            read.append(i)
            yield (i, f"=name {i}")

    response = CsvExporter().response(["ID", "Name"], rows(), filename=NAME)

    assert isinstance(response, StreamingHttpResponse)
    assert read == []  # nothing is read until the response is sent
    chunks = list(response.streaming_content)
    assert len(chunks) > 1
    assert len(read) == 2_500
    body = b"".join(chunks).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(body, newline="")))
    assert lines[0] == ["ID", "Name"] and lines[-1] == ["2499", "'=name 2499"]
    assert len(lines) == 2_501
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="Reunion_Q3_inscriptions-2030.csv"; '
        "filename*=UTF-8''R%C3%A9union%20%27Q3%27%20%E2%80%94%20inscriptions-2030.csv"
    )


@pytest.mark.parametrize(
    ("filename", "fallback", "utf8"),
    [
        ("Réunion.xlsx", "Reunion.xlsx", "R%C3%A9union.xlsx"),
        ("登録.csv", "export.csv", "%E7%99%BB%E9%8C%B2.csv"),
        ("../../etc/passwd", "-..-etc-passwd", "-..-etc-passwd"),
        ("a\r\nX-Evil: 1.csv", "aX-Evil_1.csv", "aX-Evil%3A%201.csv"),
        ("Q1/Q2 webinar.xlsx", "Q1-Q2 webinar.xlsx", "Q1-Q2%20webinar.xlsx"),
    ],
)
def test_content_disposition_is_safe_with_an_ascii_fallback(filename, fallback, utf8):
    expected = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{utf8}"
    assert content_disposition(filename) == expected


def test_xlsx_response_is_a_download_of_the_workbook():
    rows = ((i, f"Chloé {i}") for i in range(10))
    response = XlsxExporter().response(
        ["ID", "Name"], rows, filename="Réunion", sheet_title="Réunion d'été"
    )

    assert isinstance(response, FileResponse)
    assert response["Content-Type"] == XlsxExporter.content_type
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Reunion.xlsx\"; filename*=UTF-8''R%C3%A9union.xlsx"
    )
    assert response["Cache-Control"] == "private, no-store"
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert ws.title == "Réunion d'été"
    assert ws.max_row == 11 and ws["B11"].value == "Chloé 9"
    # Close the spooled file itself: response.close() would signal request_finished.
    response.file_to_stream.close()


#: How each registered format is read back; a format registered without one fails here.
READERS = {
    "xlsx": lambda data: values(load_workbook(io.BytesIO(data)).active),
    "csv": lambda data: list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))),
}


@pytest.mark.parametrize("identifier", sorted(FORMATS))
def test_every_registered_format_downloads_a_file_of_its_kind(identifier):
    exporter = FORMATS[identifier]
    response = exporter.response(["ID", "Name"], [("1", "Chloé")], filename="Réunion")
    data = b"".join(response.streaming_content)
    if isinstance(response, FileResponse):
        response.file_to_stream.close()  # response.close() would signal request_finished
    assert response["Content-Type"] == exporter.content_type
    assert f'filename="Reunion.{exporter.extension}"' in response["Content-Disposition"]
    assert READERS[identifier](data) == [["ID", "Name"], ["1", "Chloé"]]
