"""Writes for registrations and seats.

Seats are counted under a row lock on the webinar (``select_for_update``),
so concurrent registrations queue up on that one row and never overbook; on
SQLite, where the lock is a no-op, the settings' IMMEDIATE transactions give
the same one-writer-at-a-time guarantee.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import i18n
from webinars import webhooks
from webinars.models import Registration, Webinar
from webinars.services import mailing

log = logging.getLogger(__name__)


class RegistrationRefused(Exception):
    """The webinar takes no (more) registrations; ``code`` for programs, ``str`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


REFUSALS = {
    "draft": _("This webinar is not open for registration."),
    "cancelled": _("This webinar has been cancelled."),
    "not_yet_open": _("Registration for this webinar has not opened yet."),
    "closed": _("Registration for this webinar is closed."),
    "full": _("This webinar is fully booked."),
}


#: What a cancelled registration, reused when the same person registers again, resets.
RESET_ON_REUSE = tuple(
    Registration._meta.get_field(field.name) for field in Registration.FIELDS if not field.kept
)


@dataclass(frozen=True)
class RegistrationResult:
    registration: Registration
    created: bool  # False: this email was registered already, nothing changed


def registration_create(
    *,
    webinar: Webinar,
    first_name: str,
    last_name: str,
    email: str,
    organisation: str = "",
    phone: str = "",
    answers: dict | None = None,
    consent: bool = False,
    source_url: str = "",
    channel: str = Registration.Channel.PAGE,
    now: dt.datetime | None = None,
) -> RegistrationResult:
    """Register one person: a seat if one is free, else the waiting list, else refused.

    One registration per email and webinar, case-insensitively: submitting
    again returns the existing registration unchanged (``created=False``).
    Someone who cancelled and registers again gets their row back, at the
    end of the queue. ``answers`` must be validated already (forms.RegistrationForm).

    A newcomer costs four statements: the webinar locked, its seats counted, the
    row inserted, the webhooks asked. Nobody looks for an earlier registration
    first: the unique constraint refuses the insert of an address registered
    already (before or meanwhile), and only then is that registration read.
    """
    email = email.strip()
    now = now or timezone.now()
    if webinar.consent_text and not consent:
        raise ValidationError({"consent": _("Please agree to continue.")})
    details = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "email": email,
        "organisation": organisation.strip(),
        "phone": phone.strip(),
        "answers": answers or {},
        "consent": bool(consent),
        "source_url": source_url[:2000],
        "channel": channel,
        "created_at": now,
    }
    try:
        return _register(webinar, Registration(), details, now=now)
    except IntegrityError:
        pass  # registered already
    except RegistrationRefused:
        # Closed or full: someone registered already is told so, as when it is open.
        existing = _registered_as(webinar, email).first()
        if existing is not None and existing.status != Registration.Status.CANCELLED:
            return RegistrationResult(existing, created=False)
        raise
    existing = _registered_as(webinar, email).get()
    if existing.status != Registration.Status.CANCELLED:
        return RegistrationResult(existing, created=False)
    return _register(webinar, existing, details, now=now)


def _register(
    webinar: Webinar, registration: Registration, details: dict, *, now: dt.datetime
) -> RegistrationResult:
    """Give ``registration`` (new, or cancelled and taken back) a status and save it, under
    the webinar's row lock; raises IntegrityError when a new one's address is taken."""
    for field in RESET_ON_REUSE:  # a cancelled registration starts afresh
        setattr(registration, field.attname, field.get_default())
    for name, value in details.items():
        setattr(registration, name, value)
    registration.webinar = webinar
    registration.consent_text = webinar.consent_text if registration.consent else ""
    registration.language = i18n.current()  # their mails speak it
    # Checked before the lock (the status, which needs it, aside): other registrations
    # wait for the lock, not for this one's validation.
    registration.full_clean(exclude=["webinar", "status"], validate_constraints=False)
    with transaction.atomic():
        locked = Webinar.objects.select_for_update().get(pk=webinar.pk)
        if registration.pk is not None:  # taken back: if it still is cancelled, under the lock
            current = Registration.objects.get(pk=registration.pk)
            if current.status != Registration.Status.CANCELLED:
                return RegistrationResult(current, created=False)
        state = locked.registration_state(now)
        if state != "open":
            raise RegistrationRefused(state, REFUSALS[state])
        registration.webinar = locked
        registration.consent_text = locked.consent_text if registration.consent else ""
        registration.calendar_sequence_sent = locked.calendar_sequence  # what they see now
        _take_seat(locked, registration, now=now)
        registration.save()
        mailing.notify_new_status(registration)
        webhooks.registration_took_status(registration, created=True)
    return RegistrationResult(registration, created=True)


def _registered_as(webinar: Webinar, email: str):
    """The webinar's registration for ``email`` compared as the unique constraint compares
    it, LOWER() on both sides: a probe of the constraint's index. (``iexact`` would not
    use it, and under the webinar's lock would read every registration of the webinar.)"""
    return Registration.objects.alias(email_key=Lower("email")).filter(
        webinar=webinar, email_key=Lower(Value(email))
    )


def _seated(webinar: Webinar) -> int:
    return Registration.objects.filter(webinar=webinar, status__in=Registration.SEATED).count()


def _has_free_seat(webinar: Webinar) -> bool:
    return webinar.capacity is None or _seated(webinar) < webinar.capacity


def _seat_status(webinar: Webinar) -> str:
    if webinar.approval == Webinar.Approval.MANUAL:
        return Registration.Status.PENDING
    return Registration.Status.CONFIRMED


def _take_seat(webinar: Webinar, registration: Registration, *, now: dt.datetime) -> None:
    """Status for a newcomer; the caller holds the webinar's row lock."""
    if _has_free_seat(webinar):
        registration.status = _seat_status(webinar)
        if registration.status == Registration.Status.CONFIRMED:
            registration.confirmed_at = now
    elif webinar.waiting_list:
        registration.status = Registration.Status.WAITLISTED
        registration.waitlisted_at = now
    else:
        raise RegistrationRefused("full", REFUSALS["full"])


def promote(webinar: Webinar) -> list[Registration]:
    """Give free seats to the waiting list, first come first served; caller holds the lock."""
    if webinar.cancelled_at is not None:
        return []
    waiting = Registration.objects.filter(
        webinar=webinar, status=Registration.Status.WAITLISTED
    ).order_by("waitlisted_at", "pk")
    if webinar.capacity is not None:
        free = webinar.capacity - _seated(webinar)
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting)
    now = timezone.now()
    for registration in promoted:
        registration.status = _seat_status(webinar)
        if registration.status == Registration.Status.CONFIRMED:
            registration.confirmed_at, registration.confirmation_sent_at = now, None
        registration.save(
            update_fields=["status", "confirmed_at", "confirmation_sent_at", "updated_at"]
        )
        mailing.notify_new_status(registration)
        webhooks.registration_took_status(registration)
    return promoted


def _locked(registration: Registration) -> tuple[Webinar, Registration]:
    """Lock the webinar (the seat count), then read the registration afresh under the lock."""
    webinar = Webinar.objects.select_for_update().get(pk=registration.webinar_id)
    fresh = Registration.objects.get(pk=registration.pk)
    fresh.webinar = webinar
    return webinar, fresh


def registration_cancel(*, registration: Registration) -> Registration:
    """Cancel (by the registrant's link or a host); a freed seat goes to the waiting list."""
    with transaction.atomic():
        webinar, registration = _locked(registration)
        if registration.status == Registration.Status.CANCELLED:
            return registration
        held_seat = registration.status in Registration.SEATED
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at", "updated_at"])
        webhooks.registration_event("registration.cancelled", registration)
        if held_seat:
            promote(webinar)
    return registration


def registration_approve(
    *, registration: Registration, raise_capacity: bool = False
) -> Registration:
    """Confirm a registration; the confirmation mail goes out now.

    A pending registration already holds its seat; one from the waiting list
    or a rejected one needs a free seat. With none free, the error says who
    holds the seats; ``raise_capacity`` adds the one seat this person needs
    (under the same lock, so the seat cannot go to the waiting list first).
    """
    with transaction.atomic():
        webinar, registration = _locked(registration)
        if registration.status == Registration.Status.CONFIRMED:
            return registration
        if registration.status not in Registration.SEATED and not _has_free_seat(webinar):
            if not raise_capacity:
                raise ValidationError(_no_free_seat(webinar), code="full")
            webinar.capacity = max(webinar.capacity, _seated(webinar)) + 1
            webinar.save(update_fields=["capacity", "updated_at"])
        registration.status = Registration.Status.CONFIRMED
        registration.confirmed_at = timezone.now()
        registration.confirmation_sent_at = None  # this confirmation is still owed
        registration.rejection_message = ""  # an earlier rejection no longer holds
        registration.save(
            update_fields=[
                "status",
                "confirmed_at",
                "confirmation_sent_at",
                "rejection_message",
                "updated_at",
            ]
        )
        mailing.notify_new_status(registration)
        webhooks.registration_event("registration.approved", registration)
    return registration


def _no_free_seat(webinar: Webinar) -> str:
    """Why a seat cannot be given, naming who holds them (pending approvals hold seats too)."""
    held = Registration.objects.filter(webinar=webinar, status__in=Registration.SEATED)
    confirmed = held.filter(status=Registration.Status.CONFIRMED).count()
    pending = held.filter(status=Registration.Status.PENDING).count()
    return _(
        "No seat is free: %(held)s of %(capacity)s seats are held "
        "(%(confirmed)s confirmed, %(pending)s awaiting approval). Raise the capacity, "
        "reject someone awaiting approval, or wait for a cancellation."
    ) % {
        "held": confirmed + pending,
        "capacity": webinar.capacity,
        "confirmed": confirmed,
        "pending": pending,
    }


def registration_reject(*, registration: Registration, message: str = "") -> Registration:
    """Reject, telling the person with the host's optional message; the seat is freed."""
    with transaction.atomic():
        webinar, registration = _locked(registration)
        if registration.status == Registration.Status.CANCELLED:
            raise ValidationError(_("The registration was cancelled; there is nothing to reject."))
        if registration.status == Registration.Status.REJECTED:
            return registration
        held_seat = registration.status in Registration.SEATED
        registration.status = Registration.Status.REJECTED
        registration.rejection_message = message.strip()
        registration.save(update_fields=["status", "rejection_message", "updated_at"])
        mailing.notify_new_status(registration)
        webhooks.registration_event("registration.rejected", registration)
        if held_seat:
            promote(webinar)
    return registration


def registration_resend_confirmation(*, registration: Registration) -> None:
    if registration.status != Registration.Status.CONFIRMED:
        raise ValidationError(_("Only confirmed registrations have a confirmation to send."))
    mailing.queue_mails(mailing.Mail.CONFIRMATION, [registration.pk], again=True)
