"""What webinars tell the customer's webhooks: one call per event (see portal.webhooks).

Registration events: ``registration.created`` once per new registration; besides
it, ``registration.confirmed`` whenever a seat is confirmed without a host
(at once, or from the waiting list), ``registration.waiting`` when it joins the
waiting list; ``approved``, ``rejected`` and ``cancelled`` as a host or the
person acts. The payloads are documented in the OpenAPI description's webhooks.
"""

from __future__ import annotations

from functools import partial

from portal.webhooks.services import webhook_emit, webhooks_emit
from webinars.models import Registration, Webinar

#: The event a status brings with it when a registration takes it without a host.
STATUS_EVENTS = {
    Registration.Status.CONFIRMED: "registration.confirmed",
    Registration.Status.WAITLISTED: "registration.waiting",
}


def webinar_data(webinar: Webinar) -> dict:
    return {
        "id": webinar.pk,
        "slug": webinar.slug,
        "title": webinar.title,
        "starts_at": webinar.starts_at,
        "ends_at": webinar.ends_at,
        "capacity": webinar.capacity,
        "status": webinar.status,
        "meeting_id": webinar.meeting_id,
        "cancelled_at": webinar.cancelled_at,
        "cancellation_message": webinar.cancellation_message,
    }


def registration_data(registration: Registration) -> dict:
    webinar = registration.webinar
    return {
        "id": registration.pk,
        "webinar": {"id": webinar.pk, "slug": webinar.slug, "title": webinar.title},
        "status": registration.status,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "organisation": registration.organisation,
        "phone": registration.phone,
        "answers": registration.answers,
        "channel": registration.channel,
        "language": registration.language,
        "created_at": registration.created_at,
        "confirmed_at": registration.confirmed_at,
        "cancelled_at": registration.cancelled_at,
    }


def webinar_event(event: str, webinar: Webinar) -> None:
    webhook_emit(customer_id=webinar.customer_id, event=event, data=lambda: webinar_data(webinar))


def registration_event(event: str, registration: Registration) -> None:
    webhook_emit(
        customer_id=registration.webinar.customer_id,
        event=event,
        data=lambda: registration_data(registration),
    )


def registration_took_status(registration: Registration, *, created: bool = False) -> None:
    """A registration was made (``created``) or moved up from the waiting list; one query
    for both events, as it runs under the webinar's lock."""
    names = ["registration.created"] if created else []
    if event := STATUS_EVENTS.get(registration.status):
        names.append(event)
    customer_id = registration.webinar.customer_id
    data = partial(registration_data, registration)
    webhooks_emit([(customer_id, name, data) for name in names])
