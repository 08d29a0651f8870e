"""Spreadsheet exports: one small class per file format, fed a header and rows.

Shaped after pretix's ``base/exporter.py``: whoever knows the data (a selector
over registrations, a webinar's questions) produces a header and an iterable
of rows; an exporter only knows a file format. So this module imports nothing
from the webinars models, and any other list (meetings, hosts) can be
exported the same way.

Every cell that came from a person goes into a spreadsheet, so every string
cell, header included, is neutralised against formula injection (OWASP "CSV
injection"): a leading apostrophe makes Excel and LibreOffice show the text
instead of evaluating it. Only strings are touched: a negative number is a
number, not a formula.

Rows are consumed once, in order, and never held: pass a generator, a
``QuerySet.iterator()``/``values_list().iterator()``, or ``Columns`` (chunks
of columns, as a database read produces them, datetimes read as text being
``Instants``) so that an export of 100,000 registrations needs no more memory
than one of 10,000. What a column needs
is worked out from the types of its values once per batch of 1,000 rows (or
chunk of ``Columns``), not per cell; see ``_Converter``.
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from itertools import islice, repeat
from operator import attrgetter, itemgetter
from tempfile import SpooledTemporaryFile
from types import SimpleNamespace
from typing import BinaryIO, ClassVar
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = [
    "EXPORTERS",
    "Columns",
    "CsvExporter",
    "Exporter",
    "Instants",
    "XlsxExporter",
    "clean_sheet_title",
    "content_disposition",
    "neutralise",
]

PROGRESS_EVERY = 1_000
#: First characters that make a spreadsheet treat a cell as a formula (OWASP).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
#: Exports are spooled in memory up to this size, then on disk.
SPOOL_MAX_SIZE = 8 * 1024 * 1024

Row = Sequence[object]
Progress = Callable[[int], None]
Convert = Callable[[object], object]


def neutralise(value: object) -> object:
    """Prefix an apostrophe to a string a spreadsheet would run as a formula; leave the rest.

    Numbers, dates and booleans pass unchanged (``-5`` stays a number), so
    only text a person typed can be affected.
    """
    if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def _zone(name: str) -> tzinfo:
    return UTC if name == "UTC" else ZoneInfo(name)


#: Types written as they are unless a format converts them.
_PLAIN = frozenset((type(None), bool, int, float, Decimal, date, time, timedelta))
_TEXT = frozenset((str, type(None)))
_STRINGS = frozenset((str,))
_NONE = frozenset((type(None),))
_DATETIMES = frozenset((datetime, type(None)))
#: What openpyxl refuses, and what XML cannot hold at all (lone surrogates, U+FFFE, U+FFFF).
_XLSX_ILLEGAL = re.compile(f"{ILLEGAL_CHARACTERS_RE.pattern}|[\ud800-\udfff\ufffe\uffff]")
_FIRST_CHARACTER = itemgetter(slice(0, 1))  # s[:1], in C
_TZINFO = attrgetter("tzinfo")


class Columns:
    """Rows handed over a chunk at a time, each chunk as its columns.

    ``chunks`` yields lists of columns of equal length. A producer that has
    the values by column anyway (a database read, converted a column at a
    time) passes them like this, and an exporter converts and writes them
    without making rows and taking them apart again. Iterated, it gives the
    rows, so it can go wherever rows go.
    """

    __slots__ = ("chunks",)

    def __init__(self, chunks: Iterable[Sequence[Sequence[object]]]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        for columns in self.chunks:
            yield from zip(*columns, strict=True)


class Instants(Sequence):
    """A column of instants kept as UTC text, as SQLite gives Django's datetimes back.

    ``texts`` are ``YYYY-MM-DD HH:MM:SS[.ffffff]`` in UTC, or None. As a
    sequence the column holds aware datetimes in ``zone`` (made on first
    use); an exporter writes it straight from the text instead, an hour of
    the calendar at a time (``_LocalHours``), so a database read as text is
    never turned into datetimes only to be turned back into text.
    """

    __slots__ = ("_values", "texts", "zone")

    def __init__(self, texts: list[str | None], zone: tzinfo) -> None:
        self.texts = texts
        self.zone = zone
        self._values: list[datetime | None] | None = None

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, index):
        return self.values[index]

    def __iter__(self) -> Iterator[datetime | None]:
        return iter(self.values)

    @property
    def values(self) -> list[datetime | None]:
        if self._values is None:
            texts = self.texts
            present = [text for text in texts if text is not None]
            moments = map(
                datetime.astimezone,
                map(datetime.fromisoformat, map(str.__add__, present, repeat("+00:00"))),
                repeat(self.zone),
            )
            self._values = _with_gaps(texts, present, moments)
        return self._values


class _LocalHours(dict):
    """A UTC hour ``YYYY-MM-DD HH`` -> the same hour in ``zone`` and its offset, as text.

    ``"2030-07-01 13"`` gives ``("2030-07-01T15", "+02:00")`` in Paris: the
    local ISO 8601 text of any instant in that hour is the first with the
    instant's minutes and seconds after it, then the second. The value is
    None where that does not hold: an offset that is not whole hours (India's
    +05:30) or that changes within the hour (no zone changes twice in an hour),
    or an hour at the very end of the calendar (year 1, year 9999). Holds at
    most ``LIMIT`` hours, about a year's worth.
    """

    LIMIT = 10_000

    def __init__(self, zone: tzinfo) -> None:
        super().__init__()
        self.zone = zone

    def __missing__(self, key: str) -> tuple[str, str] | None:
        if len(self) >= self.LIMIT:
            self.clear()
        entry = None
        try:
            start = datetime.fromisoformat(f"{key}:00+00:00") if len(key) == 13 else None
            if start is not None:
                first = start.astimezone(self.zone)
                offset = first.utcoffset()
                last = (start + _LAST_OF_HOUR).astimezone(self.zone)
                if offset == last.utcoffset() and not offset % _HOUR:
                    text = first.isoformat()  # 2030-07-01T15:00:00+02:00
                    entry = (text[:13], text[19:])
        except (ValueError, OverflowError):
            pass
        self[key] = entry
        return entry

    def texts(self, column: Instants, *, offsets: bool) -> list[str | None] | None:
        """The column's local ISO 8601 texts (naive unless ``offsets``); None if it can't."""
        texts = column.texts
        present = [text for text in texts if text is not None] if None in texts else texts
        if not set(map(len, present)) <= _UTC_TEXT_LENGTHS:
            return None
        hours = list(map(self.__getitem__, map(_HOUR_PART, present)))
        if None in hours:
            return None
        local = map(str.__add__, map(_LOCAL_HOUR, hours), map(_REST, present))
        if offsets:
            local = map(str.__add__, local, map(_OFFSET, hours))
        return _with_gaps(texts, present, local)


def _with_gaps(column: Sequence[object], present: Sequence[object], converted: Iterable) -> list:
    """``converted`` (one per value of ``present``) with the column's None cells put back."""
    if present is column or len(present) == len(column):
        return list(converted)
    values = iter(converted)
    return [None if value is None else next(values) for value in column]


