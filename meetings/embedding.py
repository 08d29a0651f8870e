"""The dashboard page about embedding: which sites may frame the customer's pages.

Browsers show an embed (a webinar form, the published meetings) only on the
origins listed here (``frame-ancestors``, portal/framing.py). Every host can
read the list; the customer's administrator hosts can change it, through the
same service as the admin and the API (``customer_update``).
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from portal.accounts.access import host_required
from portal.accounts.models import Customer, validate_origins
from portal.accounts.services import customer_update
from portal.framing import MAX_ORIGINS, ancestor_sources

FIELD = "embed_origins"


class EmbedOriginsForm(forms.Form):
    embed_origins = forms.CharField(
        label="Sites allowed to show your embeds",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false", "autocapitalize": "off"}),
        help_text="One origin per line: scheme, host and port, no path and no wildcard — "
        f"e.g. https://www.example.com or http://localhost:8001; at most {MAX_ORIGINS}.",
    )

    def clean_embed_origins(self) -> str:
        """One origin a line, each one a browser will honour; every mistake reported at once.

        Commas and spaces separate too, and a trailing "/" is dropped: people
        paste lists and addresses. A path is refused rather than cut off, so
        that nobody believes that only one page of a site is allowed.
        """
        origins = [o.rstrip("/") for o in re.split(r"[\s,]+", self.cleaned_data[FIELD]) if o]
        value = "\n".join(dict.fromkeys(origins))
        validate_origins(value)
        return value


def _listed(customer: Customer) -> list[tuple[str, bool]]:
    """The stored origins, each with whether browsers are told about it (see framing.py)."""
    honoured = set(ancestor_sources(customer.allowed_origins))
    return [(origin, origin in honoured) for origin in customer.allowed_origins]


@require_http_methods(["GET", "HEAD", "POST"])
@host_required
def embedding(request: HttpRequest) -> HttpResponse:
    """``/dashboard/embedding/``: the allowed origins, explained; editable by administrators."""
    host = request.host
    customer = host.customer
    status = 200
    form = None
    if host.is_administrator:
        initial = {FIELD: "\n".join(customer.allowed_origins)}
        form = EmbedOriginsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form is None:
            messages.error(request, "Only your organisation's administrators can change this list.")
            status = 403
        elif form.is_valid():
            try:
                customer_update(customer=customer, **{FIELD: form.cleaned_data[FIELD]})
            except ValidationError as exc:
                customer.refresh_from_db(fields=[FIELD])  # the list shows what is stored
                for field, errors in exc.update_error_dict({}).items():
                    form.add_error(FIELD if field == FIELD else None, errors)
            else:
                messages.success(request, "Saved: the sites allowed to show your embeds.")
                return redirect("dashboard-embedding")
        if form is not None and form.errors:
            status = 400
    return render(
        request,
        "meetings/dashboard/embedding.html",
        {"host": host, "customer": customer, "origins": _listed(customer), "form": form},
        status=status,
    )
