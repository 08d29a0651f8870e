"""Celery tasks of webhooks; they call services (the rule: portal/queueing.py)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from portal.webhooks import services


@shared_task(name="portal.webhooks.tasks.webhook_deliver", ignore_result=True)
def webhook_deliver(delivery_id: int, now: str | None = None) -> None:
    services.delivery_send(
        delivery_id=delivery_id, now=dt.datetime.fromisoformat(now) if now else None
    )


@shared_task(name="portal.webhooks.tasks.webhooks_deliver_due", ignore_result=True)
def webhooks_deliver_due() -> int:
    return services.deliveries_due()