_HOUR = timedelta(hours=1)
_LAST_OF_HOUR = _HOUR - timedelta(microseconds=1)
_UTC_TEXT_LENGTHS = frozenset((19, 26))  # with and without microseconds
_HOUR_PART, _REST = itemgetter(slice(0, 13)), itemgetter(slice(13, None))
_LOCAL_HOUR, _OFFSET = itemgetter(0), itemgetter(1)


class _Converter:
    """Converts rows a batch of 1,000 (or a chunk of ``Columns``) at a time, a column at a time.

    The set of a column's value types in the batch, computed in C, decides
    what the column needs: nothing (numbers, dates, empty cells); one test of
    all its texts at once, also in C, and a fix only if one of them starts
    with a formula trigger or holds a control character; or a conversion per
    cell (datetimes, mixed or unknown types). So the per-cell Python work is
    left to the cells that need it, and no column is trusted on its first
    value: an answer column of numbers that later holds "=cmd" is seen in
    that batch. Rows of unequal length (rare) are converted cell by cell.
    A column whose only fault is formulas is neutralised in one pass.
    """

    def __init__(
        self,
        *,
        text: Callable[[str], object],
        converters: dict[type, Convert],
        printable: bool = False,
        special: frozenset[str] = frozenset(),
        datetimes: Callable[[Sequence[datetime]], list[object] | None] | None = None,
        instants: Callable[[Instants], list[object] | None] | None = None,
    ) -> None:
        """What a format needs, given once per export.

        ``text`` cleans one string; ``converters`` convert the other types that
        need it; ``printable``: a text must have no control character;
        ``special``: whole texts that ``text`` must see too; ``datetimes`` may
        convert a column of datetimes at once, or return ``None`` to have it
        done cell by cell; ``instants`` may convert an ``Instants`` column from
        its text, or return ``None`` to have it done as datetimes.
        """
        self.text = text
        self.printable = printable
        self.special = special
        self.datetimes = datetimes
        self.instants = instants
        self.passthrough = _PLAIN - converters.keys()
        self.table: dict[type, Convert | None] = dict.fromkeys(self.passthrough)
        self.table.update(converters)
        self.table[str] = text

    def one(self, row: Row) -> list[object]:
        """One row converted cell by cell (the header)."""
        return list(map(self.cell, row))

    def cell(self, value: object) -> object:
        convert = self.table.get(type(value), self._resolve)
        return value if convert is None else convert(value)

    def batches(self, rows: Iterable[Row]) -> Iterator[Sequence[Row]]:
        """The rows converted, in lists: a chunk of ``Columns``, else ``PROGRESS_EVERY`` rows."""
        for columns, converted in self.converted(rows):
            if converted is None:
                converted = list(zip(*columns, strict=True))
                columns.clear()  # one batch in memory at a time, not two
            yield converted
            del converted

    def converted(
        self, rows: Iterable[Row]
    ) -> Iterator[tuple[list[Sequence[object]], None] | tuple[None, list[list[object]]]]:
        """The rows converted a batch at a time: ``(columns, None)``, or ``(None, rows)``.

        A batch comes as its columns, of equal length, unless its rows are of
        unequal length (rare), which are converted cell by cell.
        """
        if isinstance(rows, Columns):
            column = self._column
            for columns in rows.chunks:
                if columns and len(columns[0]):
                    yield list(map(column, columns)), None
                del columns  # not held while the next chunk is read
            return
        rows = iter(rows)
        column, cell = self._column, self.cell
        while batch := list(islice(rows, PROGRESS_EVERY)):
            full = len(batch) == PROGRESS_EVERY
            if len(set(map(len, batch))) == 1 and batch[0]:
                columns = list(map(column, zip(*batch, strict=True)))
                batch.clear()  # one batch in memory at a time, not two
                yield columns, None
                del columns
            else:
                yield None, [list(map(cell, row)) for row in batch]
            if not full:
                return

    def _column(self, column: Sequence[object]) -> Sequence[object]:
        if type(column) is Instants:
            converted = None if self.instants is None else self.instants(column)
            if converted is not None:
                return converted
            column = column.values
        kinds = set(map(type, column))
        if kinds <= self.passthrough:
            return column
        if kinds <= _TEXT:
            if (not self.printable or all(map(str.isprintable, filter(None, column)))) and (
                not self.special or self.special.isdisjoint(column)
            ):
                if FORMULA_TRIGGERS.isdisjoint(map(_FIRST_CHARACTER, filter(None, column))):
                    return column
                # Formulas are all there is to fix: neutralise(), inline.
                return [
                    f"'{value}" if value and value[0] in FORMULA_TRIGGERS else value
                    for value in column
                ]
            text = self.text
            return [value if value is None else text(value) for value in column]
        if datetime in kinds and kinds <= _DATETIMES and self.datetimes is not None:
            converted = self.datetimes(column)
            if converted is not None:
                return converted
        return list(map(self.cell, column))

    def _resolve(self, value: object) -> object:
        """Convert a value of a type not in the table, after adding that type to it."""
        kind = type(value)
        convert: Convert | None
        if isinstance(value, str):  # SafeString: cleaned like any text
            convert = self.text
        elif isinstance(value, bool | int | float | Decimal):  # IntEnum: the plain number
            convert = next(base for base in (bool, int, float, Decimal) if isinstance(value, base))
        elif isinstance(value, datetime | date | time | timedelta):  # a subclass
            base = next(b for b in (datetime, date, time, timedelta) if isinstance(value, b))
            convert = self.table.get(base)
        else:  # UUID, a lazy translation, anything else: its text
            convert = self._as_text
        self.table[kind] = convert
        return value if convert is None else convert(value)

    def _as_text(self, value: object) -> object:
        return self.text(str(value))


