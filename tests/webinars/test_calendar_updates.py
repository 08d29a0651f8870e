"""Calendars that follow changes: a moved webinar updates the event registrants saved.

Each calendar file is read back by icalendar and by Mozilla's ical.js (through node,
tests/js/apply_update.mjs), and applied to the event of the first one as a calendar
applies an iTIP message (RFC 5546): same UID, higher SEQUENCE.
"""

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from icalendar import Calendar

from meetings.services import meeting_push
from tests.webinars.factories import RegistrationFactory, WebinarFactory
from webinars import mail
from webinars.models import Registration
from webinars.services.mailing import Mail
from webinars.services.webinars import webinar_cancel, webinar_update
from webinars.tasks import send_registration_mail

pytestmark = pytest.mark.django_db

S = Registration.Status
JS = Path(__file__).parents[1] / "js"


@pytest.fixture(scope="session")
def icaljs():
    """Runs tests/js/apply_update.mjs over calendar files; installs ical.js once."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed to read calendars with ical.js")
    if not (JS / "node_modules/ical.js").is_dir():
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(JS)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if installed.returncode:
            pytest.skip(f"ical.js could not be installed from npm: {installed.stderr[-500:]}")

    def apply(tmp_path: Path, *files: bytes) -> dict:
        paths = []
        for number, content in enumerate(files):
            path = tmp_path / f"{number}.ics"
            path.write_bytes(content)
            paths.append(str(path))
        done = subprocess.run(
            [node, str(JS / "apply_update.mjs"), *paths],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return json.loads(done.stdout)

    return apply


def calendar_of(message) -> tuple[Calendar, bytes]:
    ((name, content, mimetype),) = message.attachments
    assert name == "webinar.ics" and mimetype.startswith("text/calendar")
    content = content.encode() if isinstance(content, str) else content  # Django decodes text
    return Calendar.from_ical(content), content


def event_of(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def apply(held: dict, calendar: Calendar) -> None:
    """What a calendar does with an iTIP message for the events it ``held`` (by UID)."""
    for event in calendar.walk("VEVENT"):
        uid, sequence = str(event["uid"]), int(event.get("sequence", 0))
        mine = held.get(uid)
        if mine is not None and sequence <= int(mine.get("sequence", 0)):
            continue
        if str(calendar["method"]) == "CANCEL":
            held.pop(uid, None)
        else:
            held[uid] = event


def send(registration: Registration, kind: Mail) -> None:
    send_registration_mail.apply(args=[registration.pk, kind.value])


@pytest.fixture
def seated(webinar):
    """A German registrant who got the confirmation, and their saved calendar file."""
    registration = RegistrationFactory(webinar=webinar, email="ada@example.com", language="de")
    return registration, mail.calendar_file(registration, mail.personal_join_url(registration))


def test_moving_a_webinar_updates_the_event_of_everyone_holding_a_seat(
    webinar, seated, commit, mailoutbox, tmp_path, icaljs
):
    registration, saved = seated
    RegistrationFactory(
        webinar=webinar, email="pending@example.com", status=S.PENDING, confirmed_at=None
    )
    RegistrationFactory(
        webinar=webinar, email="waiting@example.com", status=S.WAITLISTED, confirmed_at=None
    )
    RegistrationFactory(webinar=webinar, email="gone@example.com", status=S.CANCELLED)
    webinar.capacity = 2  # full: the one waiting keeps waiting
    webinar.save()
    starts_at = webinar.starts_at + dt.timedelta(days=1)

    with commit():
        webinar_update(
            webinar=webinar, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2)
        )

    told = {message.to[0]: message for message in mailoutbox}
    assert sorted(told) == ["ada@example.com", "pending@example.com"]
    message = told["ada@example.com"]
    assert message.subject == "Geändert: Rocket science 101"  # the language they registered in
    assert "hat sich geändert" in message.body and "Ihr persönlicher Teilnahmelink" in message.body
    assert not told["pending@example.com"].attachments  # never sent the event: nothing to update

    calendar, content = calendar_of(message)
    assert "method=REQUEST" in message.attachments[0][2]
    assert str(calendar["method"]) == "REQUEST"
    before, after = event_of(Calendar.from_ical(saved)), event_of(calendar)
    assert str(after["uid"]) == str(before["uid"]) == webinar.meeting.calendar_uid
    assert int(after["sequence"]) > int(before.get("sequence", 0))
    assert str(after["organizer"]) == "mailto:host@customer.example"
    assert str(after["attendee"]) == "mailto:ada@example.com"
    assert after.decoded("dtstart") == starts_at

    held = {}
    apply(held, Calendar.from_ical(saved))
    apply(held, calendar)
    assert list(held) == [webinar.meeting.calendar_uid]
    assert held[webinar.meeting.calendar_uid].decoded("dtstart") == starts_at

    shown = icaljs(tmp_path, saved, content)
    assert shown["applied"] == [True]
    assert shown["event"]["start"] == starts_at.astimezone(dt.UTC).isoformat().replace(
        "+00:00", ".000Z"
    )
    assert shown["event"]["end"].startswith(
        (starts_at + dt.timedelta(hours=2)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    )
    assert shown["event"]["organizer"] == "mailto:host@customer.example"


def test_a_change_that_calendars_do_not_show_sends_nothing(webinar, seated, commit, mailoutbox):
    with commit():
        webinar_update(webinar=webinar, capacity=20, description="More detail.")
    assert mailoutbox == []
    webinar.refresh_from_db()
    assert webinar.calendar_sequence == 0


def test_later_reminders_and_the_cancellation_carry_the_current_sequence(
    webinar, seated, commit, mailoutbox, tmp_path, icaljs
):
    registration, saved = seated
    for hours in (1, 2, 3, 4):  # moved four times, an hour at a time
        starts_at = webinar.starts_at + dt.timedelta(hours=hours)
        with commit():
            webinar_update(
                webinar=webinar, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
            )
    updates = [calendar_of(m)[1] for m in mailoutbox]
    sequences = [int(event_of(Calendar.from_ical(c))["sequence"]) for c in updates]
    assert sequences == sorted(set(sequences)) and len(sequences) == 4

    mailoutbox.clear()
    send(registration, Mail.REMINDER)
    reminder, reminder_content = calendar_of(mailoutbox[0])
    assert int(event_of(reminder)["sequence"]) == sequences[-1]
    assert str(event_of(reminder)["organizer"]) == "mailto:host@customer.example"

    mailoutbox.clear()
    with commit():
        webinar_cancel(webinar=webinar)
    cancellation, cancel_content = calendar_of(mailoutbox[0])
    assert str(cancellation["method"]) == "CANCEL"
    assert "method=CANCEL" in mailoutbox[0].attachments[0][2]
    assert int(event_of(cancellation)["sequence"]) > sequences[-1]
    assert str(event_of(cancellation)["status"]) == "CANCELLED"

    held = {}
    for content in (saved, *updates, reminder_content):
        apply(held, Calendar.from_ical(content))
    assert held[webinar.meeting.calendar_uid].decoded("dtstart") == starts_at
    apply(held, cancellation)
    assert held == {}

    shown = icaljs(tmp_path, saved, *updates, cancel_content)
    assert shown == {"applied": [True, True, True, True, True], "event": None}


def test_a_join_link_that_arrives_later_is_sent_as_an_update(
    synced_host, commit, mailoutbox, fake_tm
):
    """A confirmation that went out before the meeting was on the server had no join link."""
    webinar = WebinarFactory(host=synced_host, meeting__server_meeting_id="")
    registration = RegistrationFactory(webinar=webinar, email="ada@example.com")
    RegistrationFactory(webinar=webinar, email="later@example.com", confirmation_sent_at=None)
    assert mail.personal_join_url(registration) == ""

    with commit():
        meeting_push(meeting_id=webinar.meeting_id)
    webinar.meeting.refresh_from_db()
    assert webinar.meeting.server_meeting_id

    (message,) = mailoutbox  # the other's confirmation, still to go, will have the link
    assert message.to == ["ada@example.com"] and message.subject.startswith("Changed: ")
    assert "Your personal join link: https://portal.example/join/" in message.body
    event = event_of(calendar_of(message)[0])
    assert str(event["url"]).startswith("https://portal.example/join/")
    assert int(event["sequence"]) == 1


@pytest.mark.parametrize(
    ("language", "subject", "calendar"),
    [
        ("fr", "Modifié : Rocket science 101", "met à jour l’événement"),
        ("es", "Cambiado: Rocket science 101", "actualiza el evento"),
    ],
)
def test_the_update_speaks_the_registrants_language(webinar, language, subject, calendar):
    registration = RegistrationFactory(webinar=webinar, language=language)
    message = mail.build(registration, Mail.WEBINAR_UPDATED)
    assert message.subject == subject and calendar in message.body


def test_an_update_mail_the_queue_lost_goes_out_once_from_the_sweep(
    webinar, seated, commit, mailoutbox
):
    """The broker was down when the webinar moved: its update mail never reached the queue.
    The sweep that re-queues lost mails sends it once; the next sweep sends nothing."""
    from django.utils import timezone

    from webinars.services.mailing import mails_requeue_due

    registration, _saved = seated
    late = RegistrationFactory(webinar=webinar, email="late@example.com")
    starts_at = webinar.starts_at + dt.timedelta(days=1)
    webinar_update(  # no commit(): the queued mails are lost with the transaction's callbacks
        webinar=webinar, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )
    assert mailoutbox == []
    webinar.refresh_from_db()
    after = RegistrationFactory(webinar=webinar, email="after@example.com")
    after.calendar_sequence_sent = webinar.calendar_sequence  # registered after the move
    after.save()

    later = timezone.now() + dt.timedelta(hours=1)
    with commit():
        mails_requeue_due(now=later)
    assert sorted(m.to[0] for m in mailoutbox) == ["ada@example.com", late.email]
    assert all(m.subject.startswith(("Changed", "Geändert")) for m in mailoutbox)
    assert event_of(calendar_of(mailoutbox[0])[0]).decoded("dtstart") == starts_at

    mailoutbox.clear()
    with commit():
        mails_requeue_due(now=later)
    assert mailoutbox == []
    registration.refresh_from_db()
    assert registration.calendar_sequence_sent == webinar.calendar_sequence


def test_two_copies_of_an_update_mail_send_it_once(webinar, seated, commit, mailoutbox):
    registration, _saved = seated
    starts_at = webinar.starts_at + dt.timedelta(days=1)
    webinar_update(webinar=webinar, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1))
    send(registration, Mail.WEBINAR_UPDATED)
    send(registration, Mail.WEBINAR_UPDATED)  # a sweep's copy while the first was retrying
    assert len(mailoutbox) == 1
