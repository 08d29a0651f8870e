"""What every form shares: inputs that name their hint and error, widgets, validators."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from portal.validators import PlainText

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{3,38}$",
    _("Enter a phone number: digits, spaces and + ( ) - . / only, e.g. +49 30 1234567."),
)


class DescribedForm(PlainText, forms.Form):
    """A form as the dashboard's templates/forms/_fields.html and the public form lay it out:
    each input names its hint and error (``aria-describedby``, Django's own ids
    ``<id>_helptext`` and ``<id>_error``) and says when it is invalid (``aria-invalid``).
    Its text fields refuse control characters (``portal.validators``)."""
