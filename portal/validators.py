"""Text people type is refused when it holds control characters, on every form and API.

Nobody types them, and the places text goes cannot carry them: XML 1.0 (the
XML and RSS feeds, the server's protocols) has no way to write most C0
controls, iCalendar forbids them, and mail headers break on a newline. Tab
and line breaks are kept in multi-line fields (a Textarea, a model TextField
in the API); one-line fields refuse them too. Outputs strip what is stored
already (``conferencing.xmltext.xml_safe``, ``portal.ical.Text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

MESSAGE = _("Remove the control character (an invisible character that cannot be shown).")


class _Without(RegexValidator):
    """Valid when the whole value matches: the pattern is a positive one (no control
    characters from start to end), so the OpenAPI schema states it as it is; matched
    whole, so a line break at the end does not slip past ``$``. An empty value is
    never validated (forms and serializers skip validators for it), hence ``+``: the
    schema's "blank or the pattern" is then one or the other, never both."""

    def __call__(self, value: object) -> None:
        if not self.regex.fullmatch(str(value)):
            raise ValidationError(self.message, code=self.code, params={"value": value})


#: C0 controls (tab and line breaks too), DEL and the C1 controls.
one_line = _Without(r"^[^\x00-\x1f\x7f-\x9f]+$", message=MESSAGE, code="control_character")
#: The same, but tab and line breaks are text in a multi-line field.
multi_line = _Without(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+$", message=MESSAGE, code="control_character"
)


#: Text fields with a shape of their own, which no control character fits already.
_SHAPED = (
    forms.EmailField,
    forms.URLField,
    forms.SlugField,
    forms.RegexField,
    serializers.EmailField,
    serializers.URLField,
    serializers.SlugField,
    serializers.RegexField,
)


def refuse_control_characters(fields: Mapping[str, Any]) -> None:
    """Add the right validator to every text field of a form's or serializer's ``fields``.

    Passwords are left as typed: they are compared, never shown. Calling it
    again (after adding fields) adds nothing twice.
    """
    for field in fields.values():
        if isinstance(field, _SHAPED):
            continue
        if isinstance(field, forms.CharField):
            if isinstance(field.widget, forms.PasswordInput):
                continue
            multi = isinstance(field.widget, forms.Textarea)
        elif isinstance(field, serializers.CharField):
            if field.read_only or field.style.get("input_type") == "password":
                continue
            multi = field.style.get("base_template") == "textarea.html"
        else:
            continue
        validator = multi_line if multi else one_line
        if validator not in field.validators:
            field.validators.append(validator)


class PlainText:
    """Mixin for a form or serializer whose text fields refuse control characters."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        refuse_control_characters(self.fields)
