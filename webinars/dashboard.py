"""Host pages for webinars under /dashboard/webinars/.

Thin views: forms validate, services write, selectors read. Counts and
attendance come from stored state (the poller writes the meeting's), so no
page calls the meeting server, and every list runs a fixed number of queries.
"""

from __future__ import annotations

import uuid
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from meetings.dashboard import host_required
from webinars import selectors, services
from webinars.forms import QuestionForm, RegistrationFilterForm, RejectForm, WebinarForm
from webinars.models import Question, Registration, RegistrationExport, Webinar
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
            webinar = services.webinar_create(host=request.host, **form.cleaned_data)
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
    initial = {name: getattr(webinar, name) for name in services.WEBINAR_FIELDS}
    form = WebinarForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if v != initial.get(k)}
        try:
            services.webinar_update(webinar=webinar, **changes)
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


@require_POST
@host_required
def webinar_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    message = request.POST.get("message", "")[:2000]
    services.webinar_cancel(webinar=_webinar(request, pk), message=message)
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
            services.question_create(webinar=webinar, **form.cleaned_data)
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
    initial = {name: getattr(question, name) for name in services.QUESTION_FIELDS}
    form = QuestionForm(request.POST or None, webinar=webinar, question=question, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(question=question, **form.cleaned_data)
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


@require_POST
@host_required
def question_delete(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    webinar = _webinar(request, pk)
    archived = services.question_delete(question=_question(webinar, qid))
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
        services.question_move(question=_question(webinar, qid), direction=direction)
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
            "reject_form": RejectForm(),
            "statuses": Registration.Status,
        },
    )


ACTIONS = ("approve", "reject", "cancel", "resend")


@require_POST
@host_required
def registration_action(request: HttpRequest, pk: int, rid: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404("no such action")
    webinar = _webinar(request, pk)
    registration = get_object_or_404(Registration, pk=rid, webinar=webinar)
    back = request.POST.get("next", "")
    if not back.startswith(reverse("dashboard-webinar-registrations", kwargs={"pk": pk})):
        back = reverse("dashboard-webinar-registrations", kwargs={"pk": pk})
    try:
        if action == "approve":
            services.registration_approve(registration=registration)
            done = "approved; the confirmation is on its way"
        elif action == "reject":
            form = RejectForm(request.POST)
            message = form.cleaned_data["message"] if form.is_valid() else ""
            services.registration_reject(registration=registration, message=message)
            done = "rejected; the registrant is told by mail"
        elif action == "cancel":
            services.registration_cancel(registration=registration)
            done = "cancelled"
        else:
            services.registration_resend_confirmation(registration=registration)
            done = "sent the confirmation again"
    except ValidationError as exc:
        messages.error(request, f"{registration.full_name}: {' '.join(exc.messages)}")
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
    export = services.registration_export_start(webinar=webinar, user=request.user, fmt=fmt)
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
