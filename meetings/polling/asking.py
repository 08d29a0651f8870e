"""What a round asks about and how: claiming meetings, whose window is open, each server's
backend, and the questions fanned out over a thread pool with a breaker per server."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import zoneinfo
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction

from conferencing.base import (
    Backend,
    Capability,
    ConferencingError,
    MeetingStatus,
    ServerUnavailable,
)
from meetings.models import LiveState, Meeting
from meetings.polling.storing import LIVE_FIELDS, _pollable
from portal import servers
from portal.accounts.models import Customer

log = logging.getLogger(__name__)

BREAKER_AFTER = 3  # unreachable answers in one round before the rest are not asked


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
