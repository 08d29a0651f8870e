"""Spreadsheet exports: one small class per file format, fed a header and rows.

Shaped after pretix's ``base/exporter.py``: a selector yields plain rows, an
exporter knows only a file format, and the dashboard download, the API job
and the Celery job all write through ``FORMATS``. Rows are read once, a
batch at a time, so an export of 100,000 rows needs no more memory than one of
10,000. Text is neutralised against formula injection (OWASP "CSV injection").
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from itertools import chain, islice, zip_longest
from tempfile import SpooledTemporaryFile
from typing import BinaryIO, ClassVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

Row = Sequence[object]

PROGRESS_EVERY = 1_000
#: First characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Exports are spooled in memory up to this size, then on disk.
SPOOL_MAX_SIZE = 8 * 1024 * 1024
#: Values both formats write as they are.
_PLAIN = (int, float, Decimal, date, time, timedelta)


def neutralise(value: object) -> object:
    """A leading apostrophe makes a spreadsheet show text it would run; -5 stays a number.

    For CSV, which has no cell styles; the .xlsx marks such a cell as text instead
    (``_xlsx_cell``), so that its value stays what was typed.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


class Exporter:
    """A file format, registered in ``FORMATS`` under its identifier.

    ``write()`` calls ``progress`` with the rows written after each batch, and
    shows aware datetimes in ``time_zone``: the customer's, as spreadsheets have none.
    """

    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    extension: ClassVar[str]
    content_type: ClassVar[str]

    def write(
        self,
        header: Sequence[object],
        rows: Iterable[Row],
        out: BinaryIO,
        *,
        sheet_title: str = "Registrations",
        progress: Callable[[int], None] | None = None,
        time_zone: str = "UTC",
    ) -> int:
        done = 0
        zone = ZoneInfo(time_zone)
        for done in self._write(header, rows, out, clean_sheet_title(sheet_title), zone):
            if progress is not None:
                progress(done)
        return done

    def _write(
        self, header: Sequence[object], rows: Iterable[Row], out: BinaryIO, title: str, zone: tzinfo
    ) -> Iterator[int]:
        """Writes the file, yielding the number of rows written after each batch."""
        raise NotImplementedError

    def response(
        self,
        header: Sequence[object],
        rows: Iterable[Row],
        *,
        filename: str,
        sheet_title: str = "Registrations",
        time_zone: str = "UTC",
    ) -> HttpResponse:
        """The whole file, spooled (memory up to 8 MB, then a temporary file), as a download."""
        spool = SpooledTemporaryFile(max_size=SPOOL_MAX_SIZE)  # FileResponse closes it
        try:
            self.write(header, rows, spool, sheet_title=sheet_title, time_zone=time_zone)
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        return self._attach(FileResponse(spool, content_type=self.content_type), filename)

    def _attach(self, response: HttpResponse, filename: str) -> HttpResponse:
        if not filename.lower().endswith(f".{self.extension}"):
            filename = f"{filename}.{self.extension}"
        response["Content-Disposition"] = content_disposition(filename)
        response["Cache-Control"] = "private, no-store"  # personal data
        return response


def _batches(rows: Iterable[Row]) -> Iterator[list[Row]]:
    rows = iter(rows)
    while batch := list(islice(rows, PROGRESS_EVERY)):
        yield batch


class CsvExporter(Exporter):
    """CSV in UTF-8 with a byte-order mark, so Excel reads accents.

    Datetimes are local times to the second, ``2026-12-06 15:26:11``, which
    spreadsheets read as dates: the zone is named in the header, as in the
    .xlsx. Text is written as typed; a spreadsheet that guesses types when it
    opens a CSV turns ``00491512345678`` into a number, so README.md
    ("Registration exports") says how to open it with such columns as text.

    ``response()`` streams a batch at a time, so the file is never whole in
    memory; the rows are then read after the view has returned, outside its
    transaction, and a database error at that point truncates the download.
    """

    identifier = "csv"
    verbose_name = "CSV (.csv)"
    extension = "csv"
    content_type = "text/csv; charset=utf-8"

    def _write(
        self, header: Sequence[object], rows: Iterable[Row], out: BinaryIO, title: str, zone: tzinfo
    ) -> Iterator[int]:
        for chunk, done in self._chunks(header, rows, zone):
            out.write(chunk)
            if done:
                yield done

    def response(
        self,
        header: Sequence[object],
        rows: Iterable[Row],
        *,
        filename: str,
        sheet_title: str = "Registrations",
        time_zone: str = "UTC",
    ) -> HttpResponse:
        chunks = (chunk for chunk, _ in self._chunks(header, rows, ZoneInfo(time_zone)))
        return self._attach(StreamingHttpResponse(chunks, content_type=self.content_type), filename)

    def _chunks(
        self, header: Sequence[object], rows: Iterable[Row], zone: tzinfo
    ) -> Iterator[tuple[bytes, int]]:
        """The encoded file: the header, then a chunk per batch, each with the rows so far."""
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer)
        writer.writerow(_csv_cells(header, zone))
        done = 0
        yield _drain(buffer), done
        for batch in _batches(rows):
            writer.writerows([_csv_cells(row, zone) for row in batch])
            done += len(batch)
            yield _drain(buffer), done


