"""Active-meeting status polling: the only writer of a meeting's live state.

Pages read the stored state and never call the server per meeting, so one
beat-scheduled round asks the server about every meeting that may be live,
fanned out over the backend's one pooled session, and writes the answers back
with one ORM ``update()`` per kind of change. Threads only talk HTTP; the database
is touched in the calling thread alone, so no connection leaks per thread.

A round can be shared by several Celery workers (POLL_WORKERS): each claims
meetings, POLL_CLAIM_SIZE at a time, that the round has not taken on yet
(``select_for_update(skip_locked=True)``, then one UPDATE of ``poll_round_at``;
on SQLite the IMMEDIATE transaction serialises the claims instead), so no
meeting is asked twice in a round, however many workers share it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import threading
import time
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from conferencing.base import (
    Backend,
    Capability,
    ConferencingError,
    MeetingStatus,
    ServerUnavailable,
)
from meetings import webhooks
from meetings.models import LiveState, Meeting, MeetingSample
from portal import queueing, servers
from portal.accounts.models import Customer, SyncState, publication_changed

log = logging.getLogger(__name__)

BREAKER_AFTER = 3  # unreachable answers in one round before the rest are not asked
LIVE_FIELDS = [
    "live_state",
    "attendees",
    "last_polled_at",
    "last_seen_active_at",
    "inactive_polls",
    "server_silent_since",
]


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


def _pollable() -> models.QuerySet[Meeting]:
    """Meetings the server knows and the poller still looks after.

    Whatever the portal still has to send them: a change waiting for the server (or
    refused by it) does not stop the server from saying who is in the meeting now.
    """
    return (
        Meeting.objects.filter(cancelled_at__isnull=True)
        .exclude(server_meeting_id="")
        .exclude(live_state=LiveState.ENDED)
    )


#: The furthest before its start a meeting can be polled: its day began at most this long ago.
EARLY_HORIZON = dt.timedelta(hours=24)


def _claim(
    round_at: dt.datetime,
    customers: dict[int, Customer],
    backends: dict[int | None, Backend | None],
) -> tuple[int, list[Meeting]]:
    """Take on up to POLL_CLAIM_SIZE meetings the round has not taken on yet; returns how many,
    and those to ask about, each with ``server_backend`` (its server's, if it reports live
    status). A meeting taken on whose window is not open counts as done for the round."""
    after = dt.timedelta(minutes=settings.POLL_WINDOW_AFTER_MINUTES)
    window_open = models.Q(starts_at__lte=round_at + EARLY_HORIZON, ends_at__gte=round_at - after)
    not_taken = models.Q(poll_round_at__isnull=True) | models.Q(poll_round_at__lt=round_at)
    with transaction.atomic():
        meetings = list(
            _pollable()
            .filter(models.Q(is_recurring=True) | window_open | models.Q(live_state=LiveState.LIVE))
            .filter(not_taken)
            .select_for_update(skip_locked=True)  # rows another worker is claiming
            .order_by("pk")
            .only("customer_id", "server_meeting_id", "is_recurring", "starts_at", *LIVE_FIELDS)[
                : settings.POLL_CLAIM_SIZE
            ]
        )
        if meetings:
            Meeting.objects.filter(pk__in=[m.pk for m in meetings]).update(poll_round_at=round_at)
    unknown = {m.customer_id for m in meetings} - customers.keys()
    if unknown:
        customers.update(Customer.objects.select_related("server").in_bulk(unknown))
    due = [m for m in meetings if _in_window(m, customers[m.customer_id], round_at)]
    for meeting in due:
        customer = customers[meeting.customer_id]
        if customer.server_id not in backends:
            backends[customer.server_id] = _status_backend(customer)
        meeting.server_backend = backends[customer.server_id]
    return len(meetings), [m for m in due if m.server_backend is not None]


def _status_backend(customer: Customer) -> Backend | None:
    """The customer's server's backend if it reports live status; None if it cannot, or
    if its record cannot make one (a key gone, a backend no longer installed): that
    server's meetings wait, the others are asked."""
    try:
        if Capability.LIVE_STATUS not in servers.capabilities(customer):
            return None
        return servers.backend(customer)
    except (ValueError, LookupError, ImproperlyConfigured) as exc:
        log.warning("status poll: cannot ask %s's meeting server: %s", customer, exc)
        return None


