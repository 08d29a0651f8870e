"""Webhooks while the customer's receiver is down, failing, slow or resetting: once it is
mended and the sweep runs, every event has arrived, verified, under one webhook-id each.

The receiver is a real http.server verifying each request with the standardwebhooks
library (tests/portal/webhooks/receiver.py); the events come from the services, as a
host's and visitors' actions make them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings import services as meetings
from portal.accounts.services import customer_create, customer_push
from portal.webhooks import services
from portal.webhooks.events import EVENT_NAMES
from portal.webhooks.models import Delivery
from tests.factories import HostFactory
from tests.portal.webhooks.receiver import Receiver
from tests.reliability.test_faults import Outcome
from webinars.models import Webinar
from webinars.services import registrations, webinars

pytestmark = pytest.mark.django_db

FAULTS = ["down", "error", "slow", "reset"]


@pytest.mark.parametrize("fault", FAULTS)
def test_every_event_arrives_once_the_receiver_is_back(
    fault, fake_tm, settings, django_capture_on_commit_callbacks, reliability_rows
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    committed = lambda: django_capture_on_commit_callbacks(execute=True)  # noqa: E731
    customer = customer_push(
        customer_id=customer_create(name=f"Hooks {fault}", contact_email="it@h.example").pk
    )
    host = HostFactory(customer=customer, is_administrator=True)
    receiver = Receiver()
    endpoint = services.endpoint_create(customer=customer, url=receiver.url, events=EVENT_NAMES)
    receiver.secrets = [endpoint.secret]
    receiver.start()
    receiver.fault, receiver.slow_seconds = fault, 0.6
    if fault == "down":
        receiver.stop()
    try:
        start = timezone.now() + dt.timedelta(days=2)
        with committed():
            webinar = webinars.webinar_create(
                host=host,
                title="Under fire",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=1),
                capacity=6,
                status=Webinar.Status.PUBLISHED,
            )
        with committed():
            people = [
                registrations.registration_create(
                    webinar=webinar, first_name="P", last_name=str(n), email=f"p{n}@h.example"
                ).registration
                for n in range(10)
            ]
        with committed():
            registrations.registration_cancel(registration=people[0])
            webinars.webinar_update(webinar=webinar, title="Under fire, moved")
        with committed():
            meeting = meetings.meeting_schedule(
                host=host, topic="Side room", starts_at=start, ends_at=start + dt.timedelta(hours=1)
            )
            meetings.meeting_cancel(meeting=meeting)
        recorded = Delivery.objects.filter(endpoint=endpoint)
        told_why = all(d.attempt_log.exists() and d.error for d in recorded)

        receiver.fault = ""
        if fault == "down":
            receiver.start()
        for hours in (1, 2):  # the beat sweep; the second run finds nothing left
            with committed():
                services.deliveries_due(now=timezone.now() + dt.timedelta(hours=hours))
    finally:
        receiver.stop()

    arrived = receiver.ids_by_event()
    outcome = Outcome(
        operation=f"{recorded.count()} events of {len({d.event for d in recorded})} kinds",
        fault={
            "down": "down (refused)",
            "error": "answers 503",
            "slow": "answers too late",
            "reset": "resets the connection",
        }[fault],  # fmt: skip
        server="webhook receiver",
        tried=recorded.count(),
        lost=recorded.count() - len(arrived),
        duplicated=sum(len(ids) > 1 for ids in arrived.values()),
        reason_shown=told_why,
        reconciled=(
            not recorded.exclude(status=Delivery.Status.DELIVERED).exists()
            and receiver.unverified == []
        ),
        section="Webhooks",
    )
    reliability_rows.append(outcome)
    # The webinar's meeting scheduled; 10 registrations created, each confirmed or waiting;
    # one cancelled and one moved up; the webinar and its meeting updated; a meeting
    # scheduled and cancelled.
    assert outcome.tried == 1 + 10 + 10 + 2 + 2 + 2, outcome
    assert outcome.ok, outcome
