"""Celery tasks: take ids, fetch, call a service or send one mail.

Services queue them by name (``portal.queueing``), so this module imports the
services and never the other way round; apps.py imports it to register them.
"""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.utils import timezone

from webinars.mail import WITH_CALENDAR, send as send_mail
from webinars.models import Registration
from webinars.services.mailing import (
    TOLD_OF_CHANGES,
    Mail,
    mails_requeue_due,
    registrations_remind_due,
)

# A meeting is usually on the server seconds after it is saved; wait this long
# (retries x countdown) for its ID before sending a mail without a join link.
JOIN_LINK_RETRIES = 30
JOIN_LINK_RETRY_SECONDS = 60

#: Mails that go out once, and the field that records when: a sweep queues them
#: again while it is empty, so a copy that finds it filled is not sent.
SENT_AT = {
    Mail.CONFIRMATION: "confirmation_sent_at",
    Mail.WEBINAR_CANCELLED: "cancellation_sent_at",
}


@shared_task(
    bind=True,
    name="webinars.tasks.send_registration_mail",
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_registration_mail(self, registration_id: int, mail: str, again: bool = False) -> None:
    """Send one ``mail`` (a Mail's value); ``again``: the host asked for another copy."""
    mail = Mail(mail)
    registration = (
        Registration.objects.select_related(
            "webinar__meeting", "webinar__customer", "webinar__host__user"
        )
        .filter(pk=registration_id)
        .first()
    )
    if registration is None or not _still_relevant(registration, mail, again=again):
        return
    meeting = registration.webinar.meeting
    if (
        mail in WITH_CALENDAR
        and not meeting.server_meeting_id
        and self.request.retries < JOIN_LINK_RETRIES
        and not self.request.is_eager
    ):
        raise self.retry(countdown=JOIN_LINK_RETRY_SECONDS, max_retries=JOIN_LINK_RETRIES)
    sent_at = SENT_AT.get(mail)
    this = Registration.objects.filter(pk=registration_id)
    if sent_at and not again:
        # Claimed before sending: of two copies running at once, one sends.
        if not this.filter(**{f"{sent_at}__isnull": True}).update(**{sent_at: timezone.now()}):
            return
    sequence, told = registration.webinar.calendar_sequence, registration.calendar_sequence_sent
    behind = this.filter(calendar_sequence_sent__lt=sequence)
    if mail == Mail.WEBINAR_UPDATED and not again:
        # Claimed the same way: one update mail per change, however many copies run.
        if not behind.update(calendar_sequence_sent=sequence):
            return
    try:
        send_mail(registration, mail)
    except BaseException:
        if sent_at and not again:  # not sent: a retry, or the sweep, tries again
            this.update(**{sent_at: None})
        if mail == Mail.WEBINAR_UPDATED and not again:
            this.filter(calendar_sequence_sent=sequence).update(calendar_sequence_sent=told)
        raise
    if sent_at and again:
        this.update(**{sent_at: timezone.now()})
    if mail in WITH_CALENDAR:  # their calendar now holds the webinar as it is
        behind.update(calendar_sequence_sent=sequence)


def _still_relevant(registration: Registration, mail: Mail, *, again: bool = False) -> bool:
    """A mail queued for a status the registration has since left is not sent.

    Once a webinar is cancelled, the cancellation is the only mail its
    registrants still get. A mail that goes out once and already went is not
    sent again (a sweep may have queued a copy while the first was retrying
    against a mail server that was down), unless the host asked for it; the
    claim before sending settles copies that run at the same time.
    """
    if not again and mail in SENT_AT and getattr(registration, SENT_AT[mail]) is not None:
        return False
    S = Registration.Status
    wanted = {
        Mail.CONFIRMATION: {S.CONFIRMED},
        Mail.REMINDER: {S.CONFIRMED},
        Mail.WEBINAR_UPDATED: set(TOLD_OF_CHANGES),
        Mail.RECEIVED: {S.PENDING, S.WAITLISTED},
        Mail.REJECTION: {S.REJECTED},
        Mail.WEBINAR_CANCELLED: {S.PENDING, S.CONFIRMED, S.WAITLISTED},
    }
    cancelled = registration.webinar.cancelled_at is not None
    if cancelled != (mail == Mail.WEBINAR_CANCELLED):
        return False
    return registration.status in wanted[mail]


@shared_task(name="webinars.tasks.send_reminders", ignore_result=True)
def send_reminders() -> int:
    """Beat: queue reminders for webinars starting soon, and mails that never went out."""
    return registrations_remind_due() + mails_requeue_due()
