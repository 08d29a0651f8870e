"""Host pages for registrations: the list, and approve, reject, cancel or resend for one."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.access import host_required
from portal.exports.models import ExportJob
from webinars import selectors
from webinars.dashboard.base import confirm_page, host_webinar
from webinars.dashboard.exports import exports_in_background
from webinars.forms.host import RegistrationFilterForm, RejectForm
from webinars.models import Registration
from webinars.services.registrations import (
    registration_approve,
    registration_cancel,
    registration_reject,
    registration_resend_confirmation,
)

PAGE_SIZE = 100

#: A registration's status within a sentence ("… is awaiting approval now").
STATUS_WORDS = {
    Registration.Status.PENDING: gettext_lazy("awaiting approval"),
    Registration.Status.CONFIRMED: gettext_lazy("registered"),
    Registration.Status.WAITLISTED: gettext_lazy("on the waiting list"),
    Registration.Status.REJECTED: gettext_lazy("rejected"),
    Registration.Status.CANCELLED: gettext_lazy("cancelled"),
}


@host_required
def registrations(request: HttpRequest, pk: int) -> HttpResponse:
    webinar = host_webinar(request, pk)
    filters = RegistrationFilterForm(request.GET or None)
    search = status = ""
    if filters.is_valid():
        search, status = filters.cleaned_data["q"], filters.cleaned_data["status"]
    listed = selectors.host_registrations(webinar, search=search, status=status)
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    questions = selectors.all_questions(webinar)
    for registration in page.object_list:
        registration.answer_rows = selectors.answer_rows(questions, registration.answers)
    query = request.GET.copy()
    query.pop("page", None)
    counts = selectors.webinar_counts(webinar)
    return render(
        request,
        "webinars/dashboard/registrations.html",
        {
            "webinar": webinar,
            "export_in_background": exports_in_background(webinar, counts["total"]),
            "export_formats": ExportJob.Format.choices,
            "exports": selectors.recent_exports(webinar),
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "counts": counts,
            "statuses": Registration.Status,
        },
    )


ACTIONS = ("approve", "reject", "cancel", "resend")
#: Actions with a confirmation step (approve only explains a full webinar and offers seats).
CONFIRMED_ACTIONS = ("approve", "reject", "cancel")


def _back(request: HttpRequest, pk: int, value: str) -> str:
    """Where to return: a page of the webinar's registrations list, nothing else."""
    registrations_url = reverse("dashboard-webinar-registrations", kwargs={"pk": pk})
    return value if value.startswith(registrations_url) else registrations_url


@require_GET
@host_required
def registration_confirm(request: HttpRequest, pk: int, rid: int, action: str) -> HttpResponse:
    """The step before cancelling or rejecting a registration, and before approving someone
    who needs a seat: when none is free it says who holds them and offers one more."""
    if action not in CONFIRMED_ACTIONS:
        raise Http404("no such action")
    webinar = host_webinar(request, pk)
    registration = get_object_or_404(Registration, pk=rid, webinar=webinar)
    back = _back(request, pk, request.GET.get("next", ""))
    name = registration.full_name or registration.email
    context = {
        "confirming": f"registration-{action}",
        "registration": registration,
        "action": reverse(
            "dashboard-webinar-registration-action",
            kwargs={"pk": pk, "rid": rid, "action": action},
        ),
        "keep_url": back,
        "next": back,
    }
    status = STATUS_WORDS.get(registration.status, registration.status)
    who = {"name": name, "email": registration.email, "status": status}
    if action == "cancel":
        if registration.status == Registration.Status.CANCELLED:
            messages.info(request, _("%(name)s: already cancelled.") % {"name": name})
            return redirect(back)
        seat = registration.status in Registration.SEATED
        context.update(
            heading=_("Cancel the registration of %(name)s?") % {"name": name},
            lead=[
                _("%(name)s (%(email)s) is %(status)s now.") % who,
                _("Their seat goes to the first person on the waiting list.")
                if seat
                else _("They will no longer be offered a seat."),
                _("They are not sent a mail. This cannot be undone here: they can register again."),
            ],
            confirm_label=_("Cancel registration"),
        )
    elif action == "reject":
        if registration.status in (Registration.Status.CANCELLED, Registration.Status.REJECTED):
            messages.info(request, _("%(name)s: %(status)s already.") % who)
            return redirect(back)
        context.update(
            heading=_("Reject %(name)s?") % {"name": name},
            lead=[
                _(
                    "%(name)s (%(email)s) is %(status)s now, and is told by mail "
                    "that the registration was not accepted."
                )
                % who,
            ],
            confirm_label=_("Reject"),
            reject_form=RejectForm(auto_id=f"reject-{rid}-%s"),
        )
    else:
        if registration.status in (Registration.Status.CONFIRMED, Registration.Status.CANCELLED):
            messages.info(request, _("%(name)s: %(status)s; there is nothing to approve.") % who)
            return redirect(back)
        counts = selectors.webinar_counts(webinar)
        needs_seat = registration.status not in Registration.SEATED
        context.update(
            heading=_("Approve %(name)s?") % {"name": name},
            lead=[_("%(name)s (%(email)s) is %(status)s now and gets the confirmation.") % who],
            confirm_label=_("Approve"),
            danger=False,
            counts=counts,
            no_seat=needs_seat and counts["full"],
            edit_url=reverse("dashboard-webinar-edit", kwargs={"pk": pk}),
        )
    return confirm_page(request, webinar, **context)


@require_POST
@host_required
def registration_action(request: HttpRequest, pk: int, rid: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("no such action")
    webinar = host_webinar(request, pk)
    registration = get_object_or_404(Registration, pk=rid, webinar=webinar)
    back = _back(request, pk, request.POST.get("next", ""))
    try:
        if action == "approve":
            before = webinar.capacity
            approved = registration_approve(
                registration=registration, raise_capacity=request.POST.get("raise_capacity") == "1"
            )
            done = _("approved; the confirmation is on its way")
            if approved.webinar.capacity != before:
                done = _(
                    "approved; the confirmation is on its way (capacity raised to %(seats)s)"
                ) % {"seats": approved.webinar.capacity}
        elif action == "reject":
            form = RejectForm(request.POST)
            message = form.cleaned_data["message"] if form.is_valid() else ""
            registration_reject(registration=registration, message=message)
            done = _("rejected; the registrant is told by mail")
        elif action == "cancel":
            registration_cancel(registration=registration)
            done = _("cancelled")
        else:
            registration_resend_confirmation(registration=registration)
            done = _("sent the confirmation again")
    except ValidationError as exc:
        messages.error(request, f"{registration.full_name}: {' '.join(exc.messages)}")
        if action == "approve" and getattr(exc, "code", None) == "full":
            # The next step says who holds the seats and offers one more.
            confirm = reverse(
                "dashboard-webinar-registration-confirm",
                kwargs={"pk": pk, "rid": rid, "action": "approve"},
            )
            return redirect(f"{confirm}?{urlencode({'next': back})}")
    else:
        messages.success(request, f"{registration.full_name}: {done}.")
    return redirect(back)
