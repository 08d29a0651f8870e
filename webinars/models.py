"""Webinars, their registration questions, and registrations.

A webinar runs on one Meeting (of kind webinar) scheduled through the meetings
services; its own row holds what the registration page promises. Answers are
kept on the registration keyed by question id, so a question that is edited
or removed after people answered it never takes their answers with it
(questions with answers are archived, not deleted).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import NamedTuple

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from portal.accounts.models import Customer, Host
from portal.exports.models import ExportJob


class Webinar(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Approval(models.TextChoices):
        AUTOMATIC = "automatic", _("Automatic")
        MANUAL = "manual", _("Manual: the host approves each registration")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="webinars")
    host = models.ForeignKey(Host, on_delete=models.PROTECT, related_name="webinars")
    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="webinar")
    slug = models.SlugField(
        max_length=80, unique=True, help_text="The public address: the page is at /w/{slug}/."
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    speakers = models.TextField(blank=True, help_text="One speaker per line.")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Seats; empty for no limit.",
    )
    registration_opens_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: open as soon as published."
    )
    registration_closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: closes when the webinar starts."
    )
    approval = models.CharField(max_length=16, choices=Approval.choices, default=Approval.AUTOMATIC)
    waiting_list = models.BooleanField(
        default=True, help_text="When full, further registrations wait for a seat."
    )
    consent_text = models.TextField(
        blank=True, help_text="If given, registrants must tick a box agreeing to it."
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_message = models.TextField(
        blank=True, help_text="The host's word to registrants when the webinar is cancelled."
    )
    #: The SEQUENCE of the event in registrants' calendars: raised with every change they
    #: are sent (time, join details, cancellation), so a calendar takes the newest.
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    #: Its export jobs (deleted with it).
    exports = GenericRelation(ExportJob)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["host", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The webinar must end after it starts.")
        opens, closes = self.registration_opens_at, self.registration_closes_at
        if opens and closes and closes <= opens:
            errors["registration_closes_at"] = _("Registration must close after it opens.")
        if closes and self.ends_at and closes > self.ends_at:
            errors["registration_closes_at"] = _(
                "Registration must close by the end of the webinar."
            )
        if errors:
            raise ValidationError(errors)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.cancelled_at is None

    @property
    def closes_at(self) -> dt.datetime:
        return self.registration_closes_at or self.starts_at

    def registration_state(self, now: dt.datetime | None = None) -> str:
        """ "open", or why not: "draft", "cancelled", "not_yet_open", "closed"."""
        now = now or timezone.now()
        if self.cancelled_at is not None:
            return "cancelled"
        if self.status != self.Status.PUBLISHED:
            return "draft"
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not_yet_open"
        if now >= self.closes_at:
            return "closed"
        return "open"

    @property
    def speaker_list(self) -> list[str]:
        return [line.strip() for line in self.speakers.splitlines() if line.strip()]


class Question(models.Model):
    class AnswerType(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        CHECKBOX = "checkbox", _("Checkbox")
        DATE = "date", _("Date")
        PHONE = "phone", _("Phone number")

    CHOICE_TYPES = (AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE)
    # Answer types another question can depend on: their answers are from a known set.
    CONDITION_TYPES = (AnswerType.SINGLE_CHOICE, AnswerType.MULTIPLE_CHOICE, AnswerType.CHECKBOX)

    webinar = models.ForeignKey(Webinar, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    answer_type = models.CharField(
        "type", max_length=20, choices=AnswerType.choices, default=AnswerType.SHORT_TEXT
    )
    required = models.BooleanField(default=False)
    choices = models.TextField(blank=True, help_text="For choice questions: one option per line.")
    position = models.PositiveIntegerField(default=0)
    depends_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependents",
        help_text="Ask this question only when that question is answered with the value below.",
    )
    depends_on_value = models.CharField(
        max_length=200,
        blank=True,
        help_text='The option that shows this question ("yes" for a checkbox).',
    )
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="Removed from the form; its answers are kept."
    )
    #: Options taken off a multiple-choice question after people had chosen them, one per
    #: line: the exports keep a column for each (services.questions.question_update).
    retired_choices = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def field_name(self) -> str:
        """The name of its field in every registration form, stable across edits."""
        return f"q_{self.pk}"

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def retired_choice_list(self) -> list[str]:
        offered = set(self.choice_list)
        return [c for c in dict.fromkeys(self.retired_choices.splitlines()) if c not in offered]

    def clean(self) -> None:
        if self.answer_type in self.CHOICE_TYPES and not self.choice_list:
            raise ValidationError({"choices": _("Give at least one option, one per line.")})
        if self.depends_on_id is None:
            if self.depends_on_value:
                raise ValidationError(
                    {"depends_on_value": _("Choose the question this value belongs to.")}
                )
            return
        parent = self.depends_on
        if parent.webinar_id != self.webinar_id or parent.pk == self.pk:
            raise ValidationError({"depends_on": _("Choose another question of this webinar.")})
        if parent.answer_type not in self.CONDITION_TYPES:
            raise ValidationError(
                {"depends_on": _("A question can depend only on a choice or checkbox question.")}
            )
        if (parent.position, parent.pk) >= (self.position, self.pk or float("inf")):
            raise ValidationError(
                {"depends_on": _("It must depend on a question asked before it.")}
            )
        if parent.answer_type == self.AnswerType.CHECKBOX:
            if self.depends_on_value not in ("yes", "no"):
                raise ValidationError(
                    {"depends_on_value": _('For a checkbox, write "yes" or "no".')}
                )
        elif self.depends_on_value not in parent.choice_list:
            raise ValidationError({"depends_on_value": _("Choose one of that question's options.")})


class RegistrationField(NamedTuple):
    """One field of Registration, declared in ``Registration.FIELDS``."""

    name: str
    heading: str = ""
    kept: bool = False


class Registration(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        CONFIRMED = "confirmed", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    # Statuses that take one of the webinar's seats.
    SEATED = (Status.PENDING, Status.CONFIRMED)

    class Channel(models.TextChoices):
        PAGE = "page", "Registration page"
        EMBED = "embed", "Embedded form"
        CUSTOM = "custom", "Custom page"
        API = "api", "API"
        HOST = "host", "Added by a host"

    webinar = models.ForeignKey(Webinar, on_delete=models.CASCADE, related_name="registrations")
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    organisation = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    consent = models.BooleanField(default=False)
    consent_text = models.TextField(blank=True, help_text="What the registrant agreed to.")
    source_url = models.URLField("page it came from", max_length=2000, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.PAGE)
    rejection_message = models.TextField(blank=True)
    #: The language the registrant registered in; their mails use it ("": the default).
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    #: When the webinar's cancellation notice went out to this person.
    cancellation_sent_at = models.DateTimeField(null=True, blank=True)
    #: When the registrant first and last pressed Join on their personal link, and how often.
    first_joined_at = models.DateTimeField(null=True, blank=True)
    last_joined_at = models.DateTimeField(null=True, blank=True)
    join_count = models.PositiveIntegerField(default=0)
    #: The webinar's ``calendar_sequence`` this person was last told of (when they
    #: registered, or by a mail since): an update mail is owed while it is behind.
    calendar_sequence_sent = models.PositiveIntegerField(default=0)

    #: Every field, once, in export order. ``heading``: its column in the registration
    #: export ("": not exported). ``kept``: a cancelled registration reused by the same
    #: person registering again keeps it; every other field starts again from its
    #: default (then takes what they submit now). A field added to the model must be
    #: added here (a test checks), so neither the reset nor the export forgets it.
    FIELDS = (
        RegistrationField("created_at", "Registered"),
        RegistrationField("status", "Status"),
        RegistrationField("first_name", "First name"),
        RegistrationField("last_name", "Last name"),
        RegistrationField("email", "Email"),
        RegistrationField("organisation", "Organisation"),
        RegistrationField("phone", "Phone"),
        RegistrationField("consent", "Consent"),
        RegistrationField("confirmed_at", "Confirmed"),
        RegistrationField("cancelled_at", "Cancelled"),
        RegistrationField("channel", "Channel"),
        RegistrationField("source_url", "Page it came from"),
        RegistrationField("answers"),  # exported as a column per question
        RegistrationField("consent_text"),
        RegistrationField("rejection_message"),
        RegistrationField("language"),
        RegistrationField("waitlisted_at"),
        RegistrationField("confirmation_sent_at"),
        RegistrationField("reminder_sent_at"),
        RegistrationField("cancellation_sent_at"),
        RegistrationField("first_joined_at"),  # in the attendance export
        RegistrationField("last_joined_at"),
        RegistrationField("join_count"),
        RegistrationField("calendar_sequence_sent"),
        RegistrationField("id", kept=True),
        RegistrationField("webinar", kept=True),
        RegistrationField("updated_at", kept=True),
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "webinar", name="one_registration_per_email_per_webinar"
            )
        ]
        indexes = [
            models.Index(fields=["webinar", "status", "waitlisted_at"]),
            # The host's list and the export read a webinar's registrations in this
            # order: a page is read off the index instead of sorting them all.
            models.Index(fields=["webinar", "created_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def _export_path(export, filename: str) -> str:
    """Where the old export table put files: migration 0002 names it."""
    return f"exports/{export.webinar_id}-{secrets.token_urlsafe(12)}-{filename}"


class RegistrationExportManager(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(exporter="registrations")


class RegistrationExport(ExportJob):
    """The jobs of the "registrations" exporter: what this app's own export table held
    before every export became an ``ExportJob`` (migration 0013 moved them)."""

    objects = RegistrationExportManager()

    class Meta:
        proxy = True
