"""Keeping local records and the meeting server in step.

The database is the record of what the portal promised. A push to the server
first *claims* the row with a conditional UPDATE (so two workers never push
the same row at once, on SQLite and PostgreSQL alike, without holding a
transaction open over the network call), then records success, or the reason
for failure and when to try again (exponential backoff). A periodic Celery
task pushes every row whose next attempt is due, so nothing depends on a
queued message surviving.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import models, transaction
from django.utils import timezone

from conferencing.base import (
    ConferencingError,
    MeetingRunning,
    ServerRefused,
    ServerUnavailable,
    detail,
)
from portal import queueing
from portal.accounts.models import Synced, SyncState

log = logging.getLogger(__name__)

S = TypeVar("S", bound=Synced)

CLAIM_SECONDS = 120  # longer than any one push can take (timeouts x retries)
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600


class NeedsAttention(Exception):
    """A push that must not be tried again blindly; ``str`` tells the person what to decide.

    The row goes to "needs attention" and leaves the retry sweep until a
    person resolves it (for a customer: the admin's "Resolve").
    """


def backoff(attempts: int) -> dt.timedelta:
    """Delay before attempt number ``attempts + 1``: 30 s, 60 s, 2 min, ... up to an hour."""
    exponent = max(0, attempts - 1)
    return dt.timedelta(
        seconds=min(BACKOFF_BASE_SECONDS * 2 ** min(exponent, 16), BACKOFF_MAX_SECONDS)
    )


def mark_pending(obj: Synced) -> None:
    """A new row: the server must catch up with it; due at once."""
    obj.sync_state = SyncState.PENDING
    obj.next_sync_at = timezone.now()


def save_change(obj: Synced, fields: Iterable[str]) -> None:
    """Save ``fields`` of an existing row and make it due, bumping its version.

    Only the named fields are written, never those a push or the poller own
    (the server's IDs, claims, live state), which may have moved on since
    ``obj`` was read.
    """
    if obj.sync_state != SyncState.ATTENTION:  # kept until a person resolves it
        obj.sync_state = SyncState.PENDING
        obj.next_sync_at = timezone.now()
    obj.sync_version = models.F("sync_version") + 1
    bookkeeping = ["sync_state", "next_sync_at", "sync_version"]
    if hasattr(obj, "updated_at"):
        bookkeeping.append("updated_at")
    obj.save(update_fields=[*fields, *bookkeeping])
    obj.refresh_from_db(fields=["sync_version"])


def claim(model: type[S], pk: int) -> S | None:
    """Take the row for one push, or None if another worker holds it or it is gone."""
    now = timezone.now()
    taken = (
        model.objects.filter(pk=pk)
        .filter(models.Q(sync_claimed_until__isnull=True) | models.Q(sync_claimed_until__lt=now))
        .update(sync_claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS))
    )
    if not taken:
        return None
    return model.objects.get(pk=pk)


def push(
    obj: S,
    action: Callable[[S], None],
    *,
    explain: Callable[[ConferencingError], str] | None = None,
) -> S:
    """Run ``action`` (the server calls) on a claimed row and record how it went.

    ``explain`` puts a failure into the words the row keeps for the people who read
    it (a host: their server's sentence, as a message id translated when shown); the
    raw error always goes to the log, and to ``sync_detail`` on a row that has one (for
    staff, in the admin).

    A row that needs attention is left alone: only a person's decision
    (``resolve``) makes it due again.

    The outcome is written only if the row's version is still the one that
    was pushed; otherwise a change came in meanwhile, and the row stays
    pending and due at once, so that change is pushed too.
    """
    model = type(obj)
    pushed = model.objects.filter(pk=obj.pk, sync_version=obj.sync_version)
    now = timezone.now()
    if obj.sync_state == SyncState.ATTENTION:
        model.objects.filter(pk=obj.pk).update(sync_claimed_until=None)
        return obj
    try:
        action(obj)
    except NeedsAttention as exc:
        log.warning("%s %s needs attention: %s", model.__name__, obj.pk, exc)
        model.objects.filter(pk=obj.pk).update(
            sync_state=SyncState.ATTENTION,
            sync_error=str(exc),
            sync_attempts=obj.sync_attempts + 1,
            next_sync_at=None,
            sync_claimed_until=None,
            **_detail(obj, ""),
        )
        obj.refresh_from_db()
        return obj
    except ConferencingError as exc:
        attempts = obj.sync_attempts + 1
        error = (explain or describe)(exc)
        log.warning("%s %s not in step with the server: %s", model.__name__, obj.pk, detail(exc))
        recorded = pushed.update(
            # Waiting, not failed: the server is down, or takes it once the meeting ends.
            sync_state=SyncState.PENDING
            if isinstance(exc, ServerUnavailable | MeetingRunning)
            else SyncState.FAILED,
            sync_error=error,
            sync_attempts=attempts,
            next_sync_at=now + backoff(attempts),
            sync_claimed_until=None,
            **_detail(obj, detail(exc)),
        )
    else:
        recorded = pushed.update(
            sync_state=SyncState.SYNCED,
            sync_error="",
            sync_attempts=0,
            next_sync_at=None,
            synced_at=now,
            sync_claimed_until=None,
            **_detail(obj, ""),
        )
    if not recorded:
        model.objects.filter(pk=obj.pk).update(sync_claimed_until=None, next_sync_at=now)
    obj.refresh_from_db()
    return obj


def resolve(obj: Synced, fields: Iterable[str] = ()) -> None:
    """A person has decided about a row that needed attention: save ``fields`` and make
    it due at once."""
    obj.sync_state = SyncState.PENDING
    obj.sync_error = ""
    obj.sync_attempts = 0
    obj.next_sync_at = timezone.now()
    cleared = _detail(obj, "")
    for name, value in cleared.items():
        setattr(obj, name, value)
    obj.save(
        update_fields=[
            *fields,
            "sync_state",
            "sync_error",
            "sync_attempts",
            "next_sync_at",
            *cleared,
        ]
    )


def _detail(obj: Synced, text: str) -> dict[str, str]:
    """``sync_detail=text`` for a row that keeps the raw detail of its last failure for
    staff (a meeting), beside the sentence its host reads; nothing for one that does not."""
    return {"sync_detail": text} if hasattr(obj, "sync_detail") else {}


def describe(exc: ConferencingError) -> str:
    """A sentence for the person looking at the record."""
    if isinstance(exc, ServerUnavailable):
        return f"The meeting server could not be reached ({exc}); will retry automatically."
    if isinstance(exc, ServerRefused):
        return f"The meeting server refused: {exc.reason}"
    return f"The meeting server answered something unexpected ({exc}); will retry."


def due(model: type[S], limit: int = 100) -> list[int]:
    """Ids of rows whose next push is due."""
    return list(
        model.objects.exclude(sync_state__in=[SyncState.SYNCED, SyncState.ATTENTION])
        .filter(next_sync_at__lte=timezone.now())
        .order_by("next_sync_at")
        .values_list("pk", flat=True)[:limit]
    )


def queue_push(task_name: str, pk: int) -> None:
    """Queue the task named ``task_name`` with ``pk`` once the current transaction commits.

    A broker that is down costs nothing: the row is already due, and the
    periodic sweep pushes it when the broker is back.
    """

    def enqueue() -> None:
        try:
            queueing.queue(task_name, pk)
        except Exception:  # noqa: BLE001  (kombu raises many types)
            log.warning("could not queue %s(%s); the periodic sweep will push it", task_name, pk)

    transaction.on_commit(enqueue)
