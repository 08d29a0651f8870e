"""Celery tasks of customer accounts: they take ids and call services.

Services queue them by name (``portal.queueing``), so this module imports the
services and never the other way round; apps.py imports it to register them.
"""

from celery import shared_task

from portal.accounts import services


@shared_task(name="portal.accounts.tasks.customer_push", ignore_result=True)
def customer_push(customer_id: int) -> None:
    services.customer_push(customer_id=customer_id)


@shared_task(name="portal.accounts.tasks.customers_sync_due", ignore_result=True)
def customers_sync_due() -> int:
    return services.customers_push_due()
