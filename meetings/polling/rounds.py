"""A round and a worker's share of it: the lock that keeps rounds apart, claiming, asking
and storing chunk by chunk, and the round's report."""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import redis
from django.conf import settings
from django.utils import timezone

from conferencing.base import Backend, ConferencingError
from meetings.polling.asking import _ask, _claim
from meetings.polling.storing import _expire_unseen, _store
from portal import queueing
from portal.accounts.models import Customer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PollReport:
    polled: int = 0  # meetings due this round (answered or not)
    live: int = 0  # of those, live after the round
    ended: int = 0  # marked ended this round, confirmed or expired unseen
    failed: int = 0  # due but without an answer (error, or not asked after the breaker)
    skipped_locked: bool = False
    seconds: float = 0.0


class PollLock:
    """Keeps rounds from overlapping when beat fires again while a slow round runs.

    With Redis it is redis-py's ``Lock``, which every worker machine sees:
    taken with SET NX, released atomically only by its holder, and freed by
    its timeout if a worker dies mid-round (the timeout outlasts Celery's
    hard time limit, which bounds a round). Without Redis the embedded setup
    runs on one machine, so a ``flock`` on a file under ``VAR_DIR`` serves
    instead; the OS drops it when the process dies.
    """

    key = "meetings:poll-round"

    def __init__(self) -> None:
        self._redis_lock: redis.lock.Lock | None = None
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if settings.REDIS_URL:
            lock = redis.Redis.from_url(settings.REDIS_URL).lock(
                self.key, timeout=settings.CELERY_TASK_TIME_LIMIT + 60, blocking=False
            )
            if not lock.acquire():
                return False
            self._redis_lock = lock
            return True
        path = Path(settings.VAR_DIR) / "poll.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        elif self._redis_lock is not None:
            try:
                self._redis_lock.release()
            except redis.exceptions.LockError:
                log.warning("status poll: the round outlived its lock; another may have run")
            self._redis_lock = None


def poll_round(*, now: dt.datetime | None = None) -> PollReport:
    """One round; never raises for server trouble, so beat keeps its schedule.

    Each customer's meetings are asked of that customer's server, all servers
    at once over one thread pool, each with its own circuit breaker: a server
    that is down costs its own meetings an answer, not the others' time.
    Meetings on a server that cannot report live status are not asked.
    POLL_WORKERS - 1 more workers are asked to share the round (poll_share).
    """
    started = time.monotonic()
    now = now or timezone.now()
    lock = PollLock()
    if not lock.acquire():
        log.info("status poll: the previous round is still running; skipped")
        return PollReport(skipped_locked=True, seconds=time.monotonic() - started)
    try:
        for _ in range(settings.POLL_WORKERS - 1):
            queueing.queue(SHARE_TASK, now.isoformat())
        return poll_share(round_at=now)
    finally:
        lock.release()


SHARE_TASK = "meetings.tasks.meetings_poll_share"


def poll_share(*, round_at: dt.datetime) -> PollReport:
    """A worker's share of the round that started at ``round_at``: claim meetings that no
    worker has taken on in this round, ask about them, store the answers; until none is left.
    """
    started = time.monotonic()
    polled = live = ended = failed = 0
    errors: list[ConferencingError] = []
    customers: dict[int, Customer] = {}
    backends: dict[int | None, Backend | None] = {}
    while True:
        claimed, meetings = _claim(round_at, customers, backends)
        answers, chunk_errors = _ask(meetings)
        chunk_live, chunk_ended = _store(meetings, answers, round_at)
        polled, live, ended = polled + len(meetings), live + chunk_live, ended + chunk_ended
        failed += len(meetings) - len(answers)
        errors += chunk_errors
        if claimed < settings.POLL_CLAIM_SIZE:  # the rest, if any, another worker holds
            break
    ended += _expire_unseen(round_at)
    if failed:
        _log_failures(failed, polled, errors)
    return PollReport(
        polled=polled,
        live=live,
        ended=ended,
        failed=failed,
        seconds=time.monotonic() - started,
    )


def _log_failures(failed: int, due: int, errors: list[ConferencingError]) -> None:
    """One line per round, not per meeting; backend error messages carry no secrets."""
    reasons = Counter(type(exc).__name__ for exc in errors)
    if failed > len(errors):
        reasons["not asked (server unreachable)"] = failed - len(errors)
    log.warning(
        "status poll: no answer for %d of %d meetings (%s); e.g. %s",
        failed,
        due,
        ", ".join(f"{count} {reason}" for reason, count in reasons.items()),
        errors[0] if errors else "-",
    )
