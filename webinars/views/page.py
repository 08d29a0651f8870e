"""The built-in registration page /w/<slug>/, and cancelling through the link in the mail."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from portal import i18n
from webinars import mail, selectors
from webinars.forms.registration import RegistrationForm
from webinars.models import Registration
from webinars.services.registrations import (
    registration_cancel,
)
from webinars.text import when
from webinars.views.common import (
    Channel,
    first_source_url,
    page_context,
    result_page,
    submit_page_form,
    viewable_webinar,
)


@require_http_methods(["GET", "HEAD", "POST"])
def webinar_page(request: HttpRequest, slug: str) -> HttpResponse:
    """``/w/<slug>/``: the webinar and its registration form, on the portal's own origin."""
    webinar, preview = viewable_webinar(request, slug, allow_preview=True)
    i18n.activate_for(webinar.customer)
    questions = selectors.form_questions(webinar)
    page_url = request.build_absolute_uri()
    status, error = 200, ""
    if request.method == "POST" and not preview:
        source = first_source_url(request.POST.get("source_url", ""), page_url)
        outcome = submit_page_form(
            request, webinar, channel=Channel.PAGE, source_url=source, questions=questions
        )
        if outcome.result is not None:
            return result_page(request, webinar, outcome, embed=False)
        form, status, error = outcome.form, outcome.http_status, outcome.reason
    else:
        source = first_source_url(request.META.get("HTTP_REFERER", ""), page_url)
        form = RegistrationForm(webinar=webinar, questions=questions)
    context = page_context(
        webinar, form=form, error=error, preview=preview, source_url=source, embed=False
    )
    return render(request, "webinars/public/page.html", context, status=status)


@csrf_exempt  # the signed token in the URL is the secret; a forged request would need it
@require_http_methods(["GET", "HEAD", "POST"])
def cancel_registration(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """A GET asks, a POST cancels: link scanners in mail systems follow links but do not post.

    The link is a capability that ends with its webinar: an old mail, or a log
    that kept it, cancels nothing afterwards.
    """
    pk = mail.registration_for_cancel_token(token)
    registration = (
        Registration.objects.select_related("webinar__customer")
        .filter(pk=pk, webinar__slug=slug, webinar__ends_at__gt=timezone.now())
        .first()
        if pk is not None
        else None
    )
    if registration is None:
        return render(
            request,
            "webinars/public/cancel.html",
            {"invalid": True, "action": request.path},
            status=404,
        )
    webinar = registration.webinar
    i18n.activate_for(webinar.customer)
    done = False
    if request.method == "POST" and registration.status != Registration.Status.CANCELLED:
        registration = registration_cancel(registration=registration)
        done = True
    context = {
        "webinar": webinar,
        "when": when(webinar),
        "registration": registration,
        "done": done,
        "action": request.path,
        "page_url": reverse("webinar-page", kwargs={"slug": webinar.slug}),
    }
    return render(request, "webinars/public/cancel.html", context)
