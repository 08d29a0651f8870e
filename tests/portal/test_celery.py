"""A real task through the configured broker (files, or Redis in CI) to a real worker."""

import pytest
from celery.contrib.testing.worker import start_worker

from portal.celery import app, ping


@pytest.mark.django_db(transaction=True)
def test_a_task_round_trips_through_broker_and_worker():
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = ping.delay("hello through the broker")
        assert result.get(timeout=30) == "hello through the broker"
