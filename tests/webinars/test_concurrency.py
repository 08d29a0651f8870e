"""Many people registering at once never overbook (row lock on the webinar)."""

import threading

import pytest
from django.db import close_old_connections, connection

from tests.webinars.factories import WebinarFactory
from webinars.models import Registration
from webinars.services.registrations import registration_cancel, registration_create

THREADS = 24
CAPACITY = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_fill_exactly_the_capacity(host):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: SQLite serialises every write transaction, so threads prove "
            "nothing there (CI runs this with DATABASE_URL=postgres://...)"
        )
    webinar = WebinarFactory(host=host, capacity=CAPACITY, waiting_list=True)
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def register(n: int) -> None:
        try:
            start.wait()
            registration_create(
                webinar=webinar, first_name="P", last_name=str(n), email=f"p{n}@example.com"
            )
            # The same person twice at the same moment: still one registration.
            registration_create(
                webinar=webinar, first_name="P", last_name=str(n), email=f"P{n}@Example.com"
            )
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    statuses = list(Registration.objects.values_list("status", flat=True))
    assert len(statuses) == THREADS
    assert statuses.count(Registration.Status.CONFIRMED) == CAPACITY
    assert statuses.count(Registration.Status.WAITLISTED) == THREADS - CAPACITY

    # Cancellations at the same time each promote a different person, in order.
    confirmed = list(Registration.objects.filter(status=Registration.Status.CONFIRMED))
    barrier = threading.Barrier(len(confirmed))

    def cancel(registration: Registration) -> None:
        try:
            barrier.wait()
            registration_cancel(registration=registration)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(r,)) for r in confirmed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    waiting = Registration.objects.filter(
        status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
    )
    first_in_line = list(
        Registration.objects.filter(status=Registration.Status.CONFIRMED).order_by(
            "waitlisted_at", "pk"
        )
    )
    assert len(first_in_line) == CAPACITY
    assert waiting.count() == THREADS - CAPACITY
    promoted_last = max(r.waitlisted_at for r in first_in_line)
    still_waiting = Registration.objects.filter(status=Registration.Status.WAITLISTED)
    assert all(r.waitlisted_at >= promoted_last for r in still_waiting)