# --- helpers the HTTP side needs --------------------------------------------------

_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._() -]+")
_UNDERSCORES = re.compile(r"[ _]*_[ _]*")


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


_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


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


# --- exporters --------------------------------------------------------------------


class Exporter:
    """A file format. Subclasses write a header and rows to a binary stream.

    ``write()`` returns how many data rows it wrote and calls ``progress``
    with the running count after every 1,000 rows (a Celery task can report
    it). ``time_zone`` is the zone aware datetimes are shown in: spreadsheets
    have no zones, so the customer's zone is the one that makes sense.
    """

    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    extension: ClassVar[str]
    content_type: ClassVar[str]

    def write(
        self,
        header: list[str],
        rows: Iterable[Row],
        out: BinaryIO,
        *,
        sheet_title: str = "Registrations",
        progress: Progress | None = None,
        time_zone: str = "UTC",
    ) -> int:
        raise NotImplementedError

    def response(
        self,
        header: list[str],
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
        response = FileResponse(spool, content_type=self.content_type)
        return self._attach(response, filename)

    def _attach(self, response: HttpResponse, filename: str) -> HttpResponse:
        if not filename.lower().endswith(f".{self.extension}"):
            filename = f"{filename}.{self.extension}"
        response["Content-Disposition"] = content_disposition(filename)
        response["Cache-Control"] = "private, no-store"  # personal data
        return response


class XlsxExporter(Exporter):
    """Excel, through openpyxl's write-only mode: typed cells, a frozen bold header, a filter.

    Why ``response()`` spools the file instead of streaming it while rows are
    written: an .xlsx is a ZIP of XML parts, and openpyxl's write-only mode
    writes the sheet's XML to a temporary file of its own; only ``save()``
    builds the archive, compressing that file next to parts that can be
    written only once every cell is known (the styles part lists the styles
    the cells used; the sheet itself ends with the auto-filter range, which
    reaches the last row). No byte of the archive exists before the last row
    has been read, so the best there is is to write the file once, spooled,
    and send it with ``FileResponse``, which also tells the browser its size.
    """

    identifier = "xlsx"
    verbose_name = "Excel (.xlsx)"
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    HEADER_FONT = Font(bold=True)
    HEADER_FILL = PatternFill(fill_type="solid", start_color="FFDDEBF7", end_color="FFDDEBF7")
    MIN_WIDTH = 8
    MAX_WIDTH = 60
    #: Narrower than this and Excel shows ##### instead of the date.
    TYPE_WIDTHS: ClassVar[dict[type, int]] = {date: 10, datetime: 19}

    def write(
        self,
        header: list[str],
        rows: Iterable[Row],
        out: BinaryIO,
        *,
        sheet_title: str = "Registrations",
        progress: Progress | None = None,
        time_zone: str = "UTC",
    ) -> int:
        workbook = Workbook(write_only=True)
        ws = workbook.create_sheet(clean_sheet_title(sheet_title))
        converter = self._converter(ws, _zone(time_zone))
        batches = converter.batches(rows)
        batch = next(batches, None)
        first = batch[0] if batch else None
        header_cells = [self._header_cell(ws, value) for value in converter.one(_texts(header))]
        # What comes before the cells (views, column widths) is written on the first append.
        ws.freeze_panes = "A2"
        for index, cell in enumerate(header_cells, 1):
            width = len(str(cell.value))
            if first is not None and index <= len(first):
                width = max(width, self.TYPE_WIDTHS.get(type(first[index - 1]), 0))
            width = min(max(width + 2, self.MIN_WIDTH), self.MAX_WIDTH)
            ws.column_dimensions[get_column_letter(index)].width = width
        del first
        count = 0
        try:
            ws.append(header_cells)
            append = ws.append
            while batch is not None:
                for row in batch:
                    append(row)
                count += len(batch)
                batch = None  # before the next one is made
                if progress is not None:
                    progress(count)
                batch = next(batches, None)
            if header_cells:  # written after the rows, so it can cover exactly them
                ws.auto_filter.ref = f"A1:{get_column_letter(len(header_cells))}{count + 1}"
            workbook.save(out)
        except BaseException:
            _discard(ws)
            raise
        return count

    def _header_cell(self, ws, value: object) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=value)
        cell.font = self.HEADER_FONT
        cell.fill = self.HEADER_FILL
        return cell

    def _converter(self, ws, zone: tzinfo) -> _Converter:
        illegal = _XLSX_ILLEGAL.sub
        errors = frozenset(ERROR_CODES)

        def text(value: str) -> object:
            # Control characters go first, so that "\x01=cmd" is seen to start with "=".
            value = neutralise(value if value.isprintable() else illegal("", value))
            if value in errors:  # "#N/A" typed by a person is text, not an error cell
                cell = WriteOnlyCell(ws, value)
                cell.data_type = "s"
                return cell
            return value

        def moment(value: datetime) -> datetime:
            if value.tzinfo is not None:
                value = value.astimezone(zone).replace(tzinfo=None)
            return value

        def datetimes(column: Sequence[datetime | None]) -> list[object]:
            return [None if value is None else moment(value) for value in column]

        hours = _LocalHours(zone)

        def instants(column: Instants) -> list[object] | None:
            texts = hours.texts(column, offsets=False)
            if texts is None:
                return None
            parse = datetime.fromisoformat
            return [None if text is None else parse(text) for text in texts]

        def clock(value: time) -> time:
            return value.replace(tzinfo=None)

        # Dates and datetimes, naive, are left to openpyxl, which writes them as
        # Excel dates in its own formats ("yyyy-mm-dd", "yyyy-mm-dd h:mm:ss").
        converters: dict[type, Convert] = {datetime: moment, time: clock}
        return _Converter(
            text=text,
            converters=converters,
            printable=True,
            special=errors,
            datetimes=datetimes,
            instants=instants,
        )


