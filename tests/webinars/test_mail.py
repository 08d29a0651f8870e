import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from tests.webinars.factories import RegistrationFactory
from webinars.models import Registration
from webinars.services.mailing import Mail
from webinars.services.registrations import (
    registration_approve,
    registration_create,
    registration_reject,
    registration_resend_confirmation,
)
from webinars.services.webinars import webinar_cancel, webinar_update

pytestmark = pytest.mark.django_db


def register(webinar, email="grace@example.com", **extra):
    data = {"first_name": "Grace", "last_name": "Hopper", "email": email} | extra
    return registration_create(webinar=webinar, **data).registration


def cancel_link(message):
    return re.search(r"Cancel your registration: (\S+)", message.body).group(1)


def test_confirmation_has_a_personal_join_link_calendar_and_cancel_link(
    webinar, commit, mailoutbox, settings
):
    webinar.meeting.password = "m33t"
    webinar.meeting.save()
    with commit():
        register(webinar)
    message = mailoutbox[0]
    assert message.to == ["grace@example.com"]
    assert message.subject == "You are registered: Rocket science 101"
    assert message.reply_to == ["host@customer.example"]
    join = re.search(r"Your personal join link: (\S+)", message.body).group(1)
    # The portal's link, which lets in only while the seat is held: no password in it.
    assert join.startswith("https://portal.example/join/") and "m33t" not in message.body
    assert f"Meeting ID: {webinar.meeting.server_meeting_id}" in message.body
    joined = Client().post(urlsplit(join).path, {"name": "Grace Hopper"})
    query = parse_qs(urlsplit(joined["Location"]).query)
    assert query["name"] == ["Grace Hopper"] and query["role"] == ["attendee"]
    assert query["meeting_id"] == [webinar.meeting.server_meeting_id]
    assert query["password"] == ["m33t"]  # given to the server once the seat is checked
    assert "(Europe/Berlin)" in message.body
    assert cancel_link(message).startswith(f"https://portal.example/w/{webinar.slug}/cancel/")

    ((name, content, mimetype),) = message.attachments
    assert name == "webinar.ics" and mimetype.startswith("text/calendar")
    event = next(iter(Calendar.from_ical(content).walk("VEVENT")))
    assert str(event["url"]) == join and "m33t" not in str(content)
    assert str(event["uid"]) == f"meeting-{webinar.meeting_id}@portal.example"
    assert event.decoded("dtstart") == webinar.starts_at
    assert str(event["summary"]) == webinar.title
    assert Registration.objects.get().confirmation_sent_at is not None


