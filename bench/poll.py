"""One status-poll round over 1,000 (10,000) open meetings, against a fake server at 100 ms a call.

Asked one by one that is N × latency = 100 s (1,000 s), longer than the beat
interval; fanned out over POLL_CONCURRENCY connections in each of WORKERS
processes sharing the round, as Celery workers do (POLL_WORKERS), the floor is
N × latency ÷ (WORKERS × concurrency). The ratio to that floor is what the
fan-out, the claims and the bulk writes cost on top, so it shows regressions
that a bare time would hide. The round must end within 5 s (make bench) or
within the beat's POLL_INTERVAL_SECONDS (make bench-full), and the fake server
checks that no meeting was asked twice.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import multiprocessing.synchronize
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench import HEADER, figure, full
from conferencing.fakes.server import serve
from conferencing.fakes.turbomeeting import FakeMeeting, FakeTurboMeeting
from conferencing.turbomeeting.client import PATHS

MEETINGS = 10_000 if full() else 1_000
LATENCY = 0.1  # seconds the fake server takes per call
WORKERS = 2  # processes sharing the round, as Celery workers with POLL_WORKERS=2


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-poll-") as tmp:
        os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections

        from bench import server_row

        call_command("migrate", verbosity=0)
        fake = FakeTurboMeeting(partner_id="bench-partner", integration_code="bench-code")
        for server_meeting_id, start, end in _open_meetings(MEETINGS):
            fake.meetings[server_meeting_id] = FakeMeeting(
                meeting_id=server_meeting_id,
                host_email="host@bench.example",
                topic="Bench",
                meeting_type=0,
                start=start,
                end=end,
                is_recurring=False,
            )
        fake.latency = LATENCY
        connections.close_all()  # not shared with the forked server and workers
        with _serve_apart(fake) as (url, asked):
            server_row(url, **fake.backend_options())
            connections.close_all()
            reports, seconds = _shared_round()
        concurrency = settings.POLL_CONCURRENCY
        limit_seconds = settings.POLL_INTERVAL_SECONDS if full() else 5.0
    calls = asked()

    floor = MEETINGS * LATENCY / (WORKERS * concurrency)
    print(
        f"poll: one round over {MEETINGS:,} meetings at {LATENCY * 1000:.0f} ms a call, shared "
        f"by {WORKERS} worker processes with {concurrency} calls in flight each (polled "
        f"{' + '.join(str(r.polled) for r in reports)}); the floor is N x latency / "
        f"({WORKERS} x {concurrency}), one by one {MEETINGS * LATENCY:.0f} s"
    )
    print(HEADER)
    figure("poll round against its floor (s)", seconds, floor, seconds / floor)
    met = seconds <= limit_seconds
    missed = figure(
        "poll round against its limit (s)",
        seconds,
        limit_seconds,
        seconds / limit_seconds,
        f"<= {limit_seconds:.0f} s",
        met=met,
        digits=2,
    )
    twice = sum(n > 1 for n in calls.values())
    figure("meetings asked twice in the round", twice, 0, 0, "= 0", met=twice == 0, digits=0)
    if any(r.failed for r in reports) or sum(r.live for r in reports) != MEETINGS:
        raise RuntimeError(f"the round did not poll every meeting: {reports}")
    if len(calls) != MEETINGS:
        raise RuntimeError(f"the server was asked about {len(calls)} of {MEETINGS} meetings")
    if missed or twice:
        raise SystemExit(f"missed: one round took {seconds:.2f} s; {twice} meetings asked twice")


def _shared_round() -> tuple[list, float]:
    """WORKERS processes share one round (polling.poll_share, as the Celery workers do);
    its reports, and the seconds until the last one is done."""
    from django.utils import timezone

    from meetings.polling import poll_share

    context = multiprocessing.get_context("fork")
    reports = context.Queue()
    round_at = timezone.now()
    started = time.monotonic()

    def share() -> None:
        reports.put(poll_share(round_at=round_at))

    others = [context.Process(target=share, daemon=True) for _ in range(WORKERS - 1)]
    for process in others:
        process.start()
    done = [poll_share(round_at=round_at)]
    done += [reports.get(timeout=600) for _ in others]
    seconds = time.monotonic() - started
    for process in others:
        process.join(timeout=30)
    return done, seconds


def _open_meetings(count: int) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """Synced meetings running now (so live on the fake): (server ID, start, end)."""
    from django.utils import timezone

    from bench import bench_host
    from meetings.models import Meeting
    from portal.accounts.models import SyncState

    host = bench_host()
    customer = host.customer
    start = timezone.now() - dt.timedelta(minutes=10)
    end = start + dt.timedelta(hours=1)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            customer=customer,
            host=host,
            topic=f"Bench {number}",
            server_meeting_id=str(200_000_000 + number),
            starts_at=start,
            ends_at=end,
            sync_state=SyncState.SYNCED,
        )
        for number in range(count)
    )
    return [(m.server_meeting_id, start, end) for m in meetings]


@contextmanager
def _serve_apart(fake: FakeTurboMeeting) -> Iterator[tuple[str, Callable[[], Counter]]]:
    """Serve ``fake`` on loopback from a forked process; yield its URL, and a function that
    stops it and returns how often it was asked about each meeting.

    A real meeting server runs elsewhere: in this process the fake's request
    handling would take the GIL from the round being measured.
    """
    context = multiprocessing.get_context("fork")
    urls = context.Queue()
    stop = context.Event()
    process = context.Process(target=_serve_until, args=(fake, urls, stop), daemon=True)
    process.start()

    def asked() -> Counter:
        stop.set()
        return urls.get(timeout=30)

    try:
        yield urls.get(timeout=30), asked
    finally:
        stop.set()
        process.join(timeout=5)


def _serve_until(
    fake: FakeTurboMeeting, urls: multiprocessing.Queue, stop: multiprocessing.synchronize.Event
) -> None:
    with serve(fake, host="127.0.0.1") as server:
        urls.put(server.url)
        stop.wait()
    path = PATHS["meeting_status"].path
    urls.put(Counter(r.params["meeting_id"] for r in fake.requests if r.path == path))
