"""Registration exports against the libraries they are built on, in the same run.

Targets (webinars, exports):

(a) ``XlsxExporter.write`` of 100,000 rows x 11 columns (6 fixed: id, email,
    first and last name, registration time, attended; 5 answers: company,
    seats, preferred date, comment, opt-in) takes at most 1.25x as long as
    plain openpyxl write-only given the same values, with no styling and no
    neutralising;
(b) ``CsvExporter.write`` at most 1.5x plain ``csv.writer`` over the same
    values;
(c) the peak traced memory (tracemalloc) of ``XlsxExporter.write`` at
    100,000 rows is at most 1.2x that at 10,000 rows: rows stream through,
    none is kept.

Comparing with the bare library in the same process cancels out the machine;
what is left is what the exporter adds (type conversion, neutralising, the
styled header, the filter). Rows come from a generator that picks values
from small precomputed pools, so producing a row costs the same on both
sides and nothing holds the rows. The exporter gets aware UTC datetimes, as
Django yields them, and shows them in a customer's zone (``TIME_ZONE``), as
the dashboard will; plain openpyxl refuses aware datetimes, so its pool holds
the same instants as naive values, and plain csv writes them as they come:
both get their best case. Every timing is the process's CPU time (other
processes on a busy machine count less than in wall-clock time), the best of
alternating runs, each written to a temporary file on disk (an in-memory
buffer would grow with the file and hide (c)).

These figures are the exporters' own cost. ``run_database()`` then measures
the targets end to end: 100,000 registrations with five custom
questions in a throwaway SQLite database, read by
``webinars.selectors.registration_table`` and written by ``EXPORTERS``,
against openpyxl / ``csv.writer`` writing the same values (read into a list
beforehand, for the yardsticks only), and the peak memory of the
database-backed xlsx export at 100,000 against 10,000 registrations. A last
line, the floor, fetches the same rows and writes them with ``csv.writer``
raw, doing none of an export's work: what reading costs next to the
yardstick. (The CSV exporter writes a column at a time, faster than
``csv.writer``, so it may come close to the floor, but not for free.)

    python bench/export.py           # alone
    python -m bench export           # through the harness
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook

from webinars.exporters import CsvExporter, XlsxExporter

ROWS = 100_000
SMALL_ROWS = 10_000
XLSX_ROUNDS = 2  # a plain openpyxl run of 100,000 rows takes seconds: two each is enough
CSV_ROUNDS = 9  # cheap, and the most sensitive to a busy machine
POOL = 997  # distinct values per column; prime, so columns do not line up
XLSX_TARGET = 1.25
CSV_TARGET = 1.5
MEMORY_TARGET = 1.2
TIME_ZONE = "Europe/Paris"  # a customer's zone: the exporter converts every datetime to it

HEADER = [
    "ID",
    "Email",
    "First name",
    "Last name",
    "Registered at",
    "Attended",
    "Company",
    "Seats",
    "Preferred date",
    "Comment",
    "Opt-in",
]

Row = tuple[object, ...]
Pools = list[list[object]]


def _pools(aware: bool) -> Pools:
    """One list of values per column; a tenth of the comments look like formulas."""
    zone = dt.UTC if aware else None
    start = dt.datetime(2030, 1, 1, 8, 30, tzinfo=zone)
    first_names = ["Ana", "Björn", "Chloé", "Dmitri", "Eve", "François", "Grace", "Hiro"]
    last_names = ["Müller", "O'Brien", "Smith", "García", "Nguyen", "Kowalski", "Dubois"]
    comments = ["", "Looking forward to it", "Can we get the slides?", "=1+1", "-not a number"]
    return [
        list(range(POOL)),
        [f"person{i}@example.com" for i in range(POOL)],
        [first_names[i % len(first_names)] for i in range(POOL)],
        [last_names[i % len(last_names)] for i in range(POOL)],
        [start + dt.timedelta(minutes=17 * i) for i in range(POOL)],
        [i % 3 == 0 for i in range(POOL)],
        [f"Company {i % 50} Ltd" for i in range(POOL)],
        [i % 12 for i in range(POOL)],
        [dt.date(2030, 1, 1) + dt.timedelta(days=i % 365) for i in range(POOL)],
        [comments[i % 10] if i % 10 < len(comments) else f"Comment {i}" for i in range(POOL)],
        [i % 2 == 1 for i in range(POOL)],
    ]


def rows(count: int, pools: Pools) -> Iterator[Row]:
    """``count`` rows, made one at a time: the bench never holds them in a list."""
    ids, emails, firsts, lasts, moments, attended, companies, seats, dates, notes, opt_ins = pools
    for i in range(count):
        j = i % POOL
        yield (
            i,
            emails[j],
            firsts[j],
            lasts[j],
            moments[j],
            attended[j],
            companies[j],
            seats[j],
            dates[j],
            notes[j],
            opt_ins[j],
        )


# --- the yardsticks: the bare libraries ----------------------------------------------


def plain_xlsx(source: Iterator[Row], out: BinaryIO) -> None:
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Registrations")
    ws.append(HEADER)
    for row in source:
        ws.append(row)
    workbook.save(out)


def plain_csv(source: Iterator[Row], out: BinaryIO) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(source)
    text.flush()
    text.detach()


def exporter_xlsx(source: Iterator[Row], out: BinaryIO) -> None:
    XlsxExporter().write(HEADER, source, out, time_zone=TIME_ZONE)


def exporter_csv(source: Iterator[Row], out: BinaryIO) -> None:
    CsvExporter().write(HEADER, source, out, time_zone=TIME_ZONE)


# --- measurements ----------------------------------------------------------------------

Writer = Callable[[Iterator[Row], BinaryIO], None]


def _seconds(write: Writer, pools: Pools, count: int) -> float:
    with tempfile.TemporaryFile() as out:
        started = time.process_time()
        write(rows(count, pools), out)
        return time.process_time() - started


def _compare(
    ours: Writer, ours_pools: Pools, plain: Writer, plain_pools: Pools, rounds: int
) -> tuple[float, float]:
    """The best of ``rounds`` alternating runs of each."""
    ours_times, plain_times = [], []
    for _ in range(rounds):
        plain_times.append(_seconds(plain, plain_pools, ROWS))
        ours_times.append(_seconds(ours, ours_pools, ROWS))
    return min(ours_times), min(plain_times)


def _peak_bytes(write: Writer, pools: Pools, count: int) -> int:
    gc.collect()  # the same start for both sizes: no garbage, empty free lists
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            write(rows(count, pools), out)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def run_generated() -> list[str]:
    """The exporters' own cost over generated rows; returns the targets missed."""
    aware, naive = _pools(aware=True), _pools(aware=False)
    for write, pools in ((exporter_csv, aware), (plain_csv, aware)):  # warm up
        _seconds(write, pools, 10_000)
    for write, pools in ((exporter_xlsx, aware), (plain_xlsx, naive)):
        _seconds(write, pools, 2_000)

    csv_ours, csv_plain = _compare(exporter_csv, aware, plain_csv, aware, CSV_ROUNDS)
    xlsx_ours, xlsx_plain = _compare(exporter_xlsx, aware, plain_xlsx, naive, XLSX_ROUNDS)
    _peak_bytes(exporter_xlsx, aware, 1_000)  # first-use allocations (imports, caches)
    small = _peak_bytes(exporter_xlsx, aware, SMALL_ROWS)
    large = _peak_bytes(exporter_xlsx, aware, ROWS)

    columns = len(HEADER)
    print(
        f"export: {ROWS:,} rows x {columns} columns; CPU seconds, best of "
        f"{XLSX_ROUNDS} (xlsx) and {CSV_ROUNDS} (csv) alternating runs"
    )
    print(f"  {'':34} {'exporter':>10} {'plain':>10} {'ratio':>6} {'target':>7}")
    results = [
        ("xlsx write (s)", xlsx_ours, xlsx_plain, XLSX_TARGET),
        ("csv write (s)", csv_ours, csv_plain, CSV_TARGET),
    ]
    failed = []
    for label, ours, plain, target in results:
        ratio = ours / plain
        verdict = "ok" if ratio <= target else "ABOVE"
        print(f"  {label:34} {ours:10.3f} {plain:10.3f} {ratio:6.2f} {target:7.2f}  {verdict}")
        if ratio > target:
            failed.append(label)
    ratio = large / small
    verdict = "ok" if ratio <= MEMORY_TARGET else "ABOVE"
    print(f"  {'':34} {f'{ROWS:,} rows':>10} {f'{SMALL_ROWS:,} rows':>10}")
    print(
        f"  {'xlsx peak traced memory (KiB)':34} {large / 1024:10.0f} {small / 1024:10.0f} "
        f"{ratio:6.2f} {MEMORY_TARGET:7.2f}  {verdict}"
    )
    print(f"  rows per CPU second: xlsx {ROWS / xlsx_ours:,.0f}, csv {ROWS / csv_ours:,.0f}")
    if ratio > MEMORY_TARGET:
        failed.append("xlsx peak memory")
    return failed


