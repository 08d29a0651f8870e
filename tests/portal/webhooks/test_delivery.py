"""Events reach a real receiver, signed; retries, disabling, rotation, caps and addresses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from meetings import polling, services as meetings
from portal.webhooks import services
from portal.webhooks.events import EVENT_NAMES
from portal.webhooks.models import Delivery, Endpoint
from tests.factories import put_on_fake_server
from webinars.models import Registration, Webinar
from webinars.services import registrations, webinars

pytestmark = pytest.mark.django_db


def later(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def register(webinar, n: int) -> Registration:
    return registrations.registration_create(
        webinar=webinar, first_name="Ada", last_name=f"L{n}", email=f"ada{n}@example.com"
    ).registration


def test_every_event_reaches_the_receiver_signed(
    admin_host, endpoint, receiver, fake_tm, committed, settings, tmp_path
):
    settings.VAR_DIR, settings.POLL_ENDED_AFTER = tmp_path, 1
    start = timezone.now() + dt.timedelta(minutes=5)
    end = start + dt.timedelta(hours=1)
    with committed():
        meeting = meetings.meeting_schedule(
            host=admin_host, topic="Review", starts_at=start, ends_at=end
        )
    with committed():
        meetings.meeting_update(meeting=meeting, topic="Weekly review")
    meeting.refresh_from_db()
    put_on_fake_server(fake_tm, meeting)
    fake_tm.set_live(meeting.server_meeting_id, attendees=6)
    with committed():
        polling.poll_round()
    fake_tm.set_ended(meeting.server_meeting_id)
    with committed():
        polling.poll_round()
    with committed():
        meetings.meeting_cancel(meeting=meeting)
    with committed():
        webinar = webinars.webinar_create(
            host=admin_host,
            title="Launch",
            starts_at=start + dt.timedelta(days=1),
            ends_at=end + dt.timedelta(days=1),
            capacity=1,
            status=Webinar.Status.PUBLISHED,
        )
    with committed():
        first, second = register(webinar, 1), register(webinar, 2)  # confirmed, waiting
    with committed():
        registrations.registration_cancel(registration=first)  # the second moves up
    with committed():
        webinars.webinar_update(webinar=webinar, approval=Webinar.Approval.MANUAL, capacity=3)
    with committed():
        pending, rejected = register(webinar, 3), register(webinar, 4)
        registrations.registration_approve(registration=pending)
        registrations.registration_reject(registration=rejected)
    with committed():
        webinars.webinar_cancel(webinar=webinar, message="Sorry")

    assert receiver.unverified == []
    types = [payload["type"] for _, payload in receiver.received]
    assert set(types) == set(EVENT_NAMES)
    by_type = {payload["type"]: payload for _, payload in reversed(receiver.received)}
    assert by_type["meeting.started"]["data"]["attendees"] == 6
    assert by_type["meeting.ended"]["data"]["attendees"] == 6  # the last count seen live
    assert by_type["registration.waiting"]["data"]["email"] == second.email
    assert {p["version"] for _, p in receiver.received} == {1}
    assert Delivery.objects.exclude(status=Delivery.Status.DELIVERED).count() == 0
    assert len({message_id for message_id, _ in receiver.received}) == len(receiver.received)


def test_nothing_is_sent_for_other_customers_or_unsubscribed_events(
    admin_host, endpoint, receiver, committed
):
    Endpoint.objects.filter(pk=endpoint.pk).update(events=["meeting.cancelled"])
    start = timezone.now() + dt.timedelta(hours=1)
    with committed():
        meetings.meeting_schedule(
            host=admin_host, topic="Quiet", starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
    assert receiver.received == [] and Delivery.objects.count() == 0


def test_with_the_receiver_down_everything_arrives_once_it_is_back(
    admin_host, endpoint, receiver, committed
):
    """0 lost, and no event under two ids: the retries resend the same webhook-id."""
    receiver.stop()
    with committed():
        webinar = webinars.webinar_create(
            host=admin_host,
            title="Busy",
            starts_at=later(48),
            ends_at=later(49),
            capacity=5,
            status=Webinar.Status.PUBLISHED,
        )
    with committed():
        people = [register(webinar, n) for n in range(8)]  # 5 confirmed, 3 waiting
    with committed():
        registrations.registration_cancel(registration=people[0])
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
    expected = pending.count()
    assert expected == 1 + 8 + 8 + 1 + 1  # scheduled; created; confirmed/waiting; cancelled; up
    assert set(pending.values_list("attempts", flat=True)) == {1}  # each tried once, refused
    assert receiver.received == []

    receiver.start()
    services.deliveries_due(now=later(1))

    assert receiver.unverified == []
    assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == expected
    assert len(receiver.received) == expected
    assert all(len(ids) == 1 for ids in receiver.ids_by_event().values())
    assert {i for i, _ in receiver.received} == set(
        Delivery.objects.values_list("message_id", flat=True)
    )


def test_retries_back_off_then_the_endpoint_is_disabled_and_its_administrators_mailed(
    admin_host, endpoint, receiver, committed, settings
):
    receiver.fault = "error"
    with committed():
        meetings.meeting_schedule(
            host=admin_host, topic="Nobody listens", starts_at=later(1), ends_at=later(2)
        )
    delivery = Delivery.objects.get()
    waits = []
    sweep_at = timezone.now()
    while delivery.status == Delivery.Status.PENDING:
        waits.append(delivery.next_attempt_at - delivery.attempt_log.first().at)
        sweep_at = delivery.next_attempt_at
        with committed():  # the mail waits for the commit
            services.deliveries_due(now=sweep_at)
        delivery.refresh_from_db()

    base = dt.timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS)
    assert waits == [base * 2**n for n in range(settings.WEBHOOK_RETRIES)]
    assert dt.timedelta(hours=20) < sum(waits, dt.timedelta()) < dt.timedelta(hours=30)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == settings.WEBHOOK_RETRIES + 1 == delivery.attempt_log.count()
    assert set(delivery.attempt_log.values_list("response_code", flat=True)) == {503}
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled and endpoint.failure_count == delivery.attempts
    assert [m.to for m in mail.outbox] == [["admin@stark.example"]]
    assert endpoint.url in mail.outbox[0].body

    with committed():  # nothing is recorded for a disabled endpoint
        meetings.meeting_schedule(
            host=admin_host, topic="Unheard", starts_at=later(1), ends_at=later(2)
        )
    assert Delivery.objects.count() == 1

    receiver.fault = ""
    with committed():
        services.endpoint_update(endpoint=endpoint, is_enabled=True)
        services.delivery_redeliver(delivery=delivery)
    assert [message_id for message_id, _ in receiver.received] == [delivery.message_id]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED


def test_one_success_between_failures_keeps_the_endpoint_enabled(
    admin_host, endpoint, receiver, committed
):
    receiver.fault = "error"
    with committed():
        meetings.meeting_schedule(
            host=admin_host, topic="First", starts_at=later(1), ends_at=later(2)
        )
    first = Delivery.objects.get()
    receiver.fault = ""
    with committed():
        meetings.meeting_schedule(
            host=admin_host, topic="Second", starts_at=later(1), ends_at=later(2)
        )
    receiver.fault = "error"
    sweep = timezone.now()
    for _ in range(20):
        sweep += dt.timedelta(days=2)
        services.deliveries_due(now=sweep)
    first.refresh_from_db()
    endpoint.refresh_from_db()
    assert first.status == Delivery.Status.FAILED
    assert endpoint.is_enabled and mail.outbox == []


def test_a_rotated_secret_signs_alongside_the_new_one_until_the_overlap_ends(
    admin_host, endpoint, receiver, committed
):
    old = endpoint.secret
    services.endpoint_rotate_secret(endpoint=endpoint)
    endpoint.refresh_from_db()
    new = endpoint.secret
    assert new != old
    for known in ([old], [new]):
        receiver.secrets = known
        with committed():
            meetings.meeting_schedule(
                host=admin_host, topic="Rotating", starts_at=later(1), ends_at=later(2)
            )
    assert len(receiver.received) == 2 and receiver.unverified == []

    Endpoint.objects.filter(pk=endpoint.pk).update(previous_secret_expires_at=timezone.now())
    receiver.secrets = [old]
    with committed():
        meetings.meeting_schedule(
            host=admin_host, topic="Rotated", starts_at=later(1), ends_at=later(2)
        )
    assert len(receiver.received) == 2 and len(receiver.unverified) == 1


def test_an_endpoint_that_answers_too_late_is_tried_again_under_the_same_id(
    admin_host, endpoint, receiver, committed, settings
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    receiver.fault, receiver.slow_seconds = "slow", 1.0
    with committed():
        meetings.meeting_schedule(
            host=admin_host, topic="Slow", starts_at=later(1), ends_at=later(2)
        )
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    attempt = delivery.attempt_log.get()
    assert attempt.error == "The endpoint did not answer in time." and "Timeout" in attempt.detail
    receiver.fault = ""
    services.deliveries_due(now=later(1))
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    assert {i for i, _ in receiver.received} == {delivery.message_id}  # once or twice, one id


def test_a_payload_over_the_cap_is_logged_as_failed_and_never_sent(
    admin_host, endpoint, receiver, committed, settings
):
    settings.WEBHOOK_MAX_PAYLOAD_BYTES = 200
    with committed():
        meetings.meeting_schedule(
            host=admin_host, topic="x" * 150, starts_at=later(1), ends_at=later(2)
        )
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED and "size limit" in delivery.error
    assert receiver.received == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://192.168.0.10/hook",
    ],
)
def test_private_and_loopback_addresses_are_refused(admin_host, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(
            customer=admin_host.customer, url=url, events=["meeting.scheduled"]
        )
    assert "private or local address" in str(refused.value.message_dict["url"])


def test_an_endpoint_that_came_to_point_at_a_private_address_is_not_called(
    admin_host, endpoint, receiver, committed, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with committed():
        meetings.meeting_schedule(
            host=admin_host, topic="Inside", starts_at=later(1), ends_at=later(2)
        )
    assert receiver.received == []
    attempt = Delivery.objects.get().attempt_log.get()
    assert "only to public" in attempt.error and "private or local address" in attempt.detail


def test_a_name_that_rebinds_to_a_private_address_after_the_check_is_not_followed(
    admin_host, receiver, committed, settings, monkeypatch
):
    """DNS rebinding: the name answers a public address to the check and the loopback
    address a moment later. The request goes to the address that was checked, so the
    loopback receiver never hears from the portal."""
    import socket

    name, answers, real = "hooks.rebind.test", [], socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        answers.append(host)  # public to odd lookups, loopback to even ones
        address = "93.184.216.34" if len(answers) % 2 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    made = services.endpoint_create(
        customer=admin_host.customer,
        url=f"http://{name}:{receiver.port}/hooks",
        events=["meeting.scheduled"],
    )
    receiver.secrets = [made.secret]
    receiver.start()
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS = 0.3
    answers.clear()
    with committed():
        meetings.meeting_schedule(
            host=admin_host, topic="Rebound", starts_at=later(1), ends_at=later(2)
        )
    assert receiver.requests == []
    assert len(answers) == 1  # one lookup, checked, and used
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING and delivery.attempt_log.get().error


def test_a_webinars_meeting_says_it_is_managed_by_the_webinar(
    admin_host, endpoint, receiver, committed
):
    with committed():
        webinars.webinar_create(
            host=admin_host, title="Managed", starts_at=later(30), ends_at=later(31)
        )
    ((_, payload),) = receiver.received
    assert payload["type"] == "meeting.scheduled"
    assert payload["data"]["kind"] == "webinar"


def test_rotate_secrets_re_encrypts_the_signing_secrets(admin_host, endpoint, settings, capsys):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    services.endpoint_rotate_secret(endpoint=endpoint)
    endpoint.refresh_from_db()
    current, previous = endpoint.secret, endpoint.previous_secret
    old_key, new_key = settings.CONFERENCING_SECRET_KEYS[0], Fernet.generate_key().decode()
    settings.CONFERENCING_SECRET_KEYS = [new_key, old_key]

    call_command("rotate_secrets")

    assert "signing secrets of 1 webhook endpoint" in capsys.readouterr().out
    settings.CONFERENCING_SECRET_KEYS = [new_key]  # the old key is gone
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.previous_secret) == (current, previous)


def test_a_registration_asks_for_the_endpoints_once_under_the_webinars_lock(
    admin_host, endpoint, receiver, committed
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with committed():
        webinar = webinars.webinar_create(
            host=admin_host, title="Counted", starts_at=later(30), ends_at=later(31)
        )
    Webinar.objects.filter(pk=webinar.pk).update(status=Webinar.Status.PUBLISHED)
    webinar.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        register(webinar, 1)
    asked = [q["sql"] for q in queries.captured_queries if 'FROM "webhooks_endpoint"' in q["sql"]]
    assert len(asked) == 1
    types = [p["type"] for _, p in receiver.received]
    assert types == ["meeting.scheduled"]  # the registration's wait for the commit
