"""Host pages for webinars under /dashboard/webinars/.

Thin views: forms validate, services write, selectors read. Counts and
attendance come from stored state (the poller writes the meeting's), so no
page calls the meeting server, and every list runs a fixed number of queries.
"""

from __future__ import annotations

import uuid
import zoneinfo
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.access import host_required
from webinars import selectors
from webinars.forms import QuestionForm, RegistrationFilterForm, RejectForm, WebinarForm
from webinars.models import Question, Registration, RegistrationExport, Webinar
from webinars.services import questions as question_services
from webinars.services import webinars as webinar_services
from webinars.services.exports import registration_export_start
from webinars.services.mailing import TOLD_OF_CANCELLATION
from webinars.services.questions import (
    QUESTION_FIELDS,
    question_create,
    question_has_answers,
    question_update,
)
from webinars.services.registrations import (
    registration_approve,
    registration_cancel,
    registration_reject,
    registration_resend_confirmation,
)
from webinars.services.webinars import WEBINAR_FIELDS, webinar_create, webinar_update
from webinars.text import render_markdown, when

PAGE_SIZE = 100


def _webinar(request: HttpRequest, pk: int) -> Webinar:
    return get_object_or_404(
        Webinar.objects.select_related("customer", "meeting", "host__user"),
        pk=pk,
        host=request.host,
    )


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@host_required
def webinar_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "webinars/dashboard/list.html",
        {"webinars": selectors.dashboard_webinars(request.host)},
    )


@host_required
def webinar_new(request: HttpRequest) -> HttpResponse:
    form = WebinarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webinar = webinar_create(host=request.host, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(
                request, "Webinar saved. Its meeting is being scheduled on the meeting server."
            )
            return redirect("dashboard-webinar", pk=webinar.pk)
    return render(request, "webinars/dashboard/form.html", {"form": form, "webinar": None})


@host_required
def webinar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    webinar = _webinar(request, pk)
    if webinar.cancelled_at:
        messages.error(request, "A cancelled webinar cannot be edited.")
        return redirect("dashboard-webinar", pk=pk)
    initial = {name: getattr(webinar, name) for name in WEBINAR_FIELDS}
    form = WebinarForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if v != initial.get(k)}
        try:
            webinar_update(webinar=webinar, **changes)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, "Changes saved. Registrations and answers are unchanged.")
            return redirect("dashboard-webinar", pk=pk)
    return render(request, "webinars/dashboard/form.html", {"form": form, "webinar": webinar})


@host_required
def webinar_detail(request: HttpRequest, pk: int) -> HttpResponse:
    webinar = _webinar(request, pk)
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
    webinar = _webinar(request, pk)
    if webinar.cancelled_at:
        messages.info(request, "This webinar is cancelled already.")
        return redirect("dashboard-webinar", pk=pk)
    told = webinar.registrations.filter(status__in=TOLD_OF_CANCELLATION).count()
    return _confirm(
        request,
        webinar,
        kind="webinar-cancel",
        heading=f"Cancel “{webinar.title}”?",
        lead=[
            f"{told} {'person is' if told == 1 else 'people are'} registered, awaiting approval "
            "or on the waiting list; each gets a mail saying the webinar is cancelled.",
            "Registration closes and the meeting is cancelled on the meeting server. "
            "Registrations are kept. This cannot be undone.",
        ],
        action=reverse("dashboard-webinar-cancel", kwargs={"pk": pk}),
        confirm_label="Cancel webinar",
        keep_url=reverse("dashboard-webinar", kwargs={"pk": pk}),
    )


def _confirm(request: HttpRequest, webinar: Webinar, **context) -> HttpResponse:
    """The confirmation step of a destructive action (templates/webinars/dashboard/confirm.html)."""
    context.setdefault("keep_label", "Keep it")
    context.setdefault("danger", True)
    return render(request, "webinars/dashboard/confirm.html", {"webinar": webinar, **context})


@require_POST
@host_required
def webinar_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    message = request.POST.get("message", "")[:2000]
    webinar_services.webinar_cancel(webinar=_webinar(request, pk), message=message)
    messages.success(
        request,
        "Webinar cancelled. Registration is closed; registrations are kept, "
        "and everyone registered, awaiting approval or waiting is told by mail.",
    )
    return redirect("dashboard-webinar", pk=pk)


# --- questions --------------------------------------------------------------------------


@host_required
def questions(request: HttpRequest, pk: int) -> HttpResponse:
    """The form's questions, in order, and a form to add one."""
    webinar = _webinar(request, pk)
    form = QuestionForm(request.POST or None, webinar=webinar)
    if request.method == "POST" and form.is_valid():
        try:
            question_create(webinar=webinar, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, "Question added.")
            return redirect("dashboard-webinar-questions", pk=pk)
    return render(
        request,
        "webinars/dashboard/questions.html",
        {
            "webinar": webinar,
            "questions": selectors.form_questions(webinar),
            "archived": list(webinar.questions.filter(archived_at__isnull=False)),
            "form": form,
        },
    )


