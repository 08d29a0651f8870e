"""The registration form, built from the webinar's questions: the one validator of them all."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.validators import refuse_control_characters
from webinars.forms.base import DescribedForm, phone_validator
from webinars.models import Question, Webinar

FIXED_FIELDS = ("first_name", "last_name", "email", "organisation", "phone")
HONEYPOT = "website"


@dataclass(frozen=True)
class Row:
    """One field of the form as the templates lay it out."""

    field: forms.BoundField
    required: bool
    group: bool  # radio buttons or checkboxes in a <fieldset>
    checkbox: bool  # a single checkbox, its label after it
    depends_on: str = ""  # the field name this one depends on
    depends_value: str = ""


def _question_field(question: Question) -> forms.Field:
    common = {"label": question.label, "required": False, "help_text": question.help_text}
    answer_type = question.answer_type
    if answer_type == Question.AnswerType.LONG_TEXT:
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), **common)
    if answer_type == Question.AnswerType.SINGLE_CHOICE:
        return forms.ChoiceField(
            choices=[(c, c) for c in question.choice_list], widget=forms.RadioSelect, **common
        )
    if answer_type == Question.AnswerType.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=[(c, c) for c in question.choice_list],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if answer_type == Question.AnswerType.CHECKBOX:
        return forms.BooleanField(**common)
    if answer_type == Question.AnswerType.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            input_formats=["%Y-%m-%d"],
            **common,
        )
    if answer_type == Question.AnswerType.PHONE:
        return forms.CharField(
            max_length=40,
            validators=[phone_validator],
            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            **common,
        )
    return forms.CharField(max_length=300, **common)


def _answer(question: Question, value: object) -> object:
    """The stored form of an answer: str, list of str, bool, or an ISO date string."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _empty(value: object) -> bool:
    return value in (None, "", [], False)


def _matches(question: Question, answer: object, wanted: str) -> bool:
    if question.answer_type == Question.AnswerType.CHECKBOX:
        return ("yes" if answer else "no") == wanted
    if isinstance(answer, list):
        return wanted in answer
    return answer == wanted


class RegistrationForm(DescribedForm):
    """Fixed fields, then one ``q_<id>`` field per question, the consent box and the honeypot.

    Question fields are optional at field level: whether one is required
    depends on the answers to the questions it depends on, which ``clean``
    decides; the answers to questions that were not asked are dropped.
    """

    first_name = forms.CharField(
        label=_("First name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        validators=[phone_validator],
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, webinar: Webinar, questions: list[Question], **kwargs):
        kwargs.setdefault("auto_id", "reg-%s")
        super().__init__(*args, **kwargs)
        self.webinar = webinar
        self.questions = [q for q in questions if q.archived_at is None]
        for question in self.questions:
            self.fields[question.field_name] = _question_field(question)
        if webinar.consent_text:
            self.fields["consent"] = forms.BooleanField(
                label=webinar.consent_text,
                error_messages={"required": _("Please agree to continue.")},
            )
        self.fields[HONEYPOT] = forms.CharField(
            required=False,
            label=_("Leave this field empty"),
            widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        )
        refuse_control_characters(self.fields)  # and the questions' answers
        for question in self.questions:
            if question.required:
                self.fields[question.field_name].widget.attrs["aria-required"] = "true"

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT))

    def clean_website(self):
        if self.cleaned_data.get(HONEYPOT):
            raise forms.ValidationError(_("Leave this field empty."))
        return ""

    def clean(self):
        data = super().clean()
        answers: dict[str, object] = {}
        asked: dict[int, object] = {}  # question id -> answer, for questions that were asked
        by_id = {q.pk: q for q in self.questions}
        for question in self.questions:
            name = question.field_name
            parent = by_id.get(question.depends_on_id)
            if parent is not None and (
                parent.pk not in asked
                or not _matches(parent, asked[parent.pk], question.depends_on_value)
            ):
                self._errors.pop(name, None)
                data.pop(name, None)
                continue
            if name in self._errors:
                asked[question.pk] = None
                continue
            value = data.get(name)
            asked[question.pk] = value
            if _empty(value):
                if question.required:
                    self.add_error(name, _("This question needs an answer."))
                if question.answer_type != Question.AnswerType.CHECKBOX:
                    continue
            answers[str(question.pk)] = _answer(question, value)
        data["answers"] = answers
        return data

    def registration_data(self) -> dict:
        """Keyword arguments for services.registration_create."""
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "organisation": data.get("organisation", ""),
            "phone": data.get("phone", ""),
            "answers": data["answers"],
            "consent": bool(data.get("consent")),
        }

    def rows(self) -> list[Row]:
        """Every visible field, in order, with what the template needs to lay it out."""
        by_id = {q.pk: q for q in self.questions}
        rows = []
        for name in self.fields:
            if name == HONEYPOT:
                continue
            field = self.fields[name]
            question = next((q for q in self.questions if q.field_name == name), None)
            depends_on = depends_value = ""
            required = field.required
            if question is not None:
                required = question.required
                parent = by_id.get(question.depends_on_id)
                if parent is not None:
                    depends_on, depends_value = parent.field_name, question.depends_on_value
            rows.append(
                Row(
                    field=self[name],
                    required=required,
                    group=isinstance(
                        field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple
                    ),
                    checkbox=isinstance(field, forms.BooleanField),
                    depends_on=depends_on,
                    depends_value=depends_value,
                )
            )
        return rows

    @property
    def honeypot(self) -> forms.BoundField:
        return self[HONEYPOT]


def form_data_from_json(payload: dict) -> dict[str, list[str]]:
    """A JSON body as the form-encoded fields a browser would send for the same answers.

    Lists stay lists (multiple choice); true becomes "on" and false is left
    out (checkboxes); numbers become text. Answers may also come nested, as
    ``"answers": {"<question id>": value}``.
    """
    flat = {k: v for k, v in payload.items() if k != "answers"}
    nested = payload.get("answers")
    if isinstance(nested, dict):
        for key, value in nested.items():
            key = str(key)
            flat[key if key.startswith("q_") else f"q_{key}"] = value
    data: dict[str, list[str]] = {}
    for name, value in flat.items():
        if not isinstance(name, str):
            continue
        values = value if isinstance(value, list) else [value]
        out = []
        for v in values:
            if v is True:
                out.append("on")
            elif v is False or v is None:
                continue
            elif isinstance(v, str | int | float):
                out.append(str(v))
        if out:
            data[name] = out
    return data
