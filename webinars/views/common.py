"""What every way in to registration shares: the webinar shown, the submission, the outcome."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _

from webinars import protection, selectors
from webinars.forms.registration import RegistrationForm
from webinars.models import Question, Registration, Webinar
from webinars.services.registrations import (
    REFUSALS,
    RegistrationRefused,
    RegistrationResult,
    registration_create,
)
from webinars.text import render_markdown, when

Channel = Registration.Channel


def viewable_webinar(
    request: HttpRequest, slug: str, *, allow_preview: bool
) -> tuple[Webinar, bool]:
    """The webinar, and whether this is a host's preview of a draft (drafts are 404 otherwise)."""
    webinar = selectors.public_webinar(slug)
    if webinar is None:
        raise Http404("No such webinar.")
    if webinar.status == Webinar.Status.DRAFT:
        user = request.user if allow_preview else None
        host = getattr(user, "host", None) if user and user.is_authenticated else None
        if host is None or host.customer_id != webinar.customer_id:
            raise Http404("No such webinar.")
        return webinar, True
    return webinar, False


_url = URLValidator(schemes=["http", "https"])


def first_source_url(*candidates: str) -> str:
    """The first candidate that is a plain http(s) URL: the page a registration came from."""
    for candidate in candidates:
        candidate = (candidate or "").strip()
        if not candidate or len(candidate) > 2000:
            continue
        try:
            _url(candidate)
        except ValidationError:
            continue
        return candidate
    return ""


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", "")) if parts.netloc else ""


def own_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def outcome_message(result: RegistrationResult) -> str:
    registration = result.registration
    email = registration.email
    if not result.created:
        # Not its state (approved, rejected, waiting): anyone may type anyone's address.
        return _(
            "%(email)s is already registered for this webinar. Nothing was changed; "
            "the mail we sent to that address has the details."
        ) % {"email": email}
    message = {
        Registration.Status.CONFIRMED: _(
            "You are registered. Your confirmation with your personal join link "
            "is on its way to %(email)s."
        ),
        Registration.Status.PENDING: _(
            "Thank you! The host reviews each registration; we will write to %(email)s "
            "once yours is approved."
        ),
        Registration.Status.WAITLISTED: _(
            "The webinar is fully booked, so you are on the waiting list. "
            "We will write to %(email)s if a seat becomes free."
        ),
    }.get(registration.status)
    return message % {"email": email} if message else _("Thank you.")


@dataclass
class Submission:
    """How one submitted form went: a result, or a reason with an HTTP status."""

    form: RegistrationForm | None = None
    result: RegistrationResult | None = None
    code: str = ""
    reason: str = ""
    status: int = 400
    retry_after: int | None = None

    @property
    def http_status(self) -> int:
        if self.result is not None:
            return 201 if self.result.created else 200
        return self.status

    def errors(self) -> dict[str, list[str]]:
        if self.form is not None and self.form.errors:
            return {
                ("non_field_errors" if name == "__all__" else name): list(messages)
                for name, messages in self.form.errors.items()
            }
        return {"non_field_errors": [self.reason]} if self.reason else {}


def submit(
    request: HttpRequest,
    webinar: Webinar,
    data: QueryDict,
    *,
    channel: str,
    source_url: str,
    questions: list[Question],
) -> Submission:
    """Validation, rate limits, honeypot, then the service: the one path of every submission.

    ``questions`` are the form's (selectors.form_questions), read once per request.
    """
    form = RegistrationForm(data, webinar=webinar, questions=questions)
    valid = not form.is_bot and form.is_valid()
    # Every submission counts per IP and per webinar; a valid one per recipient too.
    recipient = form.cleaned_data["email"] if valid else None
    limited = protection.check_rate_limits(request, webinar.pk, recipient=recipient)
    if limited is not None:
        return Submission(
            code="rate_limited", reason=limited.reason, status=429, retry_after=limited.retry_after
        )
    if form.is_bot:
        return Submission(form=form, code="bot", reason=_("The form was filled in automatically."))
    if not valid:
        return Submission(form=form, code="invalid", reason=_("Some fields need your attention."))
    try:
        result = registration_create(
            webinar=webinar, source_url=source_url, channel=channel, **form.registration_data()
        )
    except RegistrationRefused as exc:
        return Submission(form=form, code=exc.code, reason=exc.message)
    except ValidationError as exc:
        form.add_error(None, exc)
        return Submission(form=form, code="invalid", reason=_("Some fields need your attention."))
    return Submission(form=form, result=result)


def submit_page_form(
    request: HttpRequest,
    webinar: Webinar,
    *,
    channel: str,
    source_url: str,
    questions: list[Question],
) -> Submission:
    """A registration page's POSTed form, submitted; the outcome always has a form to show
    again (a rate-limited submission's is the form as sent)."""
    outcome = submit(
        request,
        webinar,
        request.POST,
        channel=channel,
        source_url=source_url,
        questions=questions,
    )
    if outcome.form is None:
        outcome.form = RegistrationForm(request.POST, webinar=webinar, questions=questions)
    return outcome


def page_context(webinar: Webinar, *, embed: bool, **extra) -> dict:
    state = webinar.registration_state()
    return {
        "webinar": webinar,
        "when": when(webinar),
        # An embedded form sits on the customer's page, which describes the webinar:
        # _details.html shows the description only on the portal's own pages.
        "description": "" if embed else render_markdown(webinar.description),
        "state": state,
        "state_message": str(REFUSALS.get(state, "")),
        "embed": embed,
        **extra,
    }


def result_page(
    request: HttpRequest, webinar: Webinar, outcome: Submission, *, embed: bool
) -> HttpResponse:
    context = page_context(
        webinar,
        registration=outcome.result.registration,
        created=outcome.result.created,
        message=outcome_message(outcome.result),
        embed=embed,
    )
    return render(request, "webinars/public/result.html", context, status=outcome.http_status)
