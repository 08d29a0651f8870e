from celery import shared_task

from portal.accounts import services


@shared_task(name="portal.accounts.tasks.customer_push", ignore_result=True)
def customer_push(customer_id: int) -> None:
    services.customer_push(customer_id=customer_id)


@shared_task(name="portal.accounts.tasks.customers_sync_due", ignore_result=True)
def customers_sync_due() -> int:
    return services.customers_push_due()
