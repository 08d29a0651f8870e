import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conferencing.base import MeetingKind
from meetings.models import Meeting
from portal.accounts.models import SyncState
from tests.webinars.factories import QuestionFactory, RegistrationFactory, WebinarFactory
from webinars.models import Question, Registration, Webinar
from webinars.services.questions import (
    question_create,
    question_delete,
    question_move,
    question_update,
)
from webinars.services.registrations import (
    RegistrationRefused,
    registration_approve,
    registration_cancel,
    registration_create,
    registration_reject,
    registration_resend_confirmation,
)
from webinars.services.webinars import webinar_cancel, webinar_create, webinar_update

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
S = Registration.Status


def register(webinar, email, **extra):
    data = {"first_name": "Ann", "last_name": "Lee", "email": email} | extra
    return registration_create(webinar=webinar, **data)


def statuses(webinar):
    return list(webinar.registrations.order_by("pk").values_list("email", "status"))


# --- webinars and their meeting ---------------------------------------------------------


def test_create_schedules_a_webinar_meeting_on_the_server(synced_host, fake_tm, commit):
    start = dt.datetime(2031, 3, 10, 15, 0, tzinfo=BERLIN)
    with commit():
        webinar = webinar_create(
            host=synced_host,
            title="Launch",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            capacity=50,
            status=Webinar.Status.PUBLISHED,
        )
    meeting = Meeting.objects.get(pk=webinar.meeting_id)
    assert meeting.kind == MeetingKind.WEBINAR == 3
    assert meeting.sync_state == SyncState.SYNCED and meeting.password
    on_server = fake_tm.meetings[meeting.server_meeting_id]
    assert on_server.meeting_type == 3 and on_server.topic == "Launch"
    assert webinar.slug == "launch" and webinar.customer == synced_host.customer

    with commit():
        webinar_update(
            webinar=webinar, title="Launch, part 2", starts_at=start + dt.timedelta(hours=1),
            ends_at=start + dt.timedelta(hours=2),
        )  # fmt: skip
    assert fake_tm.meetings[meeting.server_meeting_id].topic == "Launch, part 2"
    meeting.refresh_from_db()
    assert meeting.starts_at == start + dt.timedelta(hours=1)
    assert list(fake_tm.meetings) == [meeting.server_meeting_id]  # same meeting, updated

    webinar_cancel(webinar=webinar)
    meeting.refresh_from_db()
    assert meeting.cancelled_at is not None
    assert webinar.registration_state() == "cancelled"


def test_invalid_times_save_nothing(host):
    start = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        webinar_create(host=host, title="Backwards", starts_at=start, ends_at=start)
    assert "ends_at" in exc.value.message_dict
    assert not Webinar.objects.exists() and not Meeting.objects.exists()


def test_slugs_are_unique(host, fake_tm):
    start = timezone.now() + dt.timedelta(days=1)
    times = {"starts_at": start, "ends_at": start + dt.timedelta(hours=1)}
    first = webinar_create(host=host, title="Same title", **times)
    second = webinar_create(host=host, title="Same title", **times)
    assert (first.slug, second.slug) == ("same-title", "same-title-2")


# --- seats, waiting list, promotion ------------------------------------------------------


def test_capacity_then_waiting_list_then_promotion_in_order(webinar, commit, mailoutbox):
    webinar_update(webinar=webinar, capacity=2)
    with commit():
        for n in range(4):
            register(webinar, f"p{n}@example.com")
    assert [s for _, s in statuses(webinar)] == [
        S.CONFIRMED,
        S.CONFIRMED,
        S.WAITLISTED,
        S.WAITLISTED,
    ]
    subjects = [m.subject for m in mailoutbox]
    assert subjects.count("You are registered: Rocket science 101") == 2
    assert subjects.count("Registration received: Rocket science 101") == 2

    mailoutbox.clear()
    with commit():
        registration_cancel(registration=Registration.objects.get(email="p0@example.com"))
    assert dict(statuses(webinar))["p2@example.com"] == S.CONFIRMED  # first in line
    assert dict(statuses(webinar))["p3@example.com"] == S.WAITLISTED
    assert [m.to for m in mailoutbox] == [["p2@example.com"]]

    with commit():
        webinar_update(webinar=webinar, capacity=None)  # no limit: everyone in
    assert dict(statuses(webinar))["p3@example.com"] == S.CONFIRMED


def test_full_without_waiting_list_is_refused(webinar):
    webinar_update(webinar=webinar, capacity=1, waiting_list=False)
    register(webinar, "first@example.com")
    with pytest.raises(RegistrationRefused) as exc:
        register(webinar, "second@example.com")
    assert exc.value.code == "full" and "fully booked" in str(exc.value)