#: Cells the csv module writes as they should be: numbers, dates, booleans, empty.
_CSV_AS_IS = frozenset((type(None), bool, int, float, Decimal, date, time, timedelta))


def _csv_cells(row: Row, zone: tzinfo) -> list[object]:
    """A row as the csv module should write it: text neutralised, datetimes local.

    This runs for every cell of an export, so the common cells are told apart
    inline by their exact type; anything else goes through ``_csv_cell``.
    """
    return [
        ("'" + value if value.startswith(FORMULA_TRIGGERS) else value)
        if type(value) is str
        else value
        if type(value) in _CSV_AS_IS
        else _local(value, zone)
        if type(value) is datetime
        else _csv_cell(value, zone)
        for value in row
    ]


def _csv_cell(value: object, zone: tzinfo) -> object:
    """The cells ``_csv_cells`` leaves: datetimes, subclasses (SafeString, IntEnum), others."""
    if isinstance(value, datetime):
        return _local(value, zone)
    if not isinstance(value, (str, *_PLAIN)):
        value = str(value)  # a UUID, a lazy translation: its text
    return neutralise(value)


def _local(value: datetime, zone: tzinfo) -> str:
    """``2026-12-06 15:26:11``: the time in ``zone`` (a naive one as it is), to the second."""
    if value.tzinfo is not None and value.tzinfo is not zone:
        value = value.astimezone(zone)
    # YYYY-MM-DD HH:MM:SS is the first 19 characters, whatever follows (a fraction, an
    # offset); isoformat() without keywords is the cheapest way there, and this runs
    # for every time of every row.
    return value.isoformat(" ")[:19]


def _drain(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8", "replace")  # a lone surrogate cannot be UTF-8


class XlsxExporter(Exporter):
    """Excel, through openpyxl's write-only mode: typed cells, a frozen bold header, a filter.

    ``response()`` spools the file instead of streaming it: an .xlsx is a ZIP
    that openpyxl builds in ``save()``, after the last row, so no byte of it
    exists before then. Column widths come from the header and the first
    batch, since write-only mode writes them before the first row.
    """

    identifier = "xlsx"
    verbose_name = "Excel (.xlsx)"
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    HEADER_FONT = Font(bold=True)
    HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
    MIN_WIDTH = 8
    MAX_WIDTH = 60

    def _write(
        self, header: Sequence[object], rows: Iterable[Row], out: BinaryIO, title: str, zone: tzinfo
    ) -> Iterator[int]:
        workbook = Workbook(write_only=True)
        ws = workbook.create_sheet(title)
        batches = (
            [[_xlsx_cell(ws, value, zone) for value in row] for row in batch]
            for batch in _batches(rows)
        )
        done = 0
        try:
            first = next(batches, [])
            header_cells = [self._header_cell(ws, name, zone) for name in header]
            ws.freeze_panes = "A2"
            for index, width in enumerate(self._widths(header_cells, first), 1):
                ws.column_dimensions[get_column_letter(index)].width = width
            ws.append(header_cells)
            for batch in chain([first], batches):
                for row in batch:
                    ws.append(row)
                if batch:
                    done += len(batch)
                    yield done
            if header_cells:  # written after the rows, so that it covers exactly them
                ws.auto_filter.ref = f"A1:{get_column_letter(len(header_cells))}{done + 1}"
            workbook.save(out)
        except BaseException:
            # openpyxl deletes its temporary sheet file on save(), else only at exit.
            with contextlib.suppress(Exception):
                workbook.save(os.devnull)
            raise

    def _header_cell(self, ws, name: object, zone: tzinfo) -> Cell:
        value = _xlsx_cell(ws, name, zone)
        cell = value if isinstance(value, Cell) else WriteOnlyCell(ws, value=value)
        cell.font = self.HEADER_FONT
        cell.fill = self.HEADER_FILL
        return cell

    def _widths(self, header_cells: list[Cell], rows: list[list[object]]) -> list[int]:
        """Each column's longest text in the header and ``rows``, plus a margin, within limits."""
        columns = zip_longest([cell.value for cell in header_cells], *rows)
        lengths = (max(map(_shown_length, column)) + 2 for column in columns)
        return [min(max(length, self.MIN_WIDTH), self.MAX_WIDTH) for length in lengths]


#: What openpyxl refuses, and what XML cannot hold at all (lone surrogates, U+FFFE, U+FFFF).
_XLSX_ILLEGAL = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff\ufffe\uffff]")
#: "+33 1 23 45 67 89": groups of digits, no letter, so nothing Excel could run.
_PHONE_NUMBER = re.compile(r"\+\d+(?:[ ./()-]+\d+)+")