def test_calendar_uid_is_the_published_feeds_uid(webinar, commit, mailoutbox, settings, client):
    settings.SITE_URL = "http://testserver"
    webinar.meeting.is_published = True
    webinar.meeting.save()
    with commit():
        register(webinar)
    ((_, content, _),) = mailoutbox[0].attachments
    mailed = str(next(iter(Calendar.from_ical(content).walk("VEVENT")))["uid"])
    feed = client.get(f"/p/{webinar.customer.slug}/meetings.ics")
    assert feed.status_code == 200
    uids = [str(e["uid"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert mailed in uids


def test_cancel_link_needs_no_login_and_promotes_the_waiting_list(webinar, commit, mailoutbox):
    webinar_update(webinar=webinar, capacity=1)
    with commit():
        register(webinar)
        register(webinar, "next@example.com")
    link = urlsplit(cancel_link(mailoutbox[0])).path
    anonymous = Client(enforce_csrf_checks=True)
    ask = anonymous.get(link)
    assert ask.status_code == 200 and "Cancel my registration" in ask.content.decode()
    assert Registration.objects.get(email="grace@example.com").status == "confirmed"  # GET is safe

    mailoutbox.clear()
    with commit():
        done = anonymous.post(link)
    assert "Your registration is cancelled" in done.content.decode()
    assert Registration.objects.get(email="grace@example.com").status == "cancelled"
    assert Registration.objects.get(email="next@example.com").status == "confirmed"
    assert [m.to for m in mailoutbox] == [["next@example.com"]]
    assert "already cancelled" in anonymous.post(link).content.decode()


def test_tampered_cancel_links_do_nothing(webinar, commit, mailoutbox):
    with commit():
        register(webinar)
    link = urlsplit(cancel_link(mailoutbox[0])).path
    response = Client().post(link.replace("/cancel/", "/cancel/x"))
    assert response.status_code == 404 and "not valid" in response.content.decode()
    other = Client().post(link.replace(webinar.slug, "another-webinar"))
    assert other.status_code == 404
    assert Registration.objects.get().status == "confirmed"


def test_a_cancel_link_ends_with_its_webinar(webinar, commit, mailoutbox):
    """The link is a capability kept in old mails (and once in logs): it expires."""
    with commit():
        register(webinar)
    link = urlsplit(cancel_link(mailoutbox[0])).path
    webinar.starts_at = timezone.now() - dt.timedelta(hours=2)
    webinar.ends_at = timezone.now() - dt.timedelta(minutes=1)
    webinar.save()
    assert Client().get(link).status_code == 404
    response = Client().post(link)
    assert response.status_code == 404 and "not valid" in response.content.decode()
    assert Registration.objects.get().status == "confirmed"


def test_rejection_mail_carries_the_hosts_message(webinar, commit, mailoutbox):
    registration = RegistrationFactory(webinar=webinar, status=Registration.Status.PENDING)
    with commit():
        registration_reject(registration=registration, message="Only <partners>, sorry.")
    (message,) = mailoutbox
    assert message.subject == "Your registration for Rocket science 101"
    assert "Only <partners>, sorry." in message.body  # plain text, not HTML-escaped
    assert not message.attachments


def test_a_mail_for_a_status_that_is_gone_is_not_sent(webinar, mailoutbox):
    from webinars.tasks import send_registration_mail

    registration = RegistrationFactory(webinar=webinar, status=Registration.Status.CANCELLED)
    send_registration_mail.delay(registration.pk, "confirmation")
    send_registration_mail.delay(999999, "confirmation")
    assert mailoutbox == []


def test_no_join_link_before_the_meeting_is_on_the_server(webinar, commit, mailoutbox):
    webinar.meeting.server_meeting_id = ""
    webinar.meeting.save()
    with commit():
        register(webinar)
    assert "Your join link will follow" in mailoutbox[0].body


def test_a_confirmation_that_never_went_out_is_sent_by_the_sweep(webinar, mailoutbox, commit):
    import datetime as dt

    from django.utils import timezone

    from tests.webinars.factories import RegistrationFactory
    from webinars.models import Registration
    from webinars.tasks import send_reminders

    lost = RegistrationFactory(
        webinar=webinar,
        status=Registration.Status.CONFIRMED,
        confirmed_at=timezone.now() - dt.timedelta(hours=1),
        confirmation_sent_at=None,
    )
    fresh = RegistrationFactory(  # its confirmation is still on its way: not overdue
        webinar=webinar,
        status=Registration.Status.CONFIRMED,
        confirmed_at=timezone.now(),
        confirmation_sent_at=None,
    )
    with commit():
        send_reminders.delay()
    assert [m.to for m in mailoutbox] == [[lost.email]]
    lost.refresh_from_db()
    assert lost.confirmation_sent_at is not None
    with commit():
        send_reminders.delay()
    assert len(mailoutbox) == 1
    fresh.refresh_from_db()
    assert fresh.confirmation_sent_at is None


def test_cancelling_a_webinar_tells_everyone_holding_or_awaiting_a_seat(
    webinar, commit, mailoutbox, client
):
    S = Registration.Status
    seated = RegistrationFactory(webinar=webinar, email="seated@example.com")
    RegistrationFactory(webinar=webinar, email="pending@example.com", status=S.PENDING)
    RegistrationFactory(
        webinar=webinar, email="waiting@example.com", status=S.WAITLISTED, confirmation_sent_at=None
    )
    RegistrationFactory(webinar=webinar, email="gone@example.com", status=S.CANCELLED)
    RegistrationFactory(webinar=webinar, email="no@example.com", status=S.REJECTED)

    with commit():
        webinar_cancel(webinar=webinar, message="  The speaker is ill.\nSorry!  ")
    assert sorted(m.to[0] for m in mailoutbox) == [
        "pending@example.com",
        "seated@example.com",
        "waiting@example.com",
    ]
    told = {m.to[0]: m for m in mailoutbox}
    message = told["seated@example.com"]
    assert message.subject == "Cancelled: Rocket science 101"
    assert "The speaker is ill.\nSorry!" in message.body
    assert "Cancel your registration" not in message.body  # nothing left to cancel
    ((name, content, mimetype),) = message.attachments
    assert name == "webinar.ics" and "method=CANCEL" in mimetype
    calendar = Calendar.from_ical(content)
    assert str(calendar["method"]) == "CANCEL"
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["uid"]) == f"meeting-{webinar.meeting_id}@portal.example"  # the one they hold
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 1
    assert str(event["organizer"]) == "mailto:host@customer.example"
    assert not told["waiting@example.com"].attachments  # never had the event
    seated.refresh_from_db()
    assert seated.status == S.CONFIRMED  # kept on record as it was

    page = client.get(f"/w/{webinar.slug}/").content.decode()
    assert "This webinar has been cancelled." in page and "The speaker is ill.<br>Sorry!" in page

    mailoutbox.clear()
    with commit():
        webinar_cancel(webinar=webinar, message="again")
    assert mailoutbox == []
    webinar.refresh_from_db()
    assert webinar.cancellation_message == "The speaker is ill.\nSorry!"


def test_after_cancellation_only_the_cancellation_mail_goes_out(webinar, mailoutbox):
    from webinars.tasks import send_registration_mail

    registration = RegistrationFactory(webinar=webinar)
    send_registration_mail.delay(registration.pk, "webinar_cancelled")  # not cancelled yet
    assert mailoutbox == []
    webinar_cancel(webinar=webinar)  # no commit: the mail is not queued here
    send_registration_mail.delay(registration.pk, "confirmation")  # queued before, sent after
    send_registration_mail.delay(registration.pk, "reminder")
    assert mailoutbox == []
    send_registration_mail.delay(registration.pk, "webinar_cancelled")
    assert [m.subject for m in mailoutbox] == ["Cancelled: Rocket science 101"]


def test_cancellation_notices_that_never_went_out_are_sent_by_the_sweep(
    webinar, commit, mailoutbox
):
    import datetime as dt

    from django.utils import timezone

    from tests.webinars.factories import WebinarFactory
    from webinars.models import Webinar
    from webinars.tasks import send_reminders

    S = Registration.Status
    seated = RegistrationFactory(webinar=webinar, email="seated@example.com")
    RegistrationFactory(webinar=webinar, email="waiting@example.com", status=S.WAITLISTED)
    RegistrationFactory(webinar=webinar, email="gone@example.com", status=S.CANCELLED)
    webinar_cancel(webinar=webinar)  # no commit: the notices were never queued
    recent = WebinarFactory(host=webinar.host, title="Just cancelled")
    RegistrationFactory(webinar=recent, email="recent@example.com")
    webinar_cancel(webinar=recent)  # not queued either, but still on its way
    past = WebinarFactory(host=webinar.host, title="Long over")
    RegistrationFactory(webinar=past, email="past@example.com")
    webinar_cancel(webinar=past)
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    Webinar.objects.filter(pk__in=[webinar.pk, past.pk]).update(cancelled_at=an_hour_ago)
    Webinar.objects.filter(pk=past.pk).update(ends_at=an_hour_ago)  # nobody will turn up
    assert mailoutbox == []

    with commit():
        send_reminders.delay()
    assert sorted(m.to[0] for m in mailoutbox) == ["seated@example.com", "waiting@example.com"]
    assert {m.subject for m in mailoutbox} == {"Cancelled: Rocket science 101"}
    seated.refresh_from_db()
    assert seated.cancellation_sent_at is not None
    with commit():
        send_reminders.delay()
    assert len(mailoutbox) == 2


def test_a_mail_that_goes_out_once_is_not_sent_twice_unless_the_host_asks(
    webinar, commit, mailoutbox
):
    """A sweep's copy may meet the first one, held up by a mail server that was down."""
    from webinars.tasks import send_registration_mail

    registration = RegistrationFactory(webinar=webinar, confirmation_sent_at=None)
    send_registration_mail.delay(registration.pk, "confirmation")
    send_registration_mail.delay(registration.pk, "confirmation")  # the sweep's copy
    assert len(mailoutbox) == 1
    with commit():
        registration_resend_confirmation(registration=registration)
    assert len(mailoutbox) == 2

    webinar_cancel(webinar=webinar)
    send_registration_mail.delay(registration.pk, "webinar_cancelled")
    send_registration_mail.delay(registration.pk, "webinar_cancelled")
    assert [m.subject for m in mailoutbox[2:]] == ["Cancelled: Rocket science 101"]


def test_a_registration_confirmed_again_is_owed_a_new_confirmation(webinar, commit, mailoutbox):
    registration = RegistrationFactory(webinar=webinar)  # confirmed, and told so
    with commit():
        registration_reject(registration=registration)
        registration_approve(registration=registration)
    assert [m.subject.split(":")[0] for m in mailoutbox][-1] == "You are registered"
    registration.refresh_from_db()
    assert registration.confirmation_sent_at is not None


class RefusingBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPServerDisconnected("down")


def test_a_mail_that_failed_is_left_to_be_sent_again(webinar, settings, mailoutbox):
    from celery.exceptions import Retry

    from webinars.tasks import send_registration_mail

    registration = RegistrationFactory(webinar=webinar, confirmation_sent_at=None)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with pytest.raises(Retry):  # the worker tries again later
        send_registration_mail.apply(args=(registration.pk, "confirmation"), throw=True)
    registration.refresh_from_db()
    assert registration.confirmation_sent_at is None  # claimed, then given back
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_registration_mail.delay(registration.pk, "confirmation")
    registration.refresh_from_db()
    assert registration.confirmation_sent_at is not None and len(mailoutbox) == 1


@pytest.mark.parametrize("mail", list(Mail))
def test_every_mail_has_its_subject_and_its_template(mail):
    from django.template.loader import get_template

    from webinars.mail import SUBJECTS

    assert "%(title)s" in str(SUBJECTS[mail])
    assert get_template(f"webinars/mail/{mail}.txt")


def test_the_confirmations_calendar_names_its_organizer_and_its_charset_once(
    webinar, commit, mailoutbox
):
    with commit():
        register(webinar)
    message = mailoutbox[0]
    ((_, content, _),) = message.attachments
    calendar = Calendar.from_ical(content)
    assert str(calendar["method"]) == "PUBLISH"
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["organizer"]) == "mailto:host@customer.example"  # RFC 5546 §3.2.1
    assert "attendee" not in event
    (part,) = [p for p in message.message().walk() if p.get_content_type() == "text/calendar"]
    assert part["Content-Type"].count("charset") == 1, part["Content-Type"]
    assert part.get_param("charset") == "utf-8" and part.get_param("method") == "PUBLISH"
