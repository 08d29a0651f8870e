"""Celery tasks of meetings: they take ids and call services (or the poller).

Services queue them by name (``portal.queueing``), so this module imports the
services and never the other way round; apps.py imports it to register them.
"""

import datetime as dt

from celery import shared_task
from django.conf import settings

from meetings import polling, services


@shared_task(name="meetings.tasks.meeting_push", ignore_result=True)
def meeting_push(meeting_id: int) -> None:
    services.meeting_push(meeting_id=meeting_id)


@shared_task(name="meetings.tasks.meetings_sync_due", ignore_result=True)
def meetings_sync_due() -> int:
    return services.meetings_push_due()


@shared_task(name="meetings.tasks.meetings_poll", ignore_result=True)
def meetings_poll() -> None:
    """Beat: one round of active-meeting status polling (see meetings/polling/)."""
    polling.poll_round()


@shared_task(name=polling.SHARE_TASK, ignore_result=True)
def meetings_poll_share(round_at: str) -> None:
    """Another worker's share of a poll round (queued by the round, POLL_WORKERS)."""
    polling.poll_share(round_at=dt.datetime.fromisoformat(round_at))


@shared_task(name="meetings.tasks.samples_prune", ignore_result=True)
def samples_prune() -> int:
    return services.samples_prune(older_than=dt.timedelta(days=settings.SAMPLE_RETENTION_DAYS))
