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

The same measurements over rows read from the database (a registrations
queryset's ``.iterator()``) will be a separate function here once the
Registration model exists; these figures are the exporter's own cost.

    python bench/export.py           # alone
    python -m bench export           # through the harness
"""

from __future__ import annotations

import csv
import datetime as dt
import io
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
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            write(rows(count, pools), out)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def run() -> None:
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
    if failed:
        raise AssertionError(f"above target: {', '.join(failed)}")


if __name__ == "__main__":
    run()
