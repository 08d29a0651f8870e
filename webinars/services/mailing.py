"""Registration mail: which mail goes with a status, queued once the transaction commits,
and the sweeps that queue reminders and the mails that must not be lost.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from portal import queueing
from webinars.models import Registration, Webinar

log = logging.getLogger(__name__)

SEND_MAIL = "webinars.tasks.send_registration_mail"


class Mail(enum.StrEnum):
    """The mails a registrant receives. The value is what the queue carries and names
    the mail's template (``webinars/mail/<value>.txt``)."""

    CONFIRMATION = "confirmation"
    RECEIVED = "received"
    REJECTION = "rejection"
    REMINDER = "reminder"
    WEBINAR_UPDATED = "webinar_updated"
    WEBINAR_CANCELLED = "webinar_cancelled"


#: The mail that goes with a status a registration just took.
STATUS_MAILS = {
    Registration.Status.CONFIRMED: Mail.CONFIRMATION,
    Registration.Status.PENDING: Mail.RECEIVED,
    Registration.Status.WAITLISTED: Mail.RECEIVED,
    Registration.Status.REJECTED: Mail.REJECTION,
}

#: Who is told when the webinar's time or join details change: whoever holds a seat.
TOLD_OF_CHANGES = Registration.SEATED

TOLD_OF_CANCELLATION = (
    Registration.Status.PENDING,
    Registration.Status.CONFIRMED,
    Registration.Status.WAITLISTED,
)


REMINDER_MIN_GAP = dt.timedelta(hours=2)


def registrations_remind_due(*, now: dt.datetime | None = None) -> int:
    """Queue the reminder for every confirmed registration whose webinar is near; once each.

    Each registration is claimed with a conditional UPDATE before its mail is
    queued, so overlapping beat runs or workers never send one twice. People
    confirmed less than REMINDER_MIN_GAP ago are skipped: their confirmation
    is fresh (and they are not reminded later, once the webinar has started).
    """
    now = now or timezone.now()
    window = dt.timedelta(hours=settings.WEBINAR_REMINDER_HOURS)
    due = Registration.objects.filter(
        status=Registration.Status.CONFIRMED,
        reminder_sent_at__isnull=True,
        confirmed_at__lte=now - REMINDER_MIN_GAP,
        webinar__status=Webinar.Status.PUBLISHED,
        webinar__cancelled_at__isnull=True,
        webinar__starts_at__gt=now,
        webinar__starts_at__lte=now + window,
    ).values_list("pk", flat=True)
    queued = 0
    for pk in list(due[:1000]):
        claimed = Registration.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        )
        if claimed:
            queue_mail(Mail.REMINDER, pk)
            queued += 1
    return queued


#: Longer than a mail may legitimately take (a confirmation waits up to 30 minutes for
#: the meeting's join link).
MAIL_OVERDUE = dt.timedelta(minutes=45)


def mails_requeue_due(*, now: dt.datetime | None = None) -> int:
    """Queue again the confirmations, update mails and cancellation notices that never
    went out.

    The queue message can be lost (the broker was down, say). A person told
    their join link is on its way, whose saved event shows an old time, or who
    would turn up to a cancelled webinar, must not stay uninformed for that. By
    MAIL_OVERDUE a normal send has long finished; a copy that finds the first one
    sent is dropped by the task. Only for webinars that have not ended:
    afterwards none of them matters.
    """
    now = now or timezone.now()
    overdue = now - MAIL_OVERDUE
    upcoming = Registration.objects.filter(webinar__ends_at__gt=now).order_by("pk")
    due = {
        Mail.CONFIRMATION: upcoming.filter(
            status=Registration.Status.CONFIRMED,
            confirmation_sent_at__isnull=True,
            confirmed_at__lte=overdue,
            webinar__cancelled_at__isnull=True,
        ),
        Mail.WEBINAR_UPDATED: upcoming.filter(
            status__in=TOLD_OF_CHANGES,
            calendar_sequence_sent__lt=F("webinar__calendar_sequence"),
            webinar__updated_at__lte=overdue,
            webinar__cancelled_at__isnull=True,
        ),
        Mail.WEBINAR_CANCELLED: upcoming.filter(
            status__in=TOLD_OF_CANCELLATION,
            cancellation_sent_at__isnull=True,
            webinar__cancelled_at__lte=overdue,
        ),
    }
    queued = 0
    for mail, registrations in due.items():
        ids = list(registrations.values_list("pk", flat=True)[:1000])
        queue_mails(mail, ids)
        queued += len(ids)
    return queued


def notify_new_status(registration: Registration) -> None:
    """The mail that goes with a status a registration just took."""
    mail = STATUS_MAILS.get(registration.status)
    if mail:
        queue_mail(mail, registration.pk)


def queue_mail(mail: Mail, registration_id: int) -> None:
    queue_mails(mail, [registration_id])


def queue_mails(mail: Mail, registration_ids: list[int], *, again: bool = False) -> None:
    """Queue one mail per registration once the transaction commits.

    A broker that is down is logged, and the rest are not tried (each would
    wait out the same connection timeout); ``mails_requeue_due`` queues again
    the mails that must not be lost. ``again``: another copy of a mail that
    goes out once, which the host asked for.
    """
    options = {"again": True} if again else {}

    def enqueue() -> None:
        for done, registration_id in enumerate(registration_ids):
            try:
                queueing.queue(SEND_MAIL, registration_id, Mail(mail).value, **options)
            except Exception:  # noqa: BLE001  (kombu raises many types)
                log.exception(
                    "could not queue the %s mail of registration %s (%d of %d not queued)",
                    mail,
                    registration_id,
                    len(registration_ids) - done,
                    len(registration_ids),
                )
                return

    if registration_ids:
        transaction.on_commit(enqueue)
