"""Host pages for a webinar's registration questions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.access import host_required
from webinars import selectors
from webinars.dashboard.base import confirm_page, errors_to_form, host_webinar
from webinars.forms.host import QuestionForm
from webinars.models import Question, Webinar
from webinars.services import questions as question_services
from webinars.services.questions import (
    QUESTION_FIELDS,
    question_create,
    question_has_answers,
    question_update,
)


@host_required
def questions(request: HttpRequest, pk: int) -> HttpResponse:
    """The form's questions, in order, and a form to add one."""
    webinar = host_webinar(request, pk)
    form = QuestionForm(request.POST or None, webinar=webinar)
    if request.method == "POST" and form.is_valid():
        try:
            question_create(webinar=webinar, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Question added."))
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
    webinar = host_webinar(request, pk)
    question = _question(webinar, qid)
    initial = {name: getattr(question, name) for name in QUESTION_FIELDS}
    form = QuestionForm(request.POST or None, webinar=webinar, question=question, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            question_update(question=question, **form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("Question saved. Answers already given are kept as given."))
            return redirect("dashboard-webinar-questions", pk=pk)
    return render(
        request,
        "webinars/dashboard/question_form.html",
        {"webinar": webinar, "question": question, "form": form},
    )


@require_GET
@host_required
def question_delete_confirm(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    webinar = host_webinar(request, pk)
    question = _question(webinar, qid)
    if question_has_answers(question):
        effect = _(
            "People have answered it: it leaves the form, and their answers are kept "
            "in the registrations and exports."
        )
    else:
        effect = _("Nobody has answered it yet, so it is deleted.")
    dependents = [q.label for q in question.dependents.filter(archived_at__isnull=True)]
    lead = [effect]
    if dependents:
        names = ", ".join(f"“{label}”" for label in dependents)
        lead.append(
            _("Asked only after this one until now, %(names)s will always be asked.")
            % {"names": names}
        )
    return confirm_page(
        request,
        webinar,
        confirming="question-delete",
        heading=_("Remove the question “%(label)s”?") % {"label": question.label},
        lead=lead,
        action=reverse("dashboard-webinar-question-delete", kwargs={"pk": pk, "qid": qid}),
        confirm_label=_("Remove question"),
        keep_url=reverse("dashboard-webinar-questions", kwargs={"pk": pk}),
    )


@require_POST
@host_required
def question_delete(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    webinar = host_webinar(request, pk)
    archived = question_services.question_delete(question=_question(webinar, qid))
    messages.success(
        request,
        _("Question removed from the form; its answers are kept in the registrations.")
        if archived
        else _("Question deleted."),
    )
    return redirect("dashboard-webinar-questions", pk=pk)


@require_POST
@host_required
def question_move(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    webinar = host_webinar(request, pk)
    direction = request.POST.get("direction", "")
    if direction not in ("up", "down"):
        raise Http404("no such direction")
    try:
        question_services.question_move(question=_question(webinar, qid), direction=direction)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("dashboard-webinar-questions", pk=pk)
