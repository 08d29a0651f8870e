"""The host dashboard's forms: a webinar, a question, a rejection, the registrations filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from webinars.forms.base import DATETIME_WIDGET, DescribedForm
from webinars.models import Question, Registration, Webinar


class WebinarForm(DescribedForm):
    """Times are entered and shown in the customer's zone (the view activates it)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Address"),
        max_length=80,
        required=False,
        help_text=_(
            "The page is at /w/<address>/: lower-case letters, digits and hyphens. "
            "Leave empty to make one from the title."
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Webinar.Status.choices,
        initial=Webinar.Status.DRAFT,
        help_text=_("Only published webinars take registrations."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_("Markdown: **bold**, *italic*, [links](https://…), lists, headings."),
    )
    speakers = forms.CharField(
        label=_("Speakers"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line, e.g. “Grace Hopper, Head of Research”."),
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DATETIME_WIDGET)
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=1,
        required=False,
        widget=forms.NumberInput(attrs={"step": 1, "inputmode": "numeric"}),
        help_text=_(
            "Number of seats; empty for no limit. Registrations awaiting approval hold a seat too."
        ),
    )
    waiting_list = forms.BooleanField(
        label=_("Waiting list when full"),
        required=False,
        initial=True,
        help_text=_("Seats freed by cancellations go to the waiting list in order."),
    )
    approval = forms.ChoiceField(
        label=_("Approval"),
        choices=Webinar.Approval.choices,
        initial=Webinar.Approval.AUTOMATIC,
        widget=forms.RadioSelect,
    )
    registration_opens_at = forms.DateTimeField(
        label=_("Registration opens"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("Empty: as soon as the webinar is published."),
    )
    registration_closes_at = forms.DateTimeField(
        label=_("Registration closes"),
        required=False,
        widget=DATETIME_WIDGET,
        help_text=_("Empty: when the webinar starts."),
    )
    consent_text = forms.CharField(
        label=_("Consent text"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "If given, registrants must tick a box agreeing to it (e.g. your privacy terms)."
        ),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The webinar must end after it starts."))
        opens, closes = data.get("registration_opens_at"), data.get("registration_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes_at", _("Registration must close after it opens."))
        return data


class QuestionForm(DescribedForm):
    label = forms.CharField(label=_("Question"), max_length=300)
    answer_type = forms.ChoiceField(label=_("Type"), choices=Question.AnswerType.choices)
    required = forms.BooleanField(label=_("Required"), required=False)
    help_text = forms.CharField(label=_("Hint"), max_length=300, required=False)
    choices = forms.CharField(
        label=_("Options"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("For single and multiple choice: one option per line."),
    )
    depends_on = forms.ModelChoiceField(
        label=_("Ask only if"),
        queryset=Question.objects.none(),
        required=False,
        empty_label=_("(always ask)"),
        help_text=_("A choice or checkbox question asked before this one."),
    )
    depends_on_value = forms.CharField(
        label=_("…is answered with"),
        max_length=200,
        required=False,
        help_text=_("One of its options; for a checkbox “yes” or “no”."),
    )

    def __init__(self, *args, webinar: Webinar, question: Question | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        parents = webinar.questions.filter(
            archived_at__isnull=True, answer_type__in=Question.CONDITION_TYPES
        )
        if question is not None:
            parents = parents.exclude(pk=question.pk).filter(position__lte=question.position)
        self.fields["depends_on"].queryset = parents.order_by("position", "pk")

    def clean(self):
        data = super().clean()
        if data.get("depends_on") is None:
            data["depends_on_value"] = ""
        return data


class RejectForm(DescribedForm):
    message = forms.CharField(
        label=_("Message to the registrant (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class RegistrationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Registration.Status.choices],
        required=False,
    )
