"""Registration exports from the database against the bare libraries, in the same run.

Targets (issue 11, section 4), over 100,000 registrations (``make bench-full``;
``make bench`` runs 20,000, and 5,000 for the memory check) with five questions
(text, choice, multiple choice, date, checkbox) in a throwaway database:

(a) ``registration_table`` written by ``FORMATS["csv"]`` takes at most 1.3x
    as long as the baseline: the same query through
    ``values_list(...).iterator()`` written straight to ``csv.writer``;
(b) written by ``FORMATS["xlsx"]``, at most 1.25x the same query written
    straight to openpyxl write-only;
(c) the peak traced memory (tracemalloc) of each export at ROWS
    registrations is at most 1.2x that at SMALL_ROWS: rows stream through.

The baseline does none of an export's work: no labels, no time zone, no
answers typed, nothing neutralised, no styled header or widths. It spreads
the answers into a column per question, so that both files hold the same
cells, and for openpyxl only it makes datetimes naive and lists text, since
openpyxl refuses them. Timings are this process's CPU time (a database
server's own time is the same for both, and a busy machine counts less) of
pairs run back to back, each run written to a temporary file on disk; the
ratio that counts is the median of the pairs'.

The database is a SQLite file in a temporary folder, or, when
``DATABASE_URL`` points at PostgreSQL, a throwaway ``bench_export_<pid>``
database made and dropped beside it by Django's test machinery.

    python -m bench export           # through the harness
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import os
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from bench import HEADER, figure, full

# ``make bench-full`` at the 100,000 rows; ``make bench`` at 20,000, its
# memory compared with 5,000 (more than one chunk the export reads at a time).
ROWS = 100_000 if full() else 20_000
SMALL_ROWS = 10_000 if full() else 5_000
XLSX_ROUNDS = 3  # an xlsx of 100,000 rows takes many seconds
CSV_ROUNDS = 9 if full() else 7
CSV_TARGET = 1.3
XLSX_TARGET = 1.25
MEMORY_TARGET = 1.2
SEED_BATCH = 5_000

Write = Callable[[BinaryIO], int]


# --- the database ----------------------------------------------------------------


def _setup_django(folder: Path) -> Callable[[], None]:
    """Django on a throwaway database; returns what drops it."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ["DEBUG"] = "false"  # no query log growing with the rows
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        return lambda: None
    name = connection.settings_dict["NAME"]
    # A name of its own, so that no test run's database (test_<name>) is ever dropped.
    connection.settings_dict["TEST"]["NAME"] = f"bench_export_{os.getpid()}"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return lambda: connection.creation.destroy_test_db(name, verbosity=0)