class CsvExporter(Exporter):
    """CSV in UTF-8 with a byte-order mark, so Excel reads accents; dates in ISO 8601.

    ``response()`` streams: rows are read and sent 1,000 at a time while the
    browser downloads, so the whole file is never in memory. The rows are
    therefore read after the view has returned, outside its transaction: a
    database error at that point truncates the download.
    """

    identifier = "csv"
    verbose_name = "CSV (.csv)"
    extension = "csv"
    content_type = "text/csv; charset=utf-8"

    def write(
        self,
        header: list[str],
        rows: Iterable[Row],
        out: BinaryIO,
        *,
        sheet_title: str = "Registrations",
        progress: Progress | None = None,
        time_zone: str = "UTC",
    ) -> int:
        counter = [0]
        for chunk in self._chunks(header, rows, progress, time_zone, counter):
            out.write(chunk)
        return counter[0]

    def response(
        self,
        header: list[str],
        rows: Iterable[Row],
        *,
        filename: str,
        sheet_title: str = "Registrations",
        time_zone: str = "UTC",
    ) -> HttpResponse:
        chunks = self._chunks(header, rows, None, time_zone, [0])
        response = StreamingHttpResponse(chunks, content_type=self.content_type)
        return self._attach(response, filename)

    def _chunks(
        self,
        header: list[str],
        rows: Iterable[Row],
        progress: Progress | None,
        time_zone: str,
        counter: list[int],
    ) -> Iterator[bytes]:
        """The encoded file, one chunk per 1,000 rows; ``counter[0]`` counts the rows.

        The csv module writes the header and any batch of rows of unequal
        length; a batch that comes as columns is written a column at a time by
        ``_csv_fields``, to the same bytes.
        """
        converter = self._converter(_zone(time_zone))
        lines = ["\ufeff"]  # the csv module writes a line at a time: collecting them is cheapest
        writer = csv.writer(SimpleNamespace(write=lines.append))
        writer.writerow(converter.one(_texts(header)))
        for columns, batch in converter.converted(rows):
            if batch is None and len(columns) > 1:
                fields = list(map(_csv_fields, columns))
                size = len(fields[0])
                del columns
                lines.append("\r\n".join(map(",".join, zip(*fields, strict=True))))
                lines.append("\r\n")
                del fields  # before the next batch is made
            else:  # a single column (a lone empty cell is quoted) or rows of unequal length
                batch = batch if batch is not None else list(zip(*columns, strict=True))
                size = len(batch)
                del columns
                writer.writerows(batch)
            batch = None
            chunk = "".join(lines).encode("utf-8", "replace")  # "replace": a lone surrogate
            lines.clear()
            yield chunk
            counter[0] += size
            if progress is not None:
                progress(counter[0])
        if lines:  # no rows: the header alone
            yield "".join(lines).encode("utf-8", "replace")

    def _converter(self, zone: tzinfo) -> _Converter:
        def moment(value: datetime) -> str:
            if value.tzinfo is not None and value.tzinfo is not zone:
                value = value.astimezone(zone)
            return value.isoformat()

        def datetimes(column: Sequence[datetime | None]) -> list[object] | None:
            """A column at once, in C, unless it mixes naive and aware datetimes.

            Empty cells (None) stay empty; the datetimes around them are
            converted in the same pass.
            """
            present = list(filter(None, column))
            zones = set(map(_TZINFO, present))
            if None in zones and len(zones) > 1:
                return None
            shift = zones != {zone} and None not in zones
            if len(present) == len(column):
                if shift:
                    column = map(datetime.astimezone, column, repeat(zone))  # type: ignore[assignment]
                return list(map(datetime.isoformat, column))
            if shift:
                return [None if v is None else v.astimezone(zone).isoformat() for v in column]
            return [None if v is None else v.isoformat() for v in column]

        hours = _LocalHours(zone)

        def instants(column: Instants) -> list[object] | None:
            return hours.texts(column, offsets=True)

        # str() of a date, a time, a number is what the csv module writes, ISO 8601 for dates.
        return _Converter(
            text=neutralise, converters={datetime: moment}, datetimes=datetimes, instants=instants
        )


