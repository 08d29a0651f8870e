"""Writes for webhooks: endpoints, the deliveries events make, and sending them.

An event is recorded in the caller's transaction (one ``Delivery`` per
endpoint that subscribed), so it exists exactly when what it reports does;
sending is queued once that commits. A delivery keeps its ``webhook-id`` and
its body on every attempt, so a receiver that saw it already can tell. Sends
that fail are tried again with exponential backoff for about a day
(``WEBHOOK_RETRIES`` retries, the first ``WEBHOOK_RETRY_BASE_SECONDS`` later,
each wait twice the one before); the beat sweep sends whatever is due, so a
broker or a receiver that was down costs nothing but time.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_noop
from standardwebhooks.webhooks import Webhook

from portal import i18n, queueing
from portal.accounts.models import Customer, Host
from portal.webhooks import outgoing
from portal.webhooks.events import EVENT_NAMES, VERSION
from portal.webhooks.models import Attempt, Delivery, Endpoint

log = logging.getLogger(__name__)

DELIVER = "portal.webhooks.tasks.webhook_deliver"


# --- events --------------------------------------------------------------------------------


def webhook_emit(*, customer_id: int, event: str, data: Callable[[], dict]) -> list[Delivery]:
    """Record ``event`` for each of the customer's enabled endpoints that subscribed to it.

    Call it inside the transaction that makes the change; ``data()`` (the
    payload's "data") is built only when some endpoint wants the event. The
    deliveries are queued once the transaction commits.
    """
    return webhooks_emit([(customer_id, event, data)])


def webhooks_emit(events: list[tuple[int, str, Callable[[], dict]]]) -> list[Delivery]:
    """``webhook_emit`` for several events at once (a poll round's): one query for the
    endpoints, however many events."""
    if unknown := {event for _, event, _ in events} - set(EVENT_NAMES):
        raise ValueError(f"unknown webhook events {sorted(unknown)}")
    if not events:
        return []
    endpoints = defaultdict(list)
    customer_ids = {customer_id for customer_id, _, _ in events}
    wanting = Endpoint.objects.filter(customer_id__in=customer_ids, is_enabled=True)
    for endpoint in wanting.only("customer_id", "events").order_by():  # no join to order
        endpoints[endpoint.customer_id].append(endpoint)
    deliveries = []
    for customer_id, event, data in events:
        wanted = [e for e in endpoints[customer_id] if event in e.events]
        if wanted:
            deliveries += _record_event(wanted, event, data())
    _queue([d.pk for d in deliveries if d.status == Delivery.Status.PENDING])
    return deliveries


def _record_event(endpoints: list[Endpoint], event: str, data: dict) -> list[Delivery]:
    now = timezone.now()
    body = {"type": event, "version": VERSION, "timestamp": now, "data": data}
    payload = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    too_large = len(payload.encode()) > settings.WEBHOOK_MAX_PAYLOAD_BYTES
    if too_large:
        log.error("webhook %s: payload over the size cap, not sent", event)
    return [
        Delivery.objects.create(
            endpoint=endpoint,
            message_id=_message_id(),
            event=event,
            payload=payload,
            status=Delivery.Status.FAILED if too_large else Delivery.Status.PENDING,
            error=TOO_LARGE if too_large else "",
            next_attempt_at=None if too_large else now,
        )
        for endpoint in endpoints
    ]


def _message_id() -> str:
    return f"msg_{secrets.token_urlsafe(18)}"


def _queue(delivery_ids: list[int]) -> None:
    """Queue the sends once the transaction commits; a broker that is down costs nothing,
    as the deliveries are due already and the sweep sends them."""
    if not delivery_ids:
        return

    def enqueue() -> None:
        for pk in delivery_ids:
            try:
                queueing.queue(DELIVER, pk)
            except Exception:  # noqa: BLE001  (kombu raises many types)
                log.warning("could not queue webhook delivery %s; the sweep will send it", pk)
                return

    transaction.on_commit(enqueue)


# --- endpoints -----------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def validate_endpoint(url: str, events: Iterable[str]) -> None:
    """Raise a ValidationError by field unless the URL may be called and the events exist."""
    errors = {}
    try:
        outgoing.check_url(url)
    except outgoing.Refused as exc:
        errors["url"] = str(exc)
    unknown = sorted(set(events) - set(EVENT_NAMES))
    if unknown:
        errors["events"] = _("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}
    elif not events:
        errors["events"] = _("Choose at least one event.")
    if errors:
        raise ValidationError(errors)


def endpoint_create(
    *, customer: Customer, url: str, events: list[str], description: str = ""
) -> Endpoint:
    validate_endpoint(url, events)
    endpoint = Endpoint(customer=customer, url=url, events=list(events), description=description)
    endpoint.secret = new_secret()
    endpoint.full_clean(exclude=["secret_encrypted"])
    endpoint.save()
    return endpoint


def endpoint_update(*, endpoint: Endpoint, **changes) -> Endpoint:
    """Change URL, events, description or ``is_enabled``. Enabling again clears the failures
    and sends at once what was left pending."""
    unknown = set(changes) - {"url", "events", "description", "is_enabled"}
    if unknown:
        raise TypeError(f"cannot update {', '.join(sorted(unknown))}")
    validate_endpoint(changes.get("url", endpoint.url), changes.get("events", endpoint.events))
    enabling = changes.get("is_enabled") and not endpoint.is_enabled
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if "is_enabled" in changes:
        endpoint.disabled_reason, endpoint.disabled_at = "", None
    if enabling:
        endpoint.failure_count = 0
    endpoint.full_clean(exclude=["secret_encrypted"])
    with transaction.atomic():
        endpoint.save()
        if enabling:
            pending = endpoint.deliveries.filter(status=Delivery.Status.PENDING)
            pending.update(next_attempt_at=timezone.now())
            _queue(list(pending.values_list("pk", flat=True)))
    return endpoint


def endpoint_rotate_secret(*, endpoint: Endpoint) -> Endpoint:
    """A new secret; the old one keeps signing too for ``WEBHOOK_SECRET_OVERLAP_HOURS``, so the
    receiver can switch to the new one in its own time."""
    endpoint.previous_secret_encrypted = endpoint.secret_encrypted
    endpoint.previous_secret_expires_at = timezone.now() + dt.timedelta(
        hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS
    )
    endpoint.secret = new_secret()
    endpoint.save(
        update_fields=[
            "secret_encrypted",
            "previous_secret_encrypted",
            "previous_secret_expires_at",
            "updated_at",
        ]
    )
    return endpoint


def signing_secrets(endpoint: Endpoint, now: dt.datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous one during the overlap."""
    keys = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires and expires > now:
        keys.append(endpoint.previous_secret)
    return keys


def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Send again from the log: the same ``webhook-id`` and body, with a fresh retry schedule."""
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        _queue([delivery.pk])
    delivery.refresh_from_db()
    return delivery


# --- sending -------------------------------------------------------------------------------


def retry_delay(attempts: int) -> dt.timedelta | None:
    """How long to wait after ``attempts`` failed tries; None once they are used up."""
    if attempts > settings.WEBHOOK_RETRIES:
        return None
    return dt.timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def _lease() -> dt.timedelta:
    """How long a claimed delivery is left to its sender before the sweep may try again."""
    timeouts = settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS + settings.WEBHOOK_TIMEOUT_SECONDS
    return dt.timedelta(seconds=2 * timeouts + 60)


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> Delivery | None:
    """Try one delivery if it is due, enabled and no other worker holds it; log the attempt.

    The claim is a conditional UPDATE that moves ``next_attempt_at`` past the
    attempt, so two workers never send one delivery at once, and one that died
    mid-send leaves it due again once the lease is over.
    """
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id,
        status=Delivery.Status.PENDING,
        next_attempt_at__lte=now,
        endpoint__is_enabled=True,
    ).update(next_attempt_at=now + _lease())
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("endpoint__customer").get(pk=delivery_id)
    endpoint = delivery.endpoint
    signed_at = timezone.now().astimezone(dt.UTC)
    headers = {
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(int(signed_at.timestamp())),
        "webhook-signature": " ".join(
            Webhook(key).sign(delivery.message_id, signed_at, delivery.payload)
            for key in signing_secrets(endpoint, now)
        ),
    }
    attempt = Attempt(delivery=delivery, at=signed_at)
    try:
        answer = outgoing.post(endpoint.url, delivery.payload.encode(), headers)
    except outgoing.Refused as exc:
        attempt.error, attempt.detail = REFUSED, str(exc)[:300]
    except outgoing.Unreachable as exc:
        attempt.error = TOO_LATE if outgoing.too_late(exc) else UNREACHABLE
        attempt.detail = f"{type(exc).__name__}: {exc}"[:300]
        log.warning("webhook delivery %s: %s", delivery.message_id, attempt.detail)
    else:
        attempt.response_code, attempt.response_body = answer.code, answer.body
        attempt.succeeded = answer.ok
        if not answer.ok:
            attempt.error = REFUSED_BY_ENDPOINT
    _record(delivery, attempt)
    return delivery


def _record(delivery: Delivery, attempt: Attempt) -> None:
    endpoint = delivery.endpoint
    delivery.attempts += 1
    delivery.response_code, delivery.error = attempt.response_code, attempt.error
    gave_up = False
    if attempt.succeeded:
        delivery.status, delivery.delivered_at = Delivery.Status.DELIVERED, attempt.at
        delivery.next_attempt_at = None
    else:
        delay = retry_delay(delivery.attempts)
        if delay is None:
            delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
            gave_up = True
        else:
            delivery.next_attempt_at = attempt.at + delay
    # Nothing reached the endpoint in all the time this delivery was retried: it is down
    # for good, or gone. Stop sending to it and tell the customer's administrators.
    disable = gave_up and (
        endpoint.last_success_at is None or endpoint.last_success_at < delivery.created_at
    )
    with transaction.atomic():
        attempt.save()
        delivery.save(
            update_fields=[
                "attempts",
                "status",
                "delivered_at",
                "next_attempt_at",
                "response_code",
                "error",
            ]
        )
        if attempt.succeeded:
            Endpoint.objects.filter(pk=endpoint.pk).update(
                failure_count=0, last_success_at=attempt.at
            )
        else:  # F(): workers sending to the same endpoint at once each count theirs
            Endpoint.objects.filter(pk=endpoint.pk).update(failure_count=F("failure_count") + 1)
        if disable and endpoint.is_enabled:
            _disable(endpoint, attempt)


#: Why an endpoint was disabled by the portal (``Endpoint.disabled_reason``): a message id,
#: shown in each reader's language; ``disabled_at`` says when.
#: Why an attempt failed, as the dashboard says it (translated there); the raw detail is
#: kept beside it for staff (``Attempt.detail``) and logged.
TOO_LATE = gettext_noop("The endpoint did not answer in time.")
UNREACHABLE = gettext_noop("The endpoint could not be reached.")
REFUSED_BY_ENDPOINT = gettext_noop("The endpoint did not take it: its answer was not a 2xx.")
REFUSED = gettext_noop(
    "The portal may not call this address now: webhooks go only to public http or https "
    "addresses whose name resolves."
)
TOO_LARGE = gettext_noop("The event is larger than the size limit for webhooks: it was not sent.")


def what_went_wrong(attempt: Attempt) -> str:
    """An attempt's failure in the active language (its raw detail stays for staff)."""
    if attempt.response_code:
        return _("answered %(code)s") % {"code": attempt.response_code}
    return _(attempt.error) if attempt.error else _("no answer")


DISABLED_UNANSWERED = gettext_noop("Every attempt to deliver to it for about a day failed.")


def _disable(endpoint: Endpoint, attempt: Attempt) -> None:
    reason = DISABLED_UNANSWERED
    Endpoint.objects.filter(pk=endpoint.pk).update(
        is_enabled=False, disabled_reason=reason, disabled_at=attempt.at
    )
    endpoint.is_enabled, endpoint.disabled_reason, endpoint.disabled_at = False, reason, attempt.at
    # Each administrator in their dashboard language; the customer's contact otherwise.
    by_language: dict[str, list[str]] = defaultdict(list)
    for email, language in Host.objects.filter(
        customer_id=endpoint.customer_id, is_administrator=True, deleted_at__isnull=True
    ).values_list("user__email", "language"):
        by_language[language].append(email)
    if not by_language:
        by_language[endpoint.customer.language].append(endpoint.customer.contact_email)

    def mail() -> None:
        for language, recipients in by_language.items():
            with i18n.override_for(language):
                subject = _("A webhook endpoint was disabled")
                message = _(
                    "The portal stopped sending webhooks to %(url)s: every attempt to deliver "
                    "to it for about a day failed (the last: %(last)s).\n\n"
                    "Events that happen while it is disabled are not recorded for it. Once it "
                    "answers again, enable it on the portal's Webhooks page: what was still "
                    "pending is sent then, and failed deliveries can be sent again from its log."
                ) % {"url": endpoint.url, "last": what_went_wrong(attempt)}
            try:
                send_mail(subject, message, None, recipients)
            except Exception:  # noqa: BLE001  (smtplib and sockets raise many types)
                log.exception(
                    "could not mail the administrators of customer %s", endpoint.customer_id
                )

    transaction.on_commit(mail)


def deliveries_due(*, now: dt.datetime | None = None) -> int:
    """Queue every delivery that is due (the beat sweep); how many."""
    now = now or timezone.now()
    ids = list(
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now, endpoint__is_enabled=True
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[: settings.WEBHOOK_SWEEP_BATCH]
    )
    for pk in ids:
        queueing.queue(DELIVER, pk, now=now.isoformat())
    return len(ids)