def _in_window(meeting: Meeting, customer: Customer, now: dt.datetime) -> bool:
    """Whether to ask about ``meeting`` this round.

    Every round from POLL_WINDOW_BEFORE_MINUTES before its start (and while it
    is live, and for recurring rooms). Before that, a host may already have
    started it: from the customer's early-polling minutes before the start, or
    from the start of the meeting's day in the customer's zone, it is asked at
    the slower POLL_EARLY_INTERVAL_SECONDS.
    """
    if meeting.is_recurring or meeting.live_state == LiveState.LIVE:
        return True
    start = meeting.starts_at
    if now >= start - dt.timedelta(minutes=settings.POLL_WINDOW_BEFORE_MINUTES):
        return True
    if customer.early_polling_minutes is not None:
        early_from = start - dt.timedelta(minutes=customer.early_polling_minutes)
    else:
        local = start.astimezone(zoneinfo.ZoneInfo(customer.time_zone))
        early_from = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if now < early_from:
        return False
    slow = dt.timedelta(seconds=settings.POLL_EARLY_INTERVAL_SECONDS)
    return meeting.last_polled_at is None or now - meeting.last_polled_at >= slow


def _ask(meetings: list[Meeting]) -> tuple[dict[int, MeetingStatus], list[ConferencingError]]:
    """Statuses by meeting pk, and the errors of those that got none."""
    answers: dict[int, MeetingStatus] = {}
    errors: list[ConferencingError] = []
    if not meetings:
        return answers, errors
    breakers: dict[int, _Breaker] = {}  # one per server: id() of its backend
    with ThreadPoolExecutor(
        max_workers=settings.POLL_CONCURRENCY, thread_name_prefix="meetings-poll"
    ) as pool:
        futures = []
        for m in meetings:
            breaker = breakers.setdefault(id(m.server_backend), _Breaker())
            ask = m.server_backend.meeting_status
            futures.append((m.pk, pool.submit(breaker.call, ask, m.server_meeting_id)))
        for pk, future in futures:
            try:
                status = future.result()
            except ConferencingError as exc:
                errors.append(exc)
                continue
            if status is not None:
                answers[pk] = status
    return answers, errors


