"""What every form shares: inputs that name their hint and error, widgets, validators."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from portal.validators import PlainText

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()./-]{3,38}$",
    "Enter a phone number: digits, spaces and + ( ) - . / only, e.g. +49 30 1234567.",
)


class DescribedForm(PlainText, forms.Form):
    """A form whose inputs name their hint and error (aria-describedby) and say
    when they are invalid (aria-invalid), as the dashboard's templates/forms/_fields.html
    and the public form lay them out: the hint below the input, the error below it.
    Its text fields refuse control characters (``portal.validators``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.describe_hints()

    def describe_hints(self) -> None:
        """Point each input at its hint; again after adding fields to ``self.fields``."""
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}-help"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            ids = [f"{self[name].auto_id}-error"]
            if self.fields[name].help_text:
                ids.append(f"{self[name].auto_id}-help")
            attrs["aria-describedby"] = " ".join(ids)
            attrs["aria-invalid"] = "true"
