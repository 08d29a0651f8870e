"""Writes for webinars: create, change and cancel a webinar and the meeting it manages."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import string

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from conferencing.base import MeetingKind
from meetings.models import Meeting
from meetings.services import meeting_cancel, meeting_manage, meeting_schedule, meeting_update
from portal.accounts.models import Host
from webinars import selectors, webhooks
from webinars.models import Registration, Webinar
from webinars.services import mailing
from webinars.services.registrations import promote

log = logging.getLogger(__name__)

#: What webinar_create and webinar_update take: what the dashboard, the admin and the API
#: edit of a webinar.
WEBINAR_FIELDS = (
    "title",
    "slug",
    "description",
    "speakers",
    "starts_at",
    "ends_at",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "approval",
    "waiting_list",
    "consent_text",
    "status",
)
_MEETING_FIELDS = {"title": "topic", "starts_at": "starts_at", "ends_at": "ends_at"}
#: What registrants' calendars hold of a webinar besides its title: a change to these is
#: mailed to them (a new title alone is not worth a mail).
CALENDAR_FIELDS = ("starts_at", "ends_at")


def _meeting_password() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(10))


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:60].strip("-") or "webinar"
    slug, n = base, 1
    taken = Webinar.objects.exclude(pk=exclude_pk)
    while taken.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def webinar_create(
    *,
    host: Host,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    slug: str = "",
    description: str = "",
    speakers: str = "",
    capacity: int | None = None,
    registration_opens_at: dt.datetime | None = None,
    registration_closes_at: dt.datetime | None = None,
    approval: str = Webinar.Approval.AUTOMATIC,
    waiting_list: bool = True,
    consent_text: str = "",
    status: str = Webinar.Status.DRAFT,
    meeting_password: str | None = None,
) -> Webinar:
    """Save the webinar and schedule its meeting (of kind webinar) in one transaction.

    The meeting is pushed to the server after the commit, by the meetings
    services: if the server is down the webinar is kept and registration
    works; the meeting catches up with backoff.
    """
    webinar = Webinar(
        customer=host.customer,
        host=host,
        title=title,
        slug=slug or _unique_slug(title),
        description=description,
        speakers=speakers,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at,
        approval=approval,
        waiting_list=waiting_list,
        consent_text=consent_text,
        status=status,
    )
    webinar.full_clean(exclude=["meeting"])
    with transaction.atomic():
        webinar.meeting = meeting_schedule(
            host=host,
            topic=title,
            kind=MeetingKind.WEBINAR,
            starts_at=starts_at,
            ends_at=ends_at,
            password=_meeting_password() if meeting_password is None else meeting_password,
        )
        webinar.save()
        webinar_manages_its_meeting(webinar)
    return webinar


def webinar_manages_its_meeting(webinar: Webinar) -> None:
    """Mark the meeting as the webinar's: its meeting pages and API send the host here."""
    meeting_manage(
        meeting=webinar.meeting,
        by="webinar",
        page=reverse("dashboard-webinar", args=[webinar.pk]),
        api=reverse("webinar-detail", args=[webinar.pk]),
    )


