"""The mails a registrant receives, built from the stored registration.

Links in mail must be absolute, and mail is sent by a worker with no
request at hand, so they start from ``settings.SITE_URL``. The
calendar attachment's UID is the published meeting feed's UID for the same
meeting, so a calendar that has both merges them into one event.
"""

from __future__ import annotations

import datetime as dt
import enum

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from icalendar import Calendar, Event

from meetings import launch
from portal import i18n
from portal.ical import Text, param_text
from webinars.models import Registration
from webinars.services.mailing import Mail
from webinars.text import when

CANCEL_SALT = "webinars.cancel-registration"

SUBJECTS = {
    Mail.CONFIRMATION: gettext_lazy("You are registered: %(title)s"),
    Mail.RECEIVED: gettext_lazy("Registration received: %(title)s"),
    Mail.REJECTION: gettext_lazy("Your registration for %(title)s"),
    Mail.REMINDER: gettext_lazy("Starting soon: %(title)s"),
    Mail.WEBINAR_UPDATED: gettext_lazy("Changed: %(title)s"),
    Mail.WEBINAR_CANCELLED: gettext_lazy("Cancelled: %(title)s"),
}
#: The mails that hand out the event (a join link and a calendar file).
WITH_CALENDAR = (Mail.CONFIRMATION, Mail.REMINDER)


class Method(enum.StrEnum):
    """The iTIP method of a calendar file (RFC 5546 §1.4)."""

    PUBLISH = "PUBLISH"  # here is the event
    REQUEST = "REQUEST"  # the event you hold has changed: take this version
    CANCEL = "CANCEL"  # the event you hold is off: remove it


#: The calendar file each mail carries; the update and the cancellation only to those who
#: were sent the event (``Registration.confirmation_sent_at``): nobody else holds one.
CALENDAR_METHODS = {
    Mail.CONFIRMATION: Method.PUBLISH,
    Mail.REMINDER: Method.PUBLISH,
    Mail.WEBINAR_UPDATED: Method.REQUEST,
    Mail.WEBINAR_CANCELLED: Method.CANCEL,
}
#: Django's attach() adds the charset of a text part itself.
CALENDAR_TYPE = "text/calendar; method=%s"


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def cancel_token(registration: Registration) -> str:
    """A signed capability: whoever holds the link may cancel this one registration."""
    return signing.dumps(registration.pk, salt=CANCEL_SALT)


def registration_for_cancel_token(token: str) -> int | None:
    try:
        pk = signing.loads(token, salt=CANCEL_SALT)
    except signing.BadSignature:
        return None
    return pk if isinstance(pk, int) else None


def cancel_url(registration: Registration) -> str:
    path = reverse(
        "webinar-cancel-registration",
        kwargs={"slug": registration.webinar.slug, "token": cancel_token(registration)},
    )
    return site_url(path)


def personal_join_url(registration: Registration) -> str:
    """The portal's join link for this registrant, on every server; "" until the meeting is
    on the server.

    Never the server's own link: that would carry the meeting's password and outlive the
    registration. The portal's link reaches the server only while the registration
    holds a seat (``launch.join_link_used``).
    """
    meeting = registration.webinar.meeting
    if not meeting.server_meeting_id:
        return ""
    return launch.join_page(
        meeting, name=registration.full_name, external_id=f"registration-{registration.pk}"
    )


def calendar_file(
    registration: Registration, join: str, *, method: Method = Method.PUBLISH
) -> bytes:
    """The event as an iCalendar file, in the registrant's language.

    Every file of one webinar carries the same UID and the webinar's current
    SEQUENCE (``Webinar.calendar_sequence``, raised with each change sent), so
    a calendar that holds the event takes a REQUEST as the new version of it
    and a CANCEL as its removal (RFC 5546). ORGANIZER is the host, as iTIP
    requires; a REQUEST or CANCEL also names the registrant as ATTENDEE, with
    no reply asked for.
    """
    with i18n.override_for(registration.language):
        return _calendar_file(registration, join, Method(method))


def _calendar_file(registration: Registration, join: str, method: Method) -> bytes:
    webinar = registration.webinar
    calendar = Calendar()
    calendar.add("prodid", "-//Partner portal//Webinars//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method.value)
    event = Event()
    event.add("uid", webinar.meeting.calendar_uid)
    event.add("sequence", webinar.calendar_sequence)
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", webinar.starts_at.astimezone(dt.UTC))
    event.add("dtend", webinar.ends_at.astimezone(dt.UTC))
    event.add("summary", Text(webinar.title))
    event.add(
        "organizer", organizer(registration), parameters={"CN": param_text(host_name(registration))}
    )
    if method != Method.PUBLISH:  # iTIP: a PUBLISH names no attendee, the others must
        event.add(
            "attendee",
            f"mailto:{registration.email}",
            parameters={"CN": param_text(registration.full_name), "RSVP": "FALSE"},
        )
    if method == Method.CANCEL:
        event.add("status", "CANCELLED")
    else:
        lines = [_("Join: %(url)s") % {"url": join}] if join else []
        lines.append(_("Cancel your registration: %(url)s") % {"url": cancel_url(registration)})
        event.add("description", Text("\n".join(lines)))
        if join:
            event.add("url", join)
    calendar.add_component(event)
    return calendar.to_ical()


def organizer(registration: Registration) -> str:
    """The host's address, or the portal's sending address for a host without one."""
    return f"mailto:{registration.webinar.host.user.email or settings.DEFAULT_FROM_EMAIL}"


def host_name(registration: Registration) -> str:
    webinar = registration.webinar
    return webinar.host.user.get_full_name() or webinar.customer.name


def build(registration: Registration, mail: Mail) -> EmailMessage:
    """The mail in the language the registrant registered in."""
    with i18n.override_for(registration.language):
        return _build(registration, Mail(mail))


def _build(registration: Registration, mail: Mail) -> EmailMessage:
    webinar = registration.webinar
    method = CALENDAR_METHODS.get(mail)
    if method in (Method.REQUEST, Method.CANCEL) and registration.confirmation_sent_at is None:
        method = None  # only someone who was sent the event has one in a calendar to change
    shows_join = mail in WITH_CALENDAR or (
        mail == Mail.WEBINAR_UPDATED and registration.status == Registration.Status.CONFIRMED
    )
    join = personal_join_url(registration) if shows_join else ""
    context = {
        "registration": registration,
        "webinar": webinar,
        "when": when(webinar),
        "join_url": join,
        # Where the ID alone lets people in (no meeting passwords), it is not mailed either.
        "meeting_id": webinar.meeting.server_meeting_id
        if launch.server_id_is_public(webinar.meeting)
        else "",
        "cancel_url": cancel_url(registration),
        "page_url": site_url(reverse("webinar-page", kwargs={"slug": webinar.slug})),
        "host_name": host_name(registration),
        "calendar_attached": method is not None,
    }
    message = EmailMessage(
        subject=SUBJECTS[mail] % {"title": webinar.title},
        body=render_to_string(f"webinars/mail/{mail}.txt", context),
        to=[registration.email],
        reply_to=[webinar.host.user.email] if webinar.host.user.email else None,
    )
    if method is not None:
        ics = calendar_file(registration, join, method=method)
        message.attach("webinar.ics", ics, CALENDAR_TYPE % method)
    return message


def send(registration: Registration, mail: Mail) -> None:
    build(registration, mail).send()
