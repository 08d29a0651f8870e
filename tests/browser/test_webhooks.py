"""An administrator host adds a webhook endpoint, reads its secret, and sends a delivery again."""

import datetime as dt

import pytest
from django.utils import timezone

from meetings import services as meetings
from portal.accounts.services import customer_create, customer_push, host_create
from portal.webhooks.models import Delivery
from tests.portal.webhooks.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-host-password"


@pytest.fixture
def receiver():
    running = Receiver().start()
    yield running
    running.stop()


def test_an_administrator_adds_an_endpoint_and_sends_a_delivery_again(
    page, fake_tm, live_server, settings, receiver
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    customer = customer_push(
        customer_id=customer_create(name="Hook Co", contact_email="it@hook.example").pk
    )
    host = host_create(
        customer=customer,
        email="admin@hook.example",
        password=PASSWORD,
        first_name="Ada",
        is_administrator=True,
    )
    page.goto(live_server.url + "/dashboard/")
    page.get_by_label("Email").fill("admin@hook.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Webhooks").click()

    page.get_by_label("URL").fill("not an address")
    page.get_by_role("button", name="Add").click()
    page.get_by_role("alert").get_by_text("Please check the form.").wait_for()

    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("meeting.scheduled").check()
    page.get_by_role("button", name="Add").click()
    page.get_by_text("Give its signing secret to the receiving system.").wait_for()
    receiver.secrets = [page.locator("#secret").inner_text()]

    start = timezone.now() + dt.timedelta(hours=1)
    meetings.meeting_schedule(
        host=host, topic="Hooked", starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    delivery = Delivery.objects.get()
    page.reload()
    row = page.locator("#deliveries tr", has_text=delivery.message_id)
    row.get_by_text("Delivered").wait_for()
    row.get_by_role("button", name="Send again").click()
    page.get_by_text("is being sent again").wait_for()

    assert receiver.unverified == []
    assert [message_id for message_id, _ in receiver.received] == [delivery.message_id] * 2
