"""The embeddable form /w/<slug>/embed/, for a third-party iframe."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from portal import i18n
from portal.framing import allow_framing_by
from webinars import protection, selectors
from webinars.forms.registration import RegistrationForm
from webinars.views.common import (
    Channel,
    first_source_url,
    page_context,
    result_page,
    submit_page_form,
    viewable_webinar,
)


@csrf_exempt  # no cookie can be relied on in a third-party iframe: the form token stands in
@require_http_methods(["GET", "HEAD", "POST"])
def webinar_embed(request: HttpRequest, slug: str) -> HttpResponse:
    """``/w/<slug>/embed/``: the form for an iframe; sets no cookie and needs none."""
    webinar, _preview = viewable_webinar(request, slug, allow_preview=False)
    i18n.activate_for(webinar.customer)
    questions = selectors.form_questions(webinar)
    status, error = 200, ""
    if request.method == "POST":
        source = first_source_url(request.POST.get("source_url", ""))
        try:
            protection.check_form_token(request.POST.get("form_token", ""), webinar.pk)
        except protection.BadFormToken as exc:
            form = RegistrationForm(request.POST, webinar=webinar, questions=questions)
            status, error = 400, str(exc)
        else:
            outcome = submit_page_form(
                request, webinar, channel=Channel.EMBED, source_url=source, questions=questions
            )
            if outcome.result is not None:
                return allow_framing_by(
                    result_page(request, webinar, outcome, embed=True),
                    webinar.customer.allowed_origins,
                )
            form, status, error = outcome.form, outcome.http_status, outcome.reason
    else:
        # Loaded in an iframe, the Referer is the customer's page (as much of it
        # as that page's referrer policy reveals).
        source = first_source_url(request.META.get("HTTP_REFERER", ""))
        form = RegistrationForm(webinar=webinar, questions=questions)
    context = page_context(
        webinar,
        form=form,
        error=error,
        source_url=source,
        form_token=protection.form_token(webinar.pk),
        embed=True,
    )
    response = render(request, "webinars/public/embed.html", context, status=status)
    return allow_framing_by(response, webinar.customer.allowed_origins)
