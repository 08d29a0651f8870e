"""Writes for webinars: the only code that creates webinars, questions and registrations.

Seats are counted under a row lock on the webinar (``select_for_update``),
so concurrent registrations queue up on that one row and never overbook; on
SQLite, where the lock is a no-op, the settings' IMMEDIATE transactions give
the same one-writer-at-a-time guarantee. Mail is queued to Celery only once
the transaction commits, with ids, never objects.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import string
import tempfile
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from meetings.services import meeting_cancel, meeting_schedule, meeting_update
from portal import i18n
from portal.accounts.models import Host
from webinars.models import Question, Registration, RegistrationExport, Webinar

log = logging.getLogger(__name__)

# --- webinars ------------------------------------------------------------------

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
    """Save the webinar and schedule its meeting (a webinar, meeting_type 3) in one transaction.

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
            meeting_type=Meeting.Type.WEBINAR,
            starts_at=starts_at,
            ends_at=ends_at,
            password=_meeting_password() if meeting_password is None else meeting_password,
        )
        webinar.save()
    return webinar


def webinar_update(*, webinar: Webinar, **changes) -> Webinar:
    """Change the webinar; its meeting follows title and times; registrations are never touched.

    A larger capacity (or no limit) promotes people from the waiting list at
    once; a smaller one keeps everyone who has a seat and only stops new ones.
    """
    unknown = set(changes) - set(WEBINAR_FIELDS)
    if unknown:
        raise TypeError(f"cannot update {', '.join(sorted(unknown))}")
    if "slug" in changes and not changes["slug"]:
        changes["slug"] = _unique_slug(changes.get("title", webinar.title), exclude_pk=webinar.pk)
    with transaction.atomic():
        locked = Webinar.objects.select_for_update().select_related("meeting").get(pk=webinar.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.full_clean()
        locked.save()
        meeting_changes = {
            _MEETING_FIELDS[name]: getattr(locked, name)
            for name in _MEETING_FIELDS
            if getattr(locked.meeting, _MEETING_FIELDS[name]) != getattr(locked, name)
        }
        if meeting_changes and locked.meeting.cancelled_at is None:
            meeting_update(meeting=locked.meeting, **meeting_changes)
        _promote(locked)
    return locked


#: Who is told by mail when a webinar is cancelled: whoever holds or awaits a seat.
TOLD_OF_CANCELLATION = (
    Registration.Status.PENDING,
    Registration.Status.CONFIRMED,
    Registration.Status.WAITLISTED,
)


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
            cancelled_at=now, cancellation_message=message, updated_at=now
        )
        if claimed:
            webinar.cancelled_at, webinar.cancellation_message = now, message
            meeting_cancel(meeting=webinar.meeting)
            told = webinar.registrations.filter(status__in=TOLD_OF_CANCELLATION)
            _queue_mails("webinar_cancelled", list(told.values_list("pk", flat=True)))
    return webinar


# --- questions -----------------------------------------------------------------

QUESTION_FIELDS = (
    "label",
    "help_text",
    "kind",
    "required",
    "choices",
    "depends_on",
    "depends_on_value",
)


def question_has_answers(question: Question) -> bool:
    return Registration.objects.filter(
        webinar_id=question.webinar_id, answers__has_key=str(question.pk)
    ).exists()


def question_create(
    *,
    webinar: Webinar,
    label: str,
    kind: str = Question.Kind.SHORT_TEXT,
    required: bool = False,
    help_text: str = "",
    choices: str = "",
    depends_on: Question | None = None,
    depends_on_value: str = "",
) -> Question:
    """Add a question at the end of the form."""
    last = webinar.questions.aggregate(last=Max("position"))["last"]
    question = Question(
        webinar=webinar,
        label=label,
        kind=kind,
        required=required,
        help_text=help_text,
        choices=choices,
        depends_on=depends_on,
        depends_on_value=depends_on_value,
        position=(last or 0) + 1,
    )
    question.full_clean()
    question.save()
    return question


def question_update(*, question: Question, **changes) -> Question:
    """Edit a question; answers already given stay as they were given.

    Its type cannot change once someone answered it (the answers would no
    longer fit); add a new question and remove this one instead.
    """
    unknown = set(changes) - set(QUESTION_FIELDS)
    if unknown:
        raise TypeError(f"cannot update {', '.join(sorted(unknown))}")
    if (
        "kind" in changes
        and changes["kind"] != question.kind
        and question.pk
        and question_has_answers(question)
    ):
        raise ValidationError(
            {
                "kind": "People have answered this question, so its type cannot change. "
                "Add a new question and remove this one instead."
            }
        )
    for name, value in changes.items():
        setattr(question, name, value)
    question.full_clean()
    question.save()
    return question