def test_one_registration_per_email_case_insensitive(webinar):
    first = register(webinar, "Ada@Example.com")
    again = register(webinar, "ada@example.COM ", first_name="Someone else")
    assert first.created and not again.created
    assert again.registration.pk == first.registration.pk
    assert again.registration.first_name == "Ann"  # unchanged
    assert webinar.registrations.count() == 1


def test_registering_again_after_cancelling_reuses_the_row(webinar):
    first = register(webinar, "back@example.com").registration
    registration_cancel(registration=first)
    again = register(webinar, "back@example.com")
    assert again.created and again.registration.pk == first.pk
    assert again.registration.status == S.CONFIRMED and again.registration.cancelled_at is None


def test_every_registration_field_is_declared_reset_or_kept_on_reuse():
    # A field added to Registration but not to Registration.FIELDS would keep a
    # cancelled registration's old value when the person registers again.
    declared = [field.name for field in Registration.FIELDS]
    assert sorted(declared) == sorted(f.name for f in Registration._meta.concrete_fields)
    assert len(declared) == len(set(declared))


def test_registering_again_after_cancelling_resets_every_field_not_kept(webinar):
    first = register(
        webinar,
        "back@example.com",
        organisation="Old Ltd",
        phone="+1 555",
        source_url="https://a.example/",
    ).registration
    registration_cancel(registration=first)
    earlier = timezone.now() - dt.timedelta(days=1)
    Registration.objects.filter(pk=first.pk).update(
        reminder_sent_at=earlier,
        cancellation_sent_at=earlier,
        waitlisted_at=earlier,
        rejection_message="No.",
        answers={"1": "old"},
    )
    again = register(webinar, "back@example.com").registration
    fresh = Registration(webinar=webinar)
    kept_or_given = {
        "id",
        "webinar",
        "updated_at",
        "created_at",
        "status",
        "first_name",
        "last_name",
        "email",
        "confirmed_at",
        "language",
        "confirmation_sent_at",
    }
    for field in Registration.FIELDS:
        if field.name not in kept_or_given:
            assert getattr(again, field.name) == getattr(fresh, field.name), field.name
    assert again.pk == first.pk and again.status == S.CONFIRMED


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": Webinar.Status.DRAFT}, "draft"),
        ({"registration_opens_at": timezone.now() + dt.timedelta(days=1)}, "not_yet_open"),
        ({"registration_closes_at": timezone.now() - dt.timedelta(minutes=1)}, "closed"),
    ],
)
def test_registration_window(host, changes, code):
    webinar = WebinarFactory(host=host, **changes)
    with pytest.raises(RegistrationRefused) as exc:
        register(webinar, "late@example.com")
    assert exc.value.code == code


def test_registration_closes_at_the_start_by_default(host):
    webinar = WebinarFactory(host=host, starts_at=timezone.now() - dt.timedelta(minutes=5))
    assert webinar.registration_state() == "closed"


def test_consent_is_required_when_there_is_a_consent_text(host):
    webinar = WebinarFactory(host=host, consent_text="You may mail me.")
    with pytest.raises(ValidationError):
        register(webinar, "no-consent@example.com")
    registration = register(webinar, "yes@example.com", consent=True).registration
    assert registration.consent and registration.consent_text == "You may mail me."


# --- manual approval ------------------------------------------------------------------------


def test_manual_approval_confirms_on_approval(host, commit, mailoutbox):
    webinar = WebinarFactory(host=host, approval=Webinar.Approval.MANUAL, capacity=1)
    with commit():
        pending = register(webinar, "wait@example.com").registration
        waiting = register(webinar, "later@example.com").registration
    assert (pending.status, waiting.status) == (S.PENDING, S.WAITLISTED)  # pending holds the seat
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Registration received"] * 2

    mailoutbox.clear()
    with commit():
        registration_approve(registration=pending)
    assert [m.subject.split(":")[0] for m in mailoutbox] == ["You are registered"]
    with pytest.raises(ValidationError, match="No seat is free"):
        registration_approve(registration=waiting)

    mailoutbox.clear()
    with commit():
        registration_reject(registration=pending, message="Partners only, sorry.")
    pending.refresh_from_db()
    waiting.refresh_from_db()
    assert pending.status == S.REJECTED
    assert waiting.status == S.PENDING  # promoted to the seat, still needs approval
    rejection = next(m for m in mailoutbox if m.to == ["wait@example.com"])
    assert "Partners only, sorry." in rejection.body


def test_resend_only_for_confirmed(webinar, commit, mailoutbox):
    registration = RegistrationFactory(webinar=webinar, status=S.WAITLISTED)
    with pytest.raises(ValidationError):
        registration_resend_confirmation(registration=registration)
    registration = RegistrationFactory(webinar=webinar)
    with commit():
        registration_resend_confirmation(registration=registration)
    assert len(mailoutbox) == 1