# --- from the database: registration_table() -> EXPORTERS[...] ------------------------
#
# The targets, end to end: 100,000 registrations with five custom
# questions read from a throwaway SQLite database by
# ``webinars.selectors.registration_table`` and written by
# ``EXPORTERS["xlsx"]`` / ``EXPORTERS["csv"]``, against openpyxl write-only and
# ``csv.writer`` writing the same values (read into a list beforehand, for the
# yardsticks only: what they measure is the library's own write time). What
# the ratio shows is our whole overhead: the queries, building the rows
# (answers decoded and typed, datetimes in the customer's zone), converting
# and neutralising cells, the styled header and the filter.

DB_ROWS = 100_000
DB_SMALL_ROWS = 10_000
DB_XLSX_ROUNDS = 2
DB_CSV_ROUNDS = 5
DB_TIME_ZONE = "Europe/Berlin"
SEED_BATCH = 5_000


def _setup_django(folder: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["DEBUG"] = "false"  # no query log growing with the rows
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed_webinar(slug: str, count: int):
    """A webinar with five questions (text, choice, multiple choice, date, checkbox)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from meetings.models import Meeting
    from portal.accounts.models import Customer, Host, SyncState
    from webinars.models import Question, Registration, Webinar

    customer = Customer.objects.create(
        name=f"Bench {slug}",
        slug=f"bench-{slug}",
        contact_email=f"it@{slug}.example",
        time_zone=DB_TIME_ZONE,
        sync_state=SyncState.SYNCED,
    )
    email = f"host@{slug}.example"
    user = get_user_model().objects.create_user(email, email)
    host = Host.objects.create(user=user, customer=customer)
    start = timezone.now() + dt.timedelta(days=30)
    meeting = Meeting.objects.create(
        customer=customer,
        host=host,
        topic=f"Bench {slug}",
        meeting_type=Meeting.Type.WEBINAR,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        sync_state=SyncState.SYNCED,
    )
    webinar = Webinar.objects.create(
        customer=customer,
        host=host,
        meeting=meeting,
        slug=slug,
        title=f"Bench {slug}",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        status=Webinar.Status.PUBLISHED,
    )
    kinds = [
        ("Company", Question.Kind.SHORT_TEXT, ""),
        ("Role", Question.Kind.SINGLE_CHOICE, "Developer\nManager\nOther"),
        ("Topics", Question.Kind.MULTIPLE_CHOICE, "A\nB\nC"),
        ("Preferred date", Question.Kind.DATE, ""),
        ("Newsletter", Question.Kind.CHECKBOX, ""),
    ]
    questions = [
        Question.objects.create(
            webinar=webinar, label=label, kind=kind, choices=choices, position=i
        )
        for i, (label, kind, choices) in enumerate(kinds, 1)
    ]
    company, role, topics, day, news = (str(q.pk) for q in questions)
    first_names = ["Ana", "Björn", "Chloé", "Dmitri", "Eve", "=HYPERLINK(1)", "Grace", "Hiro"]
    last_names = ["Müller", "O'Brien", "Smith", "García", "Nguyen", "Kowalski", "Dubois"]
    roles = ["Developer", "Manager", "Other"]
    topic_sets = [["A"], ["A", "C"], ["B"], []]
    created = timezone.now() - dt.timedelta(days=20)
    statuses = [Registration.Status.CONFIRMED] * 8 + [
        Registration.Status.WAITLISTED,
        Registration.Status.CANCELLED,
    ]

    def registration(i: int) -> Registration:
        at = created + dt.timedelta(seconds=11 * i)
        status = statuses[i % len(statuses)]
        answers = {
            company: f"Company {i % 50} Ltd" if i % 10 else "=cmd|' /C calc'!A0",
            role: roles[i % 3],
            topics: topic_sets[i % 4],
            day: (dt.date(2031, 1, 1) + dt.timedelta(days=i % 365)).isoformat(),
            news: i % 2 == 0,
        }
        if i % 7 == 0:
            del answers[day]  # not everyone answers everything
        return Registration(
            webinar=webinar,
            status=status,
            first_name=first_names[i % len(first_names)],
            last_name=last_names[i % len(last_names)],
            email=f"person{i}@example.com",
            organisation=f"Org {i % 300}",
            phone="+49 30 1234567" if i % 3 else "",
            answers=answers,
            consent=True,
            source_url="https://www.customer.example/webinars/",
            channel=Registration.Channel.PAGE,
            created_at=at,
            confirmed_at=at if status == Registration.Status.CONFIRMED else None,
            cancelled_at=at + dt.timedelta(days=1)
            if status == Registration.Status.CANCELLED
            else None,
        )

    for first in range(0, count, SEED_BATCH):
        Registration.objects.bulk_create(
            [registration(i) for i in range(first, min(first + SEED_BATCH, count))]
        )
    return webinar


def _db_export(fmt: str, webinar) -> Writer:
    from webinars.exporters import EXPORTERS
    from webinars.selectors import registration_table

    exporter = EXPORTERS[fmt]

    def write(out: BinaryIO) -> int:
        header, table = registration_table(webinar)
        return exporter.write(header, table, out, time_zone=webinar.customer.time_zone)

    return write


def _db_rows_as_they_come(webinar) -> Writer:
    """A floor, not a yardstick: the export's rows fetched and handed to csv.writer raw.

    The same query, datetimes read as text as the export reads them from
    SQLite, read by the driver in chunks and written with no work at all (UTC,
    JSON as text, no labels, nothing neutralised): its ratio to plain csv
    shows how much of the target the read and a plain write take.
    """
    from django.db import connection
    from django.db.models import DateTimeField, TextField
    from django.db.models.functions import Cast

    from webinars.models import Registration
    from webinars.selectors import _ROW_FIELDS

    queryset = (
        Registration.objects.filter(webinar=webinar)
        .order_by("created_at", "pk")
        .values_list(
            *(
                Cast(name, TextField())
                if isinstance(Registration._meta.get_field(name), DateTimeField)
                else name
                for name in _ROW_FIELDS
            )
        )
    )
    sql, params = queryset.query.sql_with_params()

    def write(out: BinaryIO) -> int:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        writer = csv.writer(text)
        count = 0
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(2_000):
                writer.writerows(chunk)
                count += len(chunk)
        text.flush()
        text.detach()
        return count

    return write


def _table_values(webinar, *, naive: bool) -> tuple[list[str], list[list[object]]]:
    """The rows registration_table yields, in a list: the yardsticks' input (not timed)."""
    from webinars.selectors import registration_table

    header, table = registration_table(webinar)
    values = list(map(list, table))
    if naive:  # openpyxl refuses aware datetimes: the same wall-clock times, naive
        for row in values:
            for index, value in enumerate(row):
                if isinstance(value, dt.datetime):
                    row[index] = value.replace(tzinfo=None)
    return header, values


def _plain_xlsx_of(header: list[str], values: list[list[object]]) -> Writer:
    def write(out: BinaryIO) -> int:
        workbook = Workbook(write_only=True)
        ws = workbook.create_sheet("Registrations")
        ws.append(header)
        for row in values:
            ws.append(row)
        workbook.save(out)
        return len(values)

    return write


def _plain_csv_of(header: list[str], values: list[list[object]]) -> Writer:
    def write(out: BinaryIO) -> int:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(values)
        text.flush()
        text.detach()
        return len(values)

    return write


def _timed(write: Callable[[BinaryIO], int]) -> float:
    with tempfile.TemporaryFile() as out:
        started = time.process_time()
        count = write(out)
        seconds = time.process_time() - started
    if count != DB_ROWS:
        raise AssertionError(f"wrote {count:,} rows, not {DB_ROWS:,}")
    return seconds


def _best_alternating(ours, plain, rounds: int) -> tuple[float, float]:
    ours_times, plain_times = [], []
    for _ in range(rounds):
        plain_times.append(_timed(plain))
        ours_times.append(_timed(ours))
    return min(ours_times), min(plain_times)


def _db_peak_bytes(write: Callable[[BinaryIO], int]) -> int:
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            write(out)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def run_database() -> list[str]:
    """The targets over rows read from the database; returns the targets missed."""
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        _setup_django(Path(tmp))
        started = time.perf_counter()
        large = _seed_webinar("large", DB_ROWS)
        small = _seed_webinar("small", DB_SMALL_ROWS)
        seeded = time.perf_counter() - started

        header, naive = _table_values(large, naive=True)
        plain_xlsx_db = _plain_xlsx_of(header, naive)
        ours_xlsx_db = _db_export("xlsx", large)
        for write in (_db_export("xlsx", small), _db_export("csv", small)):  # warm up
            with tempfile.TemporaryFile() as out:
                write(out)
        xlsx_ours, xlsx_plain = _best_alternating(ours_xlsx_db, plain_xlsx_db, DB_XLSX_ROUNDS)
        del naive, plain_xlsx_db

        header, aware = _table_values(large, naive=False)
        plain_csv_db = _plain_csv_of(header, aware)
        csv_ours, csv_plain = _best_alternating(
            _db_export("csv", large), plain_csv_db, DB_CSV_ROUNDS
        )
        floor, floor_plain = _best_alternating(
            _db_rows_as_they_come(large), plain_csv_db, DB_CSV_ROUNDS
        )
        del aware, plain_csv_db

        peak_small = _db_peak_bytes(_db_export("xlsx", small))
        peak_large = _db_peak_bytes(_db_export("xlsx", large))

    columns = len(header)
    print(
        f"\nexport from the database: {DB_ROWS:,} registrations x {columns} columns "
        f"(5 questions), SQLite, seeded in {seeded:.1f} s; CPU seconds, best of "
        f"{DB_XLSX_ROUNDS} (xlsx) and {DB_CSV_ROUNDS} (csv) alternating runs"
    )
    print(f"  {'':34} {'ours':>10} {'plain':>10} {'ratio':>6} {'target':>7}")
    failed = []
    for label, ours, plain, target in (
        ("db -> xlsx (s)", xlsx_ours, xlsx_plain, XLSX_TARGET),
        ("db -> csv (s)", csv_ours, csv_plain, CSV_TARGET),
    ):
        ratio = ours / plain
        verdict = "ok" if ratio <= target else "ABOVE"
        print(f"  {label:34} {ours:10.3f} {plain:10.3f} {ratio:6.2f} {target:7.2f}  {verdict}")
        if ratio > target:
            failed.append(label)
    print(
        f"  {'floor: db rows -> csv raw (s)':34} {floor:10.3f} {floor_plain:10.3f} "
        f"{floor / floor_plain:6.2f}  (the read, written raw: none of the work)"
    )
    ratio = peak_large / peak_small
    verdict = "ok" if ratio <= MEMORY_TARGET else "ABOVE"
    print(f"  {'':34} {f'{DB_ROWS:,} rows':>10} {f'{DB_SMALL_ROWS:,} rows':>10}")
    print(
        f"  {'db -> xlsx peak traced memory (KiB)':34} {peak_large / 1024:10.0f} "
        f"{peak_small / 1024:10.0f} {ratio:6.2f} {MEMORY_TARGET:7.2f}  {verdict}"
    )
    print(
        f"  rows per CPU second from the database: xlsx {DB_ROWS / xlsx_ours:,.0f}, "
        f"csv {DB_ROWS / csv_ours:,.0f}"
    )
    if ratio > MEMORY_TARGET:
        failed.append("db -> xlsx peak memory")
    return failed


def run() -> None:
    failed = run_generated() + run_database()
    if failed:
        raise AssertionError(f"above target: {', '.join(failed)}")


if __name__ == "__main__":
    run()
