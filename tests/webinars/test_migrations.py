"""Data migrations, run on a database migrated back to the state before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.webinars.factories import RegistrationFactory, WebinarFactory


@pytest.mark.django_db(transaction=True)
def test_registrations_of_webinars_cancelled_before_0005_count_as_told():
    """Their notices were queued when they were cancelled: the sweep must not send more."""
    cancelled_at = timezone.now().replace(microsecond=0)
    cancelled = WebinarFactory()
    told = RegistrationFactory(webinar=cancelled)
    running = RegistrationFactory(webinar=WebinarFactory())
    before = ("webinars", "0004_registration_list_order_index")
    after = ("webinars", "0005_registration_cancellation_sent_at")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps
        old.get_model("webinars", "Webinar").objects.filter(pk=cancelled.pk).update(
            cancelled_at=cancelled_at
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    told.refresh_from_db()
    running.refresh_from_db()
    assert told.cancellation_sent_at == cancelled_at
    assert running.cancellation_sent_at is None
    assert after in MigrationExecutor(connection).loader.applied_migrations
