"""A poll round shared by several workers: each meeting is asked once, whoever asks it."""

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection
from django.utils import timezone

from conferencing.turbomeeting.client import PATHS
from meetings import polling
from meetings.models import LiveState, Meeting
from tests.factories import HostFactory, MeetingFactory, put_on_fake_server

MEETINGS = 40


@pytest.fixture(autouse=True)
def _poll_settings(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.POLL_CLAIM_SIZE = 4  # many claims each, so the two workers interleave
    settings.POLL_CONCURRENCY = 4


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's in-memory test database locks whole tables between threads; on a SQLite "
    "file the IMMEDIATE transactions queue the claims (bench/poll.py shares a round there)",
)
@pytest.mark.django_db(transaction=True)
def test_two_workers_sharing_a_round_never_ask_about_a_meeting_twice(fake_tm):
    host = HostFactory()
    start = timezone.now() - dt.timedelta(minutes=5)
    for _ in range(MEETINGS):
        meeting = MeetingFactory(host=host, starts_at=start, ends_at=start + dt.timedelta(hours=1))
        put_on_fake_server(fake_tm, meeting)
    fake_tm.latency = 0.01  # the other worker claims while this one waits for answers
    round_at = timezone.now()
    reports, failures = [], []
    ready = threading.Barrier(2)

    def worker() -> None:
        try:
            ready.wait()
            reports.append(polling.poll_share(round_at=round_at))
        except Exception as exc:  # noqa: BLE001  (reported below, in the test's thread)
            failures.append(exc)
        finally:
            connection.close()  # this thread's own

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures
    path = PATHS["meeting_status"].path
    asked = Counter(r.params["meeting_id"] for r in fake_tm.requests if r.path == path)
    assert len(asked) == MEETINGS and max(asked.values()) == 1, asked.most_common(3)
    assert sum(r.polled for r in reports) == MEETINGS
    assert Meeting.objects.filter(live_state=LiveState.LIVE).count() == MEETINGS
    # The round is done: a late worker finds nothing left to claim.
    assert polling.poll_share(round_at=round_at).polled == 0
    # The next round asks again.
    assert polling.poll_share(round_at=timezone.now()).polled == MEETINGS