def _question(webinar: Webinar, qid: int) -> Question:
    return get_object_or_404(Question, pk=qid, webinar=webinar, archived_at__isnull=True)


@host_required
def question_edit(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    webinar = _webinar(request, pk)
    question = _question(webinar, qid)
    initial = {name: getattr(question, name) for name in QUESTION_FIELDS}
    form = QuestionForm(request.POST or None, webinar=webinar, question=question, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            question_update(question=question, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, "Question saved. Answers already given are kept as given.")
            return redirect("dashboard-webinar-questions", pk=pk)
    return render(
        request,
        "webinars/dashboard/question_form.html",
        {"webinar": webinar, "question": question, "form": form},
    )


@require_GET
@host_required
def question_delete_confirm(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    webinar = _webinar(request, pk)
    question = _question(webinar, qid)
    if question_has_answers(question):
        effect = (
            "People have answered it: it leaves the form, and their answers are kept "
            "in the registrations and exports."
        )
    else:
        effect = "Nobody has answered it yet, so it is deleted."
    dependents = [q.label for q in question.dependents.filter(archived_at__isnull=True)]
    lead = [effect]
    if dependents:
        names = ", ".join(f"“{label}”" for label in dependents)
        lead.append(f"Asked only after this one until now, {names} will always be asked.")
    return _confirm(
        request,
        webinar,
        kind="question-delete",
        heading=f"Remove the question “{question.label}”?",
        lead=lead,
        action=reverse("dashboard-webinar-question-delete", kwargs={"pk": pk, "qid": qid}),
        confirm_label="Remove question",
        keep_url=reverse("dashboard-webinar-questions", kwargs={"pk": pk}),
    )


@require_POST
@host_required
def question_delete(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    webinar = _webinar(request, pk)
    archived = question_services.question_delete(question=_question(webinar, qid))
    messages.success(
        request,
        "Question removed from the form; its answers are kept in the registrations."
        if archived
        else "Question deleted.",
    )
    return redirect("dashboard-webinar-questions", pk=pk)


@require_POST
@host_required
def question_move(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    webinar = _webinar(request, pk)
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        raise Http404("no such direction")
    try:
        question_services.question_move(question=_question(webinar, qid), direction=direction)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("dashboard-webinar-questions", pk=pk)


# --- registrations --------------------------------------------------------------------------


@host_required
def registrations(request: HttpRequest, pk: int) -> HttpResponse:
    webinar = _webinar(request, pk)
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
            "export_in_background": _exports_in_background(webinar, counts["total"]),
            "export_formats": RegistrationExport.Format.choices,
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
    webinar = _webinar(request, pk)
    registration = get_object_or_404(Registration, pk=rid, webinar=webinar)
    back = _back(request, pk, request.GET.get("next", ""))
    name = registration.full_name or registration.email
    context = {
        "kind": f"registration-{action}",
        "registration": registration,
        "action": reverse(
            "dashboard-webinar-registration-action",
            kwargs={"pk": pk, "rid": rid, "action": action},
        ),
        "keep_url": back,
        "next": back,
    }
    status = registration.get_status_display().lower()
    if action == "cancel":
        if registration.status == Registration.Status.CANCELLED:
            messages.info(request, f"{name}: already cancelled.")
            return redirect(back)
        seat = registration.status in Registration.SEATED
        context.update(
            heading=f"Cancel the registration of {name}?",
            lead=[
                f"{name} ({registration.email}) is {status} now.",
                "Their seat goes to the first person on the waiting list."
                if seat
                else "They will no longer be offered a seat.",
                "They are not sent a mail. This cannot be undone here: they can register again.",
            ],
            confirm_label="Cancel registration",
        )
    elif action == "reject":
        if registration.status in (Registration.Status.CANCELLED, Registration.Status.REJECTED):
            messages.info(request, f"{name}: {status} already.")
            return redirect(back)
        context.update(
            heading=f"Reject {name}?",
            lead=[
                f"{name} ({registration.email}) is {status} now, and is told by mail "
                "that the registration was not accepted.",
            ],
            confirm_label="Reject",
            reject_form=RejectForm(auto_id=f"reject-{rid}-%s"),
        )
    else:
        if registration.status in (Registration.Status.CONFIRMED, Registration.Status.CANCELLED):
            messages.info(request, f"{name}: {status}; there is nothing to approve.")
            return redirect(back)
        counts = selectors.webinar_counts(webinar)
        needs_seat = registration.status not in Registration.SEATED
        context.update(
            heading=f"Approve {name}?",
            lead=[f"{name} ({registration.email}) is {status} now and gets the confirmation."],
            confirm_label="Approve",
            danger=False,
            counts=counts,
            no_seat=needs_seat and counts["full"],
            edit_url=reverse("dashboard-webinar-edit", kwargs={"pk": pk}),
        )
    return _confirm(request, webinar, **context)


@require_POST
@host_required
def registration_action(request: HttpRequest, pk: int, rid: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("no such action")
    webinar = _webinar(request, pk)
    registration = get_object_or_404(Registration, pk=rid, webinar=webinar)
    back = _back(request, pk, request.POST.get("next", ""))
    try:
        if action == "approve":
            before = webinar.capacity
            approved = registration_approve(
                registration=registration, raise_capacity=request.POST.get("raise_capacity") == "1"
            )
            done = "approved; the confirmation is on its way"
            if approved.webinar.capacity != before:
                done = f"{done} (capacity raised to {approved.webinar.capacity})"
        elif action == "reject":
            form = RejectForm(request.POST)
            message = form.cleaned_data["message"] if form.is_valid() else ""
            registration_reject(registration=registration, message=message)
            done = "rejected; the registrant is told by mail"
        elif action == "cancel":
            registration_cancel(registration=registration)
            done = "cancelled"
        else:
            registration_resend_confirmation(registration=registration)
            done = "sent the confirmation again"
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


@host_required
def registrations_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The registrations as a spreadsheet, at once (webinars/exporters.py writes the file).

    Above WEBINAR_EXPORT_INLINE_MAX_ROWS registrations the file is written by a
    Celery task instead (``export_start``): a GET cannot start a job, so it is
    sent back to the registrations page, whose buttons post.
    """
    from webinars.exporters import EXPORTERS

    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        raise Http404("no such format")
    webinar = _webinar(request, pk)
    if _exports_in_background(webinar):
        messages.info(request, "This webinar has many registrations: start the export below.")
        return redirect("dashboard-webinar-registrations", pk=pk)
    header, rows = selectors.registration_table(webinar)
    return exporter.response(
        header,
        rows,
        filename=f"registrations-{webinar.slug}.{exporter.extension}",
        sheet_title="Registrations",
        time_zone=webinar.customer.time_zone,
    )


def _exports_in_background(webinar: Webinar, total: int | None = None) -> bool:
    if total is None:
        total = webinar.registrations.count()
    return total > settings.WEBINAR_EXPORT_INLINE_MAX_ROWS


@require_POST
@host_required
def export_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue an export (any size: the page offers it for large webinars) and show its job."""
    webinar = _webinar(request, pk)
    fmt = request.POST.get("format", "")
    if fmt not in RegistrationExport.Format.values:
        raise Http404("no such format")
    export = registration_export_start(webinar=webinar, user=request.user, fmt=fmt)
    return redirect("dashboard-webinar-export-job", pk=pk, eid=export.uid)


def _export(request: HttpRequest, pk: int, eid: uuid.UUID) -> RegistrationExport:
    """The job, for the webinar's host (a host account still in use) or staff allowed to
    read registrations (as in the admin); anyone else gets 404."""
    export = get_object_or_404(
        RegistrationExport.objects.select_related("webinar__host", "webinar__customer"),
        uid=eid,
        webinar_id=pk,
    )
    host = export.webinar.host
    if host.user_id == request.user.pk and not host.is_deleted:
        return export
    if request.user.is_staff and request.user.has_perm("webinars.view_registration"):
        return export
    raise Http404("no such export")


def _export_status(request: HttpRequest, export: RegistrationExport) -> dict:
    download = None
    if export.status == RegistrationExport.Status.DONE:
        download = reverse(
            "dashboard-webinar-export-download",
            kwargs={"pk": export.webinar_id, "eid": export.uid},
        )
    return {
        "id": str(export.uid),
        "status": export.status,
        "status_display": export.get_status_display(),
        "rows_done": export.rows_done,
        "rows_total": export.rows_total,
        "percent": export.percent,
        "error": export.error,
        "download_url": download,
    }


@login_required
def export_job(request: HttpRequest, pk: int, eid: uuid.UUID) -> HttpResponse:
    """The job's progress bar, refreshed by a script (or, without one, a meta refresh)."""
    export = _export(request, pk, eid)
    with timezone.override(zoneinfo.ZoneInfo(export.webinar.customer.time_zone)):
        return render(
            request,
            "webinars/dashboard/export_job.html",
            {
                "webinar": export.webinar,
                "export": export,
                "job": _export_status(request, export),
                "refresh_seconds": EXPORT_REFRESH_SECONDS,
            },
        )


EXPORT_REFRESH_SECONDS = 2


@login_required
def export_job_status(request: HttpRequest, pk: int, eid: uuid.UUID) -> JsonResponse:
    """The job as JSON, for the page's script."""
    response = JsonResponse(_export_status(request, _export(request, pk, eid)))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def export_download(request: HttpRequest, pk: int, eid: uuid.UUID) -> HttpResponse:
    """The stored file, streamed from storage: never a public media URL (personal data)."""
    from webinars.exporters import EXPORTERS, content_disposition

    export = _export(request, pk, eid)
    if export.status != RegistrationExport.Status.DONE or not export.file.name:
        raise Http404("not ready")
    try:
        stored = export.file.open("rb")
    except FileNotFoundError:
        raise Http404("the file was deleted") from None
    response = FileResponse(stored, content_type=EXPORTERS[export.format].content_type)
    response["Content-Disposition"] = content_disposition(export.download_name)
    response["Cache-Control"] = "private, no-store"
    return response


@host_required
def custom_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The recipe for a registration page of the customer's own: a form posting to the portal."""
    webinar = _webinar(request, pk)
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