def question_delete(*, question: Question) -> bool:
    """Remove a question from the form; True if it was archived to keep its answers.

    Questions that depended on it are asked unconditionally from now on.
    """
    with transaction.atomic():
        question.dependents.update(depends_on=None, depends_on_value="")
        if question_has_answers(question):
            question.archived_at = timezone.now()
            question.save(update_fields=["archived_at"])
            return True
        question.delete()
        return False


def question_move(*, question: Question, direction: str) -> Question:
    """Swap with the neighbouring question; a question stays after the one it depends on."""
    if direction not in ("up", "down"):
        raise ValueError("direction is up or down")
    with transaction.atomic():
        active = list(
            Question.objects.select_for_update()
            .filter(webinar_id=question.webinar_id, archived_at__isnull=True)
            .order_by("position", "pk")
        )
        index = next(i for i, q in enumerate(active) if q.pk == question.pk)
        other_index = index - 1 if direction == "up" else index + 1
        if not 0 <= other_index < len(active):
            return question
        first, second = sorted((index, other_index))
        if active[second].depends_on_id == active[first].pk:
            raise ValidationError(
                f"“{active[second].label}” depends on “{active[first].label}”, "
                "so it must come after it."
            )
        active[first], active[second] = active[second], active[first]
        for position, q in enumerate(active, start=1):
            q.position = position
        Question.objects.bulk_update(active, ["position"])
    return next(q for q in active if q.pk == question.pk)


# --- registrations ---------------------------------------------------------------


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
    """
    email = email.strip()
    now = now or timezone.now()
    if webinar.consent_text and not consent:
        raise ValidationError({"consent": _("Please agree to continue.")})
    try:
        with transaction.atomic():
            locked = Webinar.objects.select_for_update().get(pk=webinar.pk)
            existing = _registered_as(locked, email).first()
            if existing is not None and existing.status != Registration.Status.CANCELLED:
                return RegistrationResult(existing, created=False)
            state = locked.registration_state(now)
            if state != "open":
                raise RegistrationRefused(state, REFUSALS[state])
            registration = existing or Registration(webinar=locked)
            registration.first_name = first_name.strip()
            registration.last_name = last_name.strip()
            registration.email = email
            registration.organisation = organisation.strip()
            registration.phone = phone.strip()
            registration.answers = answers or {}
            registration.consent = bool(consent)
            registration.consent_text = locked.consent_text if consent else ""
            registration.source_url = source_url[:2000]
            registration.channel = channel
            registration.created_at = now
            registration.cancelled_at = registration.confirmed_at = None
            registration.waitlisted_at = registration.confirmation_sent_at = None
            registration.reminder_sent_at = None
            registration.rejection_message = ""
            registration.language = i18n.current()  # their mails speak it
            _take_seat(locked, registration, now=now)
            registration.full_clean(exclude=["webinar", "status"], validate_constraints=False)
            registration.save()
            _notify_new_status(registration)
    except IntegrityError:
        # Another request with this email committed first: that one counts. (Caught
        # out here, the transaction needs no savepoint around the save.)
        return RegistrationResult(_registered_as(webinar, email).get(), created=False)
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


def _promote(webinar: Webinar) -> list[Registration]:
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
        _notify_new_status(registration)
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
        if held_seat:
            _promote(webinar)
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
        registration.save(
            update_fields=["status", "confirmed_at", "confirmation_sent_at", "updated_at"]
        )
        _notify_new_status(registration)
    return registration


def _no_free_seat(webinar: Webinar) -> str:
    """Why a seat cannot be given, naming who holds them (pending approvals hold seats too)."""
    held = Registration.objects.filter(webinar=webinar, status__in=Registration.SEATED)
    confirmed = held.filter(status=Registration.Status.CONFIRMED).count()
    pending = held.filter(status=Registration.Status.PENDING).count()
    return (
        f"No seat is free: {confirmed + pending} of {webinar.capacity} seats are held "
        f"({confirmed} confirmed, {pending} awaiting approval). Raise the capacity, "
        "reject someone awaiting approval, or wait for a cancellation."
    )


def registration_reject(*, registration: Registration, message: str = "") -> Registration:
    """Reject, telling the person with the host's optional message; the seat is freed."""
    with transaction.atomic():
        webinar, registration = _locked(registration)
        if registration.status == Registration.Status.CANCELLED:
            raise ValidationError("The registration was cancelled; there is nothing to reject.")
        if registration.status == Registration.Status.REJECTED:
            return registration
        held_seat = registration.status in Registration.SEATED
        registration.status = Registration.Status.REJECTED
        registration.rejection_message = message.strip()
        registration.save(update_fields=["status", "rejection_message", "updated_at"])
        _notify_new_status(registration)
        if held_seat:
            _promote(webinar)
    return registration