# --- questions: editing never loses answers -------------------------------------------------


def test_removing_an_answered_question_archives_it(webinar):
    answered = QuestionFactory(webinar=webinar, label="Role")
    unanswered = QuestionFactory(webinar=webinar, label="Unused")
    RegistrationFactory(webinar=webinar, answers={str(answered.pk): "Engineer"})
    assert question_delete(question=answered) is True
    assert question_delete(question=unanswered) is False
    answered.refresh_from_db()
    assert answered.archived_at is not None
    assert not Question.objects.filter(pk=unanswered.pk).exists()
    assert webinar.registrations.get().answers == {str(answered.pk): "Engineer"}


def test_the_type_of_an_answered_question_cannot_change(webinar):
    question = QuestionFactory(webinar=webinar)
    question_update(question=question, answer_type=Question.AnswerType.LONG_TEXT)  # no answers yet
    RegistrationFactory(webinar=webinar, answers={str(question.pk): "text"})
    with pytest.raises(ValidationError) as exc:
        question_update(question=question, answer_type=Question.AnswerType.DATE)
    assert "answer_type" in exc.value.message_dict
    question_update(question=question, label="Renamed")  # the label may change
    assert webinar.registrations.get().answers == {str(question.pk): "text"}


def test_editing_a_published_webinar_keeps_registrations(webinar):
    for n in range(3):
        register(webinar, f"keep{n}@example.com")
    webinar_update(webinar=webinar, capacity=1, title="New title", description="New")
    assert webinar.registrations.filter(status=S.CONFIRMED).count() == 3  # nobody loses a seat
    webinar_update(webinar=webinar, waiting_list=False)
    with pytest.raises(RegistrationRefused, match="fully booked"):
        register(webinar, "new@example.com")


def test_dependencies_and_order(webinar):
    role = question_create(
        webinar=webinar,
        label="Role",
        answer_type=Question.AnswerType.SINGLE_CHOICE,
        choices="Dev\nOps",
    )
    with pytest.raises(ValidationError):
        question_create(webinar=webinar, label="Bad", depends_on=role, depends_on_value="X")
    stack = question_create(webinar=webinar, label="Stack", depends_on=role, depends_on_value="Dev")
    with pytest.raises(ValidationError, match="must come after"):
        question_move(question=stack, direction="up")
    text = question_create(webinar=webinar, label="Free text")
    with pytest.raises(ValidationError, match="choice or checkbox"):
        question_create(webinar=webinar, label="X", depends_on=text, depends_on_value="a")
    question_move(question=text, direction="up")
    assert list(webinar.questions.values_list("label", flat=True)) == ["Role", "Free text", "Stack"]
    question_delete(question=role)
    stack.refresh_from_db()
    assert stack.depends_on is None  # asked unconditionally from now on


# --- reminders ---------------------------------------------------------------------------------


def test_reminders_go_out_once_per_registration(host, commit, mailoutbox, settings):
    settings.WEBINAR_REMINDER_HOURS = 24
    now = timezone.now()
    soon = WebinarFactory(host=host, starts_at=now + dt.timedelta(hours=5))
    later = WebinarFactory(host=host, starts_at=now + dt.timedelta(days=5))
    early = now - dt.timedelta(days=3)
    due = RegistrationFactory(webinar=soon, confirmed_at=early)
    RegistrationFactory(webinar=soon, confirmed_at=now - dt.timedelta(minutes=10))  # just mailed
    RegistrationFactory(webinar=soon, confirmed_at=early, status=S.CANCELLED)
    RegistrationFactory(webinar=later, confirmed_at=early)
    from webinars.tasks import send_reminders

    with commit():
        assert send_reminders.delay().get() == 1
    with commit():
        assert send_reminders.delay().get() == 0
    assert [m.to for m in mailoutbox] == [[due.email]]
    assert mailoutbox[0].subject == f"Starting soon: {soon.title}"
    due.refresh_from_db()
    assert due.reminder_sent_at is not None


def test_approving_a_rejected_registration_drops_the_rejection_message(signed_in, host, commit):
    webinar = WebinarFactory(host=host, approval=Webinar.Approval.MANUAL, capacity=5)
    with commit():
        registration = register(webinar, "later@example.com").registration
        registration_reject(registration=registration, message="Partners only, sorry.")
        registration_approve(registration=registration)
    registration.refresh_from_db()
    assert registration.status == S.CONFIRMED and registration.rejection_message == ""
    page = signed_in.get(f"/dashboard/webinars/{webinar.pk}/registrations/").content.decode()
    assert "later@example.com" in page and "Partners only" not in page
