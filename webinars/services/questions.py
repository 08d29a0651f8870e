"""Writes for a webinar's registration questions: create, change, delete, reorder."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from webinars import selectors
from webinars.models import Question, Registration, Webinar

log = logging.getLogger(__name__)

QUESTION_FIELDS = (
    "label",
    "help_text",
    "answer_type",
    "required",
    "choices",
    "depends_on",
    "depends_on_value",
)


def question_has_answers(question: Question) -> bool:
    return Registration.objects.filter(
        webinar_id=question.webinar_id, answers__has_key=str(question.pk)
    ).exists()


def question_create(
    *,
    webinar: Webinar,
    label: str,
    answer_type: str = Question.AnswerType.SHORT_TEXT,
    required: bool = False,
    help_text: str = "",
    choices: str = "",
    depends_on: Question | None = None,
    depends_on_value: str = "",
) -> Question:
    """Add a question at the end of the form."""
    last = webinar.questions.aggregate(last=Max("position"))["last"]
    question = Question(
        webinar=webinar,
        label=label,
        answer_type=answer_type,
        required=required,
        help_text=help_text,
        choices=choices,
        depends_on=depends_on,
        depends_on_value=depends_on_value,
        position=(last or 0) + 1,
    )
    question.full_clean()
    question.save()
    return question


def question_update(*, question: Question, **changes) -> Question:
    """Edit a question; answers already given stay as they were given.

    Its type cannot change once someone answered it (the answers would no
    longer fit); add a new question and remove this one instead.
    """
    unknown = set(changes) - set(QUESTION_FIELDS)
    if unknown:
        raise TypeError(f"cannot update {', '.join(sorted(unknown))}")
    if (
        "answer_type" in changes
        and changes["answer_type"] != question.answer_type
        and question.pk
        and question_has_answers(question)
    ):
        raise ValidationError(
            {
                "answer_type": _(
                    "People have answered this question, so its type cannot change. "
                    "Add a new question and remove this one instead."
                )
            }
        )
    retired = _retired_choices(question, changes.get("choices"))
    for name, value in changes.items():
        setattr(question, name, value)
    question.retired_choices = "\n".join(retired)
    question.full_clean()
    question.save()
    return question


def _retired_choices(question: Question, choices: str | None) -> list[str]:
    """The options a multiple-choice question no longer offers that people may have chosen:
    the exports keep a column for each, beside those it offers."""
    retired = question.retired_choices.splitlines()
    if choices is None or question.answer_type != Question.AnswerType.MULTIPLE_CHOICE:
        return retired
    offered = {line.strip() for line in choices.splitlines()}
    dropped = [c for c in question.choice_list if c not in offered and c not in retired]
    if dropped and question.pk and question_has_answers(question):
        retired += dropped
    return retired


def question_delete(*, question: Question) -> bool:
    """Remove a question from the form; True if it was archived to keep its answers.

    Questions that depended on it are asked unconditionally from now on.
    """
    with transaction.atomic():
        question.dependents.update(depends_on=None, depends_on_value="")
        selectors.public_webinars_changed()  # an update() sends no post_save
        if question_has_answers(question):
            question.archived_at = timezone.now()
            question.save(update_fields=["archived_at"])
            return True
        question.delete()
        return False


def question_move(*, question: Question, direction: str) -> Question:
    """Swap with the neighbouring question; a question stays after the one it depends on."""
    if direction not in ("up", "down"):
        raise ValueError("direction is up or down")
    with transaction.atomic():
        active = list(
            Question.objects.select_for_update()
            .filter(webinar_id=question.webinar_id, archived_at__isnull=True)
            .order_by("position", "pk")
        )
        index = next(i for i, q in enumerate(active) if q.pk == question.pk)
        other_index = index - 1 if direction == "up" else index + 1
        if not 0 <= other_index < len(active):
            return question
        first, second = sorted((index, other_index))
        if active[second].depends_on_id == active[first].pk:
            raise ValidationError(
                _("“%(later)s” depends on “%(earlier)s”, so it must come after it.")
                % {"later": active[second].label, "earlier": active[first].label}
            )
        active[first], active[second] = active[second], active[first]
        for position, q in enumerate(active, start=1):
            q.position = position
        Question.objects.bulk_update(active, ["position"])
        selectors.public_webinars_changed()  # bulk_update() sends no post_save
    return next(q for q in active if q.pk == question.pk)