def registration_resend_confirmation(*, registration: Registration) -> None:
    if registration.status != Registration.Status.CONFIRMED:
        raise ValidationError("Only confirmed registrations have a confirmation to send.")
    _queue_mails("confirmation", [registration.pk], again=True)


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
            _queue_mail("reminder", pk)
            queued += 1
    return queued


#: Longer than a mail may legitimately take (a confirmation waits up to 30 minutes for
#: the meeting's join link).
MAIL_OVERDUE = dt.timedelta(minutes=45)


def mails_requeue_due(*, now: dt.datetime | None = None) -> int:
    """Queue again the confirmations and cancellation notices that never went out.

    The queue message can be lost (the broker was down, say). A person told
    their join link is on its way, or who would turn up to a cancelled
    webinar, must not stay uninformed for that. By MAIL_OVERDUE a normal send
    has long finished; a copy that finds the first one sent is dropped by the
    task. Only for webinars that have not ended: afterwards neither matters.
    """
    now = now or timezone.now()
    overdue = now - MAIL_OVERDUE
    upcoming = Registration.objects.filter(webinar__ends_at__gt=now).order_by("pk")
    due = {
        "confirmation": upcoming.filter(
            status=Registration.Status.CONFIRMED,
            confirmation_sent_at__isnull=True,
            confirmed_at__lte=overdue,
            webinar__cancelled_at__isnull=True,
        ),
        "webinar_cancelled": upcoming.filter(
            status__in=TOLD_OF_CANCELLATION,
            cancellation_sent_at__isnull=True,
            webinar__cancelled_at__lte=overdue,
        ),
    }
    queued = 0
    for kind, registrations in due.items():
        ids = list(registrations.values_list("pk", flat=True)[:1000])
        _queue_mails(kind, ids)
        queued += len(ids)
    return queued


def _notify_new_status(registration: Registration) -> None:
    """The mail that goes with a status a registration just took."""
    kind = {
        Registration.Status.CONFIRMED: "confirmation",
        Registration.Status.PENDING: "received",
        Registration.Status.WAITLISTED: "received",
        Registration.Status.REJECTED: "rejection",
    }.get(registration.status)
    if kind:
        _queue_mail(kind, registration.pk)


def _queue_mail(kind: str, registration_id: int) -> None:
    _queue_mails(kind, [registration_id])


def _queue_mails(kind: str, registration_ids: list[int], *, again: bool = False) -> None:
    """Queue one mail per registration once the transaction commits.

    A broker that is down is logged, and the rest are not tried (each would
    wait out the same connection timeout); ``mails_requeue_due`` queues again
    the mails that must not be lost. ``again``: another copy of a mail that
    goes out once, which the host asked for.
    """
    from webinars import tasks

    options = {"again": True} if again else {}

    def enqueue() -> None:
        for done, registration_id in enumerate(registration_ids):
            try:
                tasks.send_registration_mail.delay(registration_id, kind, **options)
            except Exception:  # noqa: BLE001  (kombu raises many types)
                log.exception(
                    "could not queue the %s mail of registration %s (%d of %d not queued)",
                    kind,
                    registration_id,
                    len(registration_ids) - done,
                    len(registration_ids),
                )
                return

    if registration_ids:
        transaction.on_commit(enqueue)


# --- exports ----------------------------------------------------------------------------

#: Progress is written to the database at most this often (and at most every 1,000 rows,
#: which is how often the exporters report it), so a fast export is not slowed by updates.
EXPORT_PROGRESS_SECONDS = 0.5
#: A job still queued or running this long after it was asked for has lost its worker.
EXPORT_STALE_AFTER = dt.timedelta(hours=1)