#: What makes the csv module quote a cell (excel dialect): its delimiter, its quote, a line end.
_CSV_SPECIAL = (",", '"', "\r", "\n")
#: Types whose equal values have the same text (unlike 1.0 and 1.00 as Decimals, or 0.0 and -0.0).
_ONE_TEXT_PER_VALUE = frozenset((bool, int, date))


def _csv_fields(column: Sequence[object]) -> Sequence[str]:
    """A converted column's cells as the csv module writes them, quotes and all.

    Empty for None, ``repr`` for a float, ``str`` for anything else; quoted
    (quotes doubled) where a cell holds a comma, a quote or a line end, which
    is looked for once in the whole column before cell by cell.
    """
    kinds = set(map(type, column))
    if kinds <= _STRINGS:
        texts = column
    elif kinds <= _TEXT:
        texts = ["" if value is None else value for value in column]
    else:
        texts = _csv_texts(column, kinds)
    joined = "".join(texts)
    if not any(special in joined for special in _CSV_SPECIAL):
        return texts
    return [
        '"' + text.replace('"', '""') + '"'
        if ("," in text or '"' in text or "\r" in text or "\n" in text)
        else text
        for text in texts
    ]


def _csv_texts(column: Sequence[object], kinds: set[type]) -> list[str]:
    """``str`` of each cell (``repr`` of a float), empty for None; a type at a time in C."""
    others = kinds - _NONE
    if len(others) == 1:
        (kind,) = others
        # A str subclass is written as its characters, as the csv module does, not its str().
        text = repr if issubclass(kind, float) else str.__str__ if issubclass(kind, str) else str
        if len(kinds) == 1:
            return list(map(text, column))
        if kind in _ONE_TEXT_PER_VALUE:  # a few values, many times: each made text once
            table = {value: text(value) for value in set(column)}
            table[None] = ""
            return list(map(table.__getitem__, column))
    return [
        ""
        if value is None
        else str.__str__(value)
        if isinstance(value, str)
        else repr(value)
        if isinstance(value, float)
        else str(value)
        for value in column
    ]


def _texts(header: Sequence[object]) -> list[str]:
    return ["" if name is None else str(name) for name in header]


def _discard(ws) -> None:
    """Remove openpyxl's temporary sheet file after a failed export.

    openpyxl deletes it after a successful ``save()`` and otherwise only at
    interpreter exit, which for a long-lived worker is never.
    """
    writer = getattr(ws, "_writer", None)
    if writer is None:  # nothing was written yet
        return
    try:
        if not ws.closed:
            ws.close()  # ends the XML, so that nothing complains when it is collected
    except Exception:  # noqa: S110 - the error being raised is the one that matters
        pass
    try:
        writer.cleanup()
    except (OSError, ValueError):
        pass


EXPORTERS: dict[str, Exporter] = {
    exporter.identifier: exporter for exporter in (XlsxExporter(), CsvExporter())
}
