"""The endpoint form of the dashboard and the admin; the services check the URL and events."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.validators import PlainText
from portal.webhooks import services
from portal.webhooks.events import EVENT_CHOICES
from portal.webhooks.models import Endpoint


class EndpointForm(PlainText, forms.ModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Where the portal POSTs the events, e.g. https://crm.example.com/hooks/portal"),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What it receives."),
    )

    class Meta:
        model = Endpoint
        fields = ["url", "description", "events"]
        labels = {"description": _("Description")}

    def clean(self) -> dict:
        """The services' checks (the URL's addresses, the events), shown by field."""
        cleaned = super().clean()
        if "url" in cleaned and "events" in cleaned:
            try:
                services.validate_endpoint(cleaned["url"], cleaned["events"])
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    self.add_error(field, errors)
        return cleaned