def registration_export_start(*, webinar: Webinar, user, fmt: str) -> RegistrationExport:
    """Record an export of the webinar's registrations and queue it once the transaction commits.

    ``rows_total`` is the count now; the task counts again when it starts, so
    the bar is right even if people register in between.
    """
    if fmt not in RegistrationExport.Format.values:
        raise ValidationError({"format": f"Choose one of: {', '.join(RegistrationExport.Format)}."})
    export = RegistrationExport.objects.create(
        webinar=webinar,
        requested_by=user if getattr(user, "pk", None) else None,
        format=fmt,
        rows_total=webinar.registrations.count(),
    )
    export_id = export.pk

    def enqueue() -> None:
        from webinars import tasks

        try:
            tasks.export_registrations.delay(export_id)
        except Exception as exc:  # noqa: BLE001  (kombu raises many types)
            log.exception("could not queue registration export %s", export_id)
            _export_failed(export_id, f"The export could not be queued ({type(exc).__name__}).")

    transaction.on_commit(enqueue)
    return export


def registration_export_run(*, export_id: int) -> RegistrationExport | None:
    """Write the export's file: rows from the database, through the exporter, to storage.

    The file is written to a temporary file first and saved to the default
    storage (``exports/...``) only when complete, so a download never sees
    half a file. Any error marks the job failed with a reason the host can
    read; the traceback goes to the log. A job that is already finished is
    left alone (a redelivered task).
    """
    from webinars import selectors
    from webinars.exporters import EXPORTERS

    export = (
        RegistrationExport.objects.select_related("webinar__customer").filter(pk=export_id).first()
    )
    if export is None or export.is_finished:
        return export
    webinar = export.webinar
    try:
        exporter = EXPORTERS[export.format]
        total = webinar.registrations.count()
        RegistrationExport.objects.filter(pk=export_id).update(
            status=RegistrationExport.Status.RUNNING, rows_done=0, rows_total=total
        )
        header, rows = selectors.registration_table(webinar)
        name = export.download_name
        with tempfile.TemporaryFile(prefix="export-") as out:
            count = exporter.write(
                header,
                rows,
                out,
                sheet_title="Registrations",
                progress=_export_progress(export_id),
                time_zone=webinar.customer.time_zone,
            )
            out.seek(0)
            export.file.save(name, File(out), save=False)
    except Exception as exc:
        log.exception("registration export %s failed", export_id)
        _export_failed(export_id, _failure_reason(exc))
        if export.file.name:
            export.file.delete(save=False)
        export.refresh_from_db()
        return export
    RegistrationExport.objects.filter(pk=export_id).update(
        status=RegistrationExport.Status.DONE,
        file=export.file.name,
        rows_done=count,
        rows_total=max(count, total),
        error="",
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    return export


def _export_progress(export_id: int):
    """A ``progress`` callback that writes ``rows_done`` at most every EXPORT_PROGRESS_SECONDS."""
    last = [-float("inf")]

    def progress(done: int) -> None:
        now = time.monotonic()
        if now - last[0] < EXPORT_PROGRESS_SECONDS:
            return
        last[0] = now
        RegistrationExport.objects.filter(pk=export_id).update(rows_done=done)

    return progress


def _failure_reason(exc: BaseException) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        return "The export took too long and was stopped. Try CSV, which is faster."
    if isinstance(exc, OSError):
        return f"The export file could not be written or stored ({exc.strerror or exc})."
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"The export failed: {type(exc).__name__}{f': {detail}' if detail else ''}."


def _export_failed(export_id: int, reason: str) -> None:
    RegistrationExport.objects.filter(pk=export_id).exclude(
        status=RegistrationExport.Status.DONE
    ).update(status=RegistrationExport.Status.FAILED, error=reason, finished_at=timezone.now())


def registration_exports_prune(*, now: dt.datetime | None = None) -> int:
    """Delete exports (file and record) older than WEBINAR_EXPORT_RETENTION_HOURS.

    Export files hold personal data, so they are not kept longer than the
    host needs to download them. Jobs that lost their worker (still queued or
    running after EXPORT_STALE_AFTER) are marked failed. Returns how many
    exports were deleted.
    """
    now = now or timezone.now()
    RegistrationExport.objects.filter(
        status__in=(RegistrationExport.Status.QUEUED, RegistrationExport.Status.RUNNING),
        created_at__lt=now - EXPORT_STALE_AFTER,
    ).update(
        status=RegistrationExport.Status.FAILED,
        error="The export was interrupted (its worker stopped). Start it again.",
        finished_at=now,
    )
    cutoff = now - dt.timedelta(hours=settings.WEBINAR_EXPORT_RETENTION_HOURS)
    deleted = 0
    for export in RegistrationExport.objects.filter(created_at__lt=cutoff).iterator():
        if export.file.name:
            try:
                export.file.delete(save=False)
            except OSError:
                log.exception("could not delete export file %s; kept its record", export.file.name)
                continue
        export.delete()
        deleted += 1
    return deleted