def _seed_webinar(slug: str, count: int):
    """A webinar with five questions (text, choice, multiple choice, date, checkbox)."""
    from django.utils import timezone

    from bench import bench_host
    from conferencing.base import MeetingKind
    from meetings.models import Meeting
    from portal.accounts.models import SyncState
    from webinars.models import Question, Registration, Webinar

    host = bench_host(f"bench-{slug}", name=f"Bench {slug}")
    customer = host.customer
    start = timezone.now() + dt.timedelta(days=30)
    meeting = Meeting.objects.create(
        customer=customer,
        host=host,
        topic=f"Bench {slug}",
        kind=MeetingKind.WEBINAR,
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
    answer_types = [
        ("Company", Question.AnswerType.SHORT_TEXT, ""),
        ("Role", Question.AnswerType.SINGLE_CHOICE, "Developer\nManager\nOther"),
        ("Topics", Question.AnswerType.MULTIPLE_CHOICE, "A\nB\nC"),
        ("Preferred date", Question.AnswerType.DATE, ""),
        ("Newsletter", Question.AnswerType.CHECKBOX, ""),
    ]
    questions = [
        Question.objects.create(
            webinar=webinar, label=label, answer_type=answer_type, choices=choices, position=i
        )
        for i, (label, answer_type, choices) in enumerate(answer_types, 1)
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


# --- what is measured ------------------------------------------------------------


def _export(fmt: str, webinar) -> Write:
    """The product: ``registration_table`` written by ``FORMATS[fmt]``."""
    from portal.exports.formats import FORMATS
    from webinars.selectors import registration_table

    def write(out: BinaryIO) -> int:
        header, rows = registration_table(webinar)
        return FORMATS[fmt].write(header, rows, out, time_zone=webinar.customer.time_zone)

    return write


def _plain_rows(webinar, *, for_openpyxl: bool) -> tuple[list[str], Iterator[list[object]]]:
    """The export's query through ``values_list().iterator()``, answers spread, nothing else."""
    from webinars.models import Registration
    from webinars.selectors import EXPORT_CHUNK_SIZE, EXPORT_COLUMNS, all_questions

    keys = [str(question.pk) for question in all_questions(webinar)]
    header = [*EXPORT_COLUMNS, *keys]
    rows = (
        Registration.objects.filter(webinar=webinar)
        .order_by("created_at", "pk")
        .values_list(*EXPORT_COLUMNS, "answers")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    if not for_openpyxl:
        return header, ([*fields, *map(answers.get, keys)] for *fields, answers in rows)
    # openpyxl refuses aware datetimes and lists: the least it takes to write them.
    return header, (
        [
            *(v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v for v in fields),
            *(str(v) if isinstance(v, list) else v for v in map(answers.get, keys)),
        ]
        for *fields, answers in rows
    )


def _plain_csv(webinar) -> Write:
    def write(out: BinaryIO) -> int:
        header, rows = _plain_rows(webinar, for_openpyxl=False)
        text = io.TextIOWrapper(out, encoding="utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        text.flush()
        text.detach()
        return count

    return write


def _plain_xlsx(webinar) -> Write:
    from openpyxl import Workbook

    def write(out: BinaryIO) -> int:
        header, rows = _plain_rows(webinar, for_openpyxl=True)
        workbook = Workbook(write_only=True)
        ws = workbook.create_sheet("Registrations")
        ws.append(header)
        count = 0
        for row in rows:
            ws.append(row)
            count += 1
        workbook.save(out)
        return count

    return write


def _read_only(rows_of: Callable[[], Iterator[object]]) -> Write:
    """Where the time goes: the rows read and made, nothing written."""

    def write(out: BinaryIO) -> int:
        return sum(1 for _ in rows_of())

    return write


# --- measuring -------------------------------------------------------------------


def _seconds(write: Write, expected: int) -> float:
    with tempfile.TemporaryFile() as out:
        started = time.process_time()
        count = write(out)
        seconds = time.process_time() - started
    if count != expected:
        raise AssertionError(f"wrote {count:,} rows, not {expected:,}")
    return seconds


def _paired(ours: Write, plain: Write, rounds: int) -> tuple[float, float, float]:
    """The median times of ``rounds`` pairs run back to back, and the median of their ratios.

    On a shared machine the speed drifts over minutes: the two runs of a pair
    see the same machine, and a median shrugs off the odd slow pair.
    """
    pairs = [(_seconds(ours, ROWS), _seconds(plain, ROWS)) for _ in range(rounds)]
    ours_times, plain_times = zip(*pairs, strict=True)
    ratio = statistics.median(o / p for o, p in pairs)
    return statistics.median(ours_times), statistics.median(plain_times), ratio


def _peak_bytes(write: Write) -> int:
    gc.collect()  # the same start for both sizes
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            write(out)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        drop = _setup_django(Path(tmp))
        try:
            from django.db import connection

            from webinars.selectors import registration_table

            started = time.perf_counter()
            large = _seed_webinar("large", ROWS)
            small = _seed_webinar("small", SMALL_ROWS)
            seeded = time.perf_counter() - started
            vendor = connection.vendor

            for fmt in ("csv", "xlsx"):  # warm up: imports, first queries
                _seconds(_export(fmt, small), SMALL_ROWS)
            csv = _paired(_export("csv", large), _plain_csv(large), CSV_ROUNDS)
            xlsx = _paired(_export("xlsx", large), _plain_xlsx(large), XLSX_ROUNDS)
            read = _paired(
                _read_only(lambda: registration_table(large)[1]),
                _read_only(lambda: _plain_rows(large, for_openpyxl=False)[1]),
                CSV_ROUNDS,
            )
            peaks = {
                fmt: (_peak_bytes(_export(fmt, large)), _peak_bytes(_export(fmt, small)))
                for fmt in ("csv", "xlsx")
            }
        finally:
            drop()

    print(
        f"export from {vendor}: {ROWS:,} registrations, 12 fields and 5 questions, seeded in "
        f"{seeded:.0f} s; median CPU seconds and median ratio of {CSV_ROUNDS} (csv) and "
        f"{XLSX_ROUNDS} (xlsx) pairs run back to back; memory in KiB, {ROWS:,} against "
        f"{SMALL_ROWS:,} rows"
    )
    print(HEADER)
    missed = [
        name
        for name, figures, target in (
            ("db -> csv (CPU s)", csv, CSV_TARGET),
            ("db -> xlsx (CPU s)", xlsx, XLSX_TARGET),
        )
        if figure(name, *figures, f"<= {target:.2f}", met=figures[2] <= target)
    ]
    figure("  of which reading the rows (CPU s)", *read)
    for fmt, (large_peak, small_peak) in peaks.items():
        name = f"db -> {fmt} peak memory (KiB)"
        ratio = large_peak / small_peak
        met = ratio <= MEMORY_TARGET
        if figure(
            name,
            large_peak / 1024,
            small_peak / 1024,
            ratio,
            f"<= {MEMORY_TARGET:.2f}",
            met=met,
            digits=0,
        ):
            missed.append(name)
    print(f"  rows per CPU second: csv {ROWS / csv[0]:,.0f}, xlsx {ROWS / xlsx[0]:,.0f}")
    if missed:
        raise SystemExit(f"missed: {', '.join(missed)}")


if __name__ == "__main__":
    run()