class _Breaker:
    """Stops asking once the server was unreachable BREAKER_AFTER times this round.

    A down server then costs about one call's timeout, not one per meeting.
    It counts in the worker threads, so asking stops as soon as it trips, not
    when the main thread gets round to the failed futures.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._unreachable = 0

    def call(self, ask: Callable[[str], MeetingStatus], meeting_id: str) -> MeetingStatus | None:
        if self._unreachable >= BREAKER_AFTER:
            return None
        try:
            return ask(meeting_id)
        except ServerUnavailable:
            with self._lock:
                self._unreachable += 1
            raise


def _store(
    meetings: list[Meeting], answers: dict[int, MeetingStatus], now: dt.datetime
) -> tuple[int, int]:
    """Write every answer and its chart sample; (live, ended) counts."""
    if not meetings:
        return 0, 0
    answered = [m for m in meetings if m.pk in answers]
    before = {m.pk: _live_values(m) for m in answered}
    ended = sum(_apply(m, answers[m.pk], now) for m in answered)
    samples = [
        MeetingSample(
            meeting=m,
            taken_at=now,
            active=answers[m.pk].active,
            attendees=answers[m.pk].attendees if answers[m.pk].active else 0,
        )
        for m in answered
    ]
    # What the feeds show of a meeting's live state.
    shown = ("live_state", "attendees", "server_silent_since")
    changed = {
        m.customer_id for m in answered if any(before[m.pk][f] != getattr(m, f) for f in shown)
    }
    # Live, due, and no answer (an error, or not asked once the breaker tripped): from now
    # on pages and feeds say when it was last seen live, until an answer comes again.
    silent = [
        m
        for m in meetings
        if m.pk not in answers and m.live_state == LiveState.LIVE and m.server_silent_since is None
    ]
    changed |= {m.customer_id for m in silent}
    with transaction.atomic():
        _save_live_fields(answered, before)
        webhooks.meetings_went_live_or_ended(answered, before)
        Meeting.objects.filter(pk__in=[m.pk for m in silent]).update(server_silent_since=now)
        # A change that waited for the meeting's end (the server refused it while it ran)
        # goes out now, not at its next backoff.
        over = [m.pk for m in answered if before[m.pk]["live_state"] == "live" and not m.is_live]
        Meeting.objects.filter(pk__in=over, sync_state=SyncState.PENDING).update(next_sync_at=now)
        publication_changed(changed)
        MeetingSample.objects.bulk_create(samples)
    return sum(m.live_state == LiveState.LIVE for m in answered), ended


def _expire_unseen(now: dt.datetime) -> int:
    """Never seen live and its window is over: ended, without asking the server again.
    Past their end, they are out of the feeds already: no new publication version."""
    after = dt.timedelta(minutes=settings.POLL_WINDOW_AFTER_MINUTES)
    return (
        _pollable()
        .filter(live_state=LiveState.SCHEDULED, is_recurring=False, ends_at__lt=now - after)
        .update(live_state=LiveState.ENDED, attendees=0)
    )


def _live_values(meeting: Meeting) -> dict[str, object]:
    return {name: getattr(meeting, name) for name in LIVE_FIELDS}


def _save_live_fields(meetings: list[Meeting], before: dict[int, dict[str, object]]) -> None:
    """Write what each answer changed: one ``update()`` per kind of change.

    Meetings that got the same kind of answer change the same fields the same
    way (polled and still not live; seen live again; one more inactive answer),
    but for their attendee counts, which a CASE sets meeting by meeting. So a
    round costs a few statements, however many meetings it asked about.
    """
    groups: dict[tuple[tuple[str, object], ...], list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        was = before[meeting.pk]
        changes = tuple(
            (name, value)
            for name, value in _live_values(meeting).items()
            if name != "attendees" and value != was[name]
        )
        groups[changes].append(meeting)
    for changes, group in groups.items():
        by_count: dict[int, list[int]] = defaultdict(list)
        for meeting in group:
            by_count[meeting.attendees].append(meeting.pk)
        attendees = Case(*(When(pk__in=pks, then=Value(n)) for n, pks in by_count.items()))
        Meeting.objects.filter(pk__in=[m.pk for m in group]).update(
            **dict(changes), attendees=attendees
        )


def _apply(meeting: Meeting, status: MeetingStatus, now: dt.datetime) -> bool:
    """Move ``meeting`` on by one answer; True if that ended it.

    One inactive answer is not enough: people drop out and rejoin, so a live
    meeting ends only after POLL_ENDED_AFTER inactive answers in a row. A
    recurring meeting is a room that opens again, so it goes back to scheduled
    (still polled) instead of ended (never polled again).
    """
    meeting.last_polled_at = now
    meeting.server_silent_since = None
    if status.active:
        meeting.live_state = LiveState.LIVE
        meeting.attendees = status.attendees
        meeting.last_seen_active_at = now
        meeting.inactive_polls = 0
        return False
    if meeting.live_state != LiveState.LIVE:
        return False
    meeting.inactive_polls += 1
    if meeting.inactive_polls < settings.POLL_ENDED_AFTER:
        return False
    meeting.live_state = LiveState.SCHEDULED if meeting.is_recurring else LiveState.ENDED
    meeting.attendees = 0
    return True


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
