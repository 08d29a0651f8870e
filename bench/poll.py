"""One status-poll round over 1,000 open meetings, against a fake server at 100 ms a call.

Asked one by one that is N × latency = 100 s, longer than the beat interval;
fanned out over POLL_CONCURRENCY connections the floor is N × latency ÷
concurrency. The ratio to that floor is what the fan-out and the bulk writes
cost on top, so it shows regressions that a bare time would hide.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import multiprocessing.synchronize
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conferencing.fakes.server import serve
from conferencing.fakes.turbomeeting import FakeMeeting, FakeTurboMeeting

MEETINGS = 1_000
LATENCY = 0.1  # seconds the fake server takes per call
LIMIT_SECONDS = 5.0


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-poll-") as tmp:
        os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections
        from django.test import override_settings

        from bench import server_row
        from meetings.polling import poll_round

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
        connections.close_all()  # not shared with the forked server
        with (
            _serve_apart(fake) as url,
            # The file lock in a folder of its own: a `make run` cannot skip this round.
            override_settings(VAR_DIR=Path(tmp)),
        ):
            server_row(url, **fake.backend_options())
            report = poll_round()
        concurrency = settings.POLL_CONCURRENCY

    floor = MEETINGS * LATENCY / concurrency
    print(f"meetings     {report.polled}")
    print(f"concurrency  {concurrency}")
    print(f"seconds      {report.seconds:.2f}")
    print(f"floor        {floor:.2f}  (N x latency / concurrency)")
    print(f"ratio        {report.seconds / floor:.2f}")
    print(f"serial       {MEETINGS * LATENCY:.0f}  (N x latency)")
    if report.skipped_locked or report.failed or report.live != MEETINGS:
        raise RuntimeError(f"the round did not poll every meeting: {report}")
    if report.seconds > LIMIT_SECONDS:
        raise RuntimeError(f"one round took {report.seconds:.2f} s, over {LIMIT_SECONDS:.0f} s")


def _open_meetings(count: int) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """Synced meetings running now (so live on the fake): (server ID, start, end)."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench import server_row
    from meetings.models import Meeting
    from portal.accounts.models import Customer, Host, SyncState

    customer = Customer.objects.create(
        server=server_row(),
        name="Bench",
        slug="bench",
        contact_email="it@bench.example",
        sync_state=SyncState.SYNCED,
    )
    user = get_user_model().objects.create_user("host@bench.example", "host@bench.example")
    host = Host.objects.create(user=user, customer=customer)
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
def _serve_apart(fake: FakeTurboMeeting) -> Iterator[str]:
    """Serve ``fake`` on loopback from a forked process; yield its URL.

    A real meeting server runs elsewhere: in this process the fake's request
    handling would take the GIL from the round being measured.
    """
    context = multiprocessing.get_context("fork")
    urls = context.Queue()
    stop = context.Event()
    process = context.Process(target=_serve_until, args=(fake, urls, stop), daemon=True)
    process.start()
    try:
        yield urls.get(timeout=30)
    finally:
        stop.set()
        process.join(timeout=5)


def _serve_until(
    fake: FakeTurboMeeting, urls: multiprocessing.Queue, stop: multiprocessing.synchronize.Event
) -> None:
    with serve(fake, host="127.0.0.1") as server:
        urls.put(server.url)
        stop.wait()
