"""A large export as the background job a host starts: time, memory and progress.

``make bench-full`` runs 1,000,000 registrations (and 100,000 for the memory
check), ``make bench`` 20,000 (and 5,000), on PostgreSQL when
``DATABASE_URL`` points at it (a throwaway database), else on SQLite:

(a) the job (``portal.exports.services.export_run``: the "registrations"
    exporter written as CSV to storage, its progress recorded) against the
    same query written straight to ``csv.writer``, in CPU seconds (info:
    the 1.3x target is ``bench export``'s, at its size);
(b) the peak traced memory of the job at ROWS is at most 1.2x that at
    SMALL_ROWS: rows stream from the database to the file;
(c) progress: how many different ``rows_done`` values a second connection
    saw while the job ran (at least one between 0 and the end: the bar moves).
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from bench import HEADER, figure, full
from bench.export import _peak_bytes, _plain_csv, _seconds, _seed_webinar, _setup_django

ROWS = 1_000_000 if full() else 20_000
SMALL_ROWS = 100_000 if full() else 5_000
MEMORY_TARGET = 1.2


def _job(webinar):
    """Writes one export job of ``webinar`` as CSV, the way the Celery task does."""
    from django.contrib.contenttypes.models import ContentType

    from portal.exports.models import ExportJob
    from portal.exports.services import export_run

    def write(out) -> int:
        job = ExportJob.objects.create(
            exporter="registrations",
            content_type=ContentType.objects.get_for_model(webinar),
            object_id=webinar.pk,
            format="csv",
        )
        job = export_run(job_id=job.pk)
        if job.status != "done":
            raise AssertionError(job.error)
        job.file.delete(save=False)
        return job.rows_done

    return write


def _progress_seen(write, expected: int) -> set[int]:
    """The ``rows_done`` values another connection saw while ``write`` ran."""
    from django.db import connection

    from portal.exports.models import ExportJob

    seen: set[int] = set()
    done = threading.Event()

    def watch() -> None:
        try:
            while not done.is_set():
                latest = ExportJob.objects.order_by("-pk").values_list("rows_done").first()
                if latest:
                    seen.add(latest[0])
                time.sleep(0.05)
        finally:
            connection.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        _seconds(write, expected)
    finally:
        done.set()
        watcher.join()
    return seen


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-export-job-") as tmp:
        drop = _setup_django(Path(tmp))
        try:
            from django.db import connection

            started = time.perf_counter()
            large = _seed_webinar("large", ROWS)
            small = _seed_webinar("small", SMALL_ROWS)
            seeded = time.perf_counter() - started
            vendor = connection.vendor

            _seconds(_job(small), SMALL_ROWS)  # warm up
            ours = _seconds(_job(large), ROWS)
            plain = _seconds(_plain_csv(large), ROWS)
            peaks = _peak_bytes(_job(large)), _peak_bytes(_job(small))
            progress = _progress_seen(_job(large), ROWS)
        finally:
            drop()

    print(
        f"export job from {vendor}: {ROWS:,} registrations as CSV through the background "
        f"job, seeded in {seeded:.0f} s; CPU seconds; memory in KiB, {ROWS:,} against "
        f"{SMALL_ROWS:,} rows"
    )
    print(HEADER)
    figure("job db -> csv file (CPU s)", ours, plain, ours / plain)
    ratio = peaks[0] / peaks[1]
    missed = figure(
        "job peak memory (KiB)",
        peaks[0] / 1024,
        peaks[1] / 1024,
        ratio,
        f"<= {MEMORY_TARGET:.2f}",
        met=ratio <= MEMORY_TARGET,
        digits=0,
    )
    moving = sorted(value for value in progress if 0 < value < ROWS)
    print(
        f"  progress seen by another connection: {len(moving)} values between 0 and "
        f"{ROWS:,} ({', '.join(f'{v:,}' for v in moving[:5])}{', ...' if len(moving) > 5 else ''})"
    )
    if not moving:
        missed = True
        print("  MISSED: no progress was seen while the job ran")
    print(f"  rows per CPU second: {ROWS / ours:,.0f}")
    if missed:
        raise SystemExit("missed: export job")