def _xlsx_cell(ws, value: object, zone: tzinfo) -> object:
    """A value as openpyxl should store it: a local datetime without its zone, or clean text.

    An .xlsx stores text as text: only a leading "=" would make openpyxl write
    a formula. The other triggers are guarded too, as Excel runs such a cell
    once a host edits it: the cell is text with the quote-prefix style (what
    Excel gives a cell typed with a leading apostrophe), so its value stays
    what was typed and is still never run. A phone number cannot run anything
    and is left plain. Control characters go first, so that "\\x01=cmd" is seen
    to start with "="; an error code a person typed ("#N/A") is marked as text.
    """
    if isinstance(value, datetime | time):
        if value.tzinfo is not None and isinstance(value, datetime):
            value = value.astimezone(zone)
        return value.replace(tzinfo=None)  # Excel has no time zones
    if value is None or isinstance(value, _PLAIN):
        return value
    text = value if isinstance(value, str) else str(value)  # a UUID, a lazy translation
    if not text.isprintable():
        text = _XLSX_ILLEGAL.sub("", text)
    quoted = text.startswith(FORMULA_TRIGGERS) and not _PHONE_NUMBER.fullmatch(text)
    if quoted or text in ERROR_CODES:
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"
        cell.quotePrefix = quoted
        return cell
    return text


def _shown_length(value: object) -> int:
    """About how many characters Excel shows: a date or datetime in full, the longest line."""
    if isinstance(value, Cell):
        value = value.value
    if isinstance(value, date):
        return len("2030-01-01 00:00:00" if isinstance(value, datetime) else "2030-01-01")
    return 0 if value is None else max(map(len, str(value).splitlines()), default=0)


FORMATS: dict[str, Exporter] = {
    exporter.identifier: exporter for exporter in (XlsxExporter(), CsvExporter())
}


# --- helpers the HTTP side needs --------------------------------------------------

_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._() -]+")
_UNDERSCORES = re.compile(r"[ _]*_[ _]*")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the exact name in RFC 5987 ``filename*``.

    Old clients read the plain ``filename``; every current browser prefers
    ``filename*``. Path separators, control characters and quotes never make
    it into either (a webinar title "Q1/Q2" gives "Q1-Q2").
    """
    name = "".join(ch for ch in filename if unicodedata.category(ch)[0] != "C")
    name = name.replace("/", "-").replace("\\", "-").replace('"', "'").strip().lstrip(".")
    name = name[:150] or "export"
    stem, extension = os.path.splitext(name)
    fallback = (_ascii(stem) or "export") + _ascii(extension)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _ascii(text: str) -> str:
    """Accents dropped ("é" is "e"), anything else outside a safe set an underscore."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _UNDERSCORES.sub("_", _UNSAFE_IN_FILENAME.sub("_", kept)).strip(" _")


def clean_sheet_title(title: str) -> str:
    """Clean a title to Excel's rules: at most 31 characters, none of ``[]:*?/\\``, not blank.

    Excel counts UTF-16 units, also refuses an apostrophe at either end and
    reserves "History"; a forbidden character becomes a space, so
    "Q1/Q2: intro" reads "Q1 Q2 intro".
    """
    cleaned = _SHEET_TITLE_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", title))
    cleaned = " ".join(cleaned.split()).strip("'").strip()
    while len(cleaned.encode("utf-16-le")) > 62:  # 31 UTF-16 code units
        cleaned = cleaned[:-1].rstrip().rstrip("'")
    if not cleaned:
        return "Sheet1"
    if cleaned.casefold() == "history":
        return f"{cleaned} (1)"
    return cleaned
