"""Host pages for a webinar: list, create, edit, detail, cancel, the custom page recipe."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _, ngettext
from django.views.decorators.http import require_GET, require_POST

from conferencing.base import MeetingKind
from portal import servers
from portal.accounts.access import host_required
from webinars import selectors
from webinars.dashboard.base import confirm_page, errors_to_form, host_webinar
from webinars.forms.host import WebinarForm
from webinars.services import webinars as webinar_services
from webinars.services.mailing import TOLD_OF_CANCELLATION
from webinars.services.webinars import WEBINAR_FIELDS, webinar_create, webinar_update
from webinars.text import render_markdown, when


@host_required
def webinar_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "webinars/dashboard/list.html",
        {"webinars": selectors.dashboard_webinars(request.host)},
    )


@host_required
def webinar_new(request: HttpRequest) -> HttpResponse:
    if MeetingKind.WEBINAR not in servers.kinds(request.host.customer):
        messages.info(request, _("Your organisation's meeting server cannot hold webinars."))
        return redirect("dashboard-webinars")
    form = WebinarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webinar = webinar_create(host=request.host, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(
                request, _("Webinar saved. Its meeting is being scheduled on the meeting server.")
            )
            return redirect("dashboard-webinar", pk=webinar.pk)
    return render(request, "webinars/dashboard/form.html", {"form": form, "webinar": None})


@host_required
def webinar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    webinar = host_webinar(request, pk)
    if webinar.cancelled_at:
        messages.error(request, _("A cancelled webinar cannot be edited."))
        return redirect("dashboard-webinar", pk=pk)
    initial = {name: getattr(webinar, name) for name in WEBINAR_FIELDS}
    form = WebinarForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if v != initial.get(k)}
        try:
            updated = webinar_update(webinar=webinar, **changes)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            message = _("Changes saved. Registrations and answers are unchanged.")
            if updated.calendar_sequence != webinar.calendar_sequence:
                message = _(
                    "Changes saved. Registrations and answers are unchanged. Everyone holding"
                    " a seat is mailed the new time, with an update for their calendar."
                )
            messages.success(request, message)
            return redirect("dashboard-webinar", pk=pk)
    return render(request, "webinars/dashboard/form.html", {"form": form, "webinar": webinar})


@host_required
def webinar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    webinar = host_webinar(request, pk)
    page_url = request.build_absolute_uri(reverse("webinar-page", kwargs={"slug": webinar.slug}))
    embed_url = request.build_absolute_uri(reverse("webinar-embed", kwargs={"slug": webinar.slug}))
    return render(
        request,
        "webinars/dashboard/detail.html",
        {
            "webinar": webinar,
            "when": when(webinar),
            "description": render_markdown(webinar.description),
            "counts": selectors.webinar_counts(webinar),
            "chart": selectors.registrations_chart(webinar),
            "attendance": selectors.webinar_attendance(webinar),
            "questions": selectors.form_questions(webinar),
            "page_url": page_url,
            "embed_url": embed_url,
            "state": webinar.registration_state(),
        },
    )


@require_GET
@host_required
def webinar_cancel_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Are you sure?" before cancelling: the page works without a script; the button posts
    to ``webinar_cancel`` (static/webinars/confirm.js shows it in a dialog instead)."""
    webinar = host_webinar(request, pk)
    if webinar.cancelled_at:
        messages.info(request, _("This webinar is cancelled already."))
        return redirect("dashboard-webinar", pk=pk)
    told = webinar.registrations.filter(status__in=TOLD_OF_CANCELLATION).count()
    return confirm_page(
        request,
        webinar,
        confirming="webinar-cancel",
        heading=_("Cancel “%(title)s”?") % {"title": webinar.title},
        lead=[
            ngettext(
                "%(told)s person is registered, awaiting approval or on the waiting list; "
                "each gets a mail saying the webinar is cancelled.",
                "%(told)s people are registered, awaiting approval or on the waiting list; "
                "each gets a mail saying the webinar is cancelled.",
                told,
            )
            % {"told": told},
            _(
                "Registration closes and the meeting is cancelled on the meeting server. "
                "Registrations are kept. This cannot be undone."
            ),
        ],
        action=reverse("dashboard-webinar-cancel", kwargs={"pk": pk}),
        confirm_label=_("Cancel webinar"),
        keep_url=reverse("dashboard-webinar", kwargs={"pk": pk}),
    )


@require_POST
@host_required
def webinar_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    message = request.POST.get("message", "")[:2000]
    webinar_services.webinar_cancel(webinar=host_webinar(request, pk), message=message)
    messages.success(
        request,
        _(
            "Webinar cancelled. Registration is closed; registrations are kept, "
            "and everyone registered, awaiting approval or waiting is told by mail."
        ),
    )
    return redirect("dashboard-webinar", pk=pk)


@host_required
def custom_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The recipe for a registration page of the customer's own: a form posting to the portal."""
    webinar = host_webinar(request, pk)
    register_url = request.build_absolute_uri(
        reverse("webinar-register", kwargs={"slug": webinar.slug})
    )
    return render(
        request,
        "webinars/dashboard/custom_page.html",
        {
            "webinar": webinar,
            "questions": selectors.form_questions(webinar),
            "register_url": register_url,
            "origins": webinar.customer.allowed_origins,
        },
    )