def webinar_update(*, webinar: Webinar, **changes) -> Webinar:
    """Change the webinar; its meeting follows title and times; registrations are never touched.

    A larger capacity (or no limit) promotes people from the waiting list at
    once; a smaller one keeps everyone who has a seat and only stops new ones.
    A new time is mailed to everyone holding a seat, with a calendar update
    for those who were sent the event.
    """
    unknown = set(changes) - set(WEBINAR_FIELDS)
    if unknown:
        raise TypeError(f"cannot update {', '.join(sorted(unknown))}")
    if "slug" in changes and not changes["slug"]:
        changes["slug"] = _unique_slug(changes.get("title", webinar.title), exclude_pk=webinar.pk)
    with transaction.atomic():
        locked = Webinar.objects.select_for_update().select_related("meeting").get(pk=webinar.pk)
        moved = any(
            name in changes and changes[name] != getattr(locked, name) for name in CALENDAR_FIELDS
        )
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.full_clean()
        if moved:
            locked.calendar_sequence += 1
        locked.save()
        if moved and locked.cancelled_at is None:
            _tell_of_change(locked, status__in=mailing.TOLD_OF_CHANGES)
        meeting_changes = {
            _MEETING_FIELDS[name]: getattr(locked, name)
            for name in _MEETING_FIELDS
            if getattr(locked.meeting, _MEETING_FIELDS[name]) != getattr(locked, name)
        }
        if meeting_changes and locked.meeting.cancelled_at is None:
            meeting_update(meeting=locked.meeting, **meeting_changes)
        promote(locked)
        webhooks.webinar_event("webinar.updated", locked)
    return locked


def _tell_of_change(webinar: Webinar, **who) -> None:
    """Queue the update mail to the registrations ``who`` selects (filter arguments)."""
    told = webinar.registrations.filter(**who).values_list("pk", flat=True)
    mailing.queue_mails(mailing.Mail.WEBINAR_UPDATED, list(told))


def webinar_join_details_changed(*, meeting_id: int) -> None:
    """The webinar's meeting has a new ID on the server: new join details to send.

    Those who were sent their confirmation get the update (a confirmation that
    went out before the meeting was on the server had no join link); one still
    to go will carry the new details anyway.
    """
    with transaction.atomic():
        webinar = Webinar.objects.select_for_update().filter(meeting_id=meeting_id).first()
        if webinar is None or webinar.cancelled_at is not None:
            return
        webinar.calendar_sequence += 1
        webinar.save(update_fields=["calendar_sequence", "updated_at"])
        _tell_of_change(
            webinar, status=Registration.Status.CONFIRMED, confirmation_sent_at__isnull=False
        )


def meeting_saved(sender, instance: Meeting, update_fields=None, **kwargs) -> None:
    """(Receives ``post_save`` of Meeting.) The push that gives a meeting its server ID
    saves that field alone; for a webinar's meeting, that changes its join details.

    Handled once the meeting's save commits: ``webinar_update`` locks the webinar
    before it saves the meeting, so taking the webinar's lock while the meeting's
    row is locked could deadlock with it.
    """
    if update_fields and "server_meeting_id" in update_fields and instance.managed_by == "webinar":
        meeting_id = instance.pk
        transaction.on_commit(lambda: webinar_join_details_changed(meeting_id=meeting_id))


def webinar_cancel(*, webinar: Webinar, message: str = "") -> Webinar:
    """Cancel the webinar and its meeting, and tell everyone who holds or awaits a seat.

    Registrations stay on record with their status; registration closes. Each
    person pending, registered or waiting gets one mail with the host's
    ``message`` (and, if they had the event, a calendar cancellation). The
    webinar is claimed with a conditional UPDATE, so cancelling twice, or
    twice at once, sends nothing more.
    """
    now = timezone.now()
    message = message.strip()
    with transaction.atomic():
        claimed = Webinar.objects.filter(pk=webinar.pk, cancelled_at__isnull=True).update(
            cancelled_at=now,
            cancellation_message=message,
            updated_at=now,
            calendar_sequence=F("calendar_sequence") + 1,  # the cancellation outranks the event
        )
        if claimed:
            selectors.public_webinars_changed()  # an update() sends no post_save
            webinar.cancelled_at, webinar.cancellation_message = now, message
            webinar.refresh_from_db(fields=["calendar_sequence"])
            meeting_cancel(meeting=webinar.meeting)
            webhooks.webinar_event("webinar.cancelled", webinar)
            told = webinar.registrations.filter(status__in=mailing.TOLD_OF_CANCELLATION)
            mailing.queue_mails(
                mailing.Mail.WEBINAR_CANCELLED, list(told.values_list("pk", flat=True))
            )
    return webinar
