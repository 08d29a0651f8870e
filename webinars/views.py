"""Public registration: the built-in page, the embeddable form, the endpoint for custom pages.

All three validate with the same form and register with the same service;
they differ only in how they trust the request:

- the built-in page ``/w/<slug>/`` is first-party: Django's CSRF cookie;
- the embedded form ``/w/<slug>/embed/`` lives in a third-party iframe where
  the browser may block every cookie: a signed, time-limited form token
  instead, and CSP frame-ancestors naming the customer's allowed origins;
- the endpoint ``/w/<slug>/register`` takes posts from the customer's own
  pages (form-encoded or JSON): no cookie at all, origins checked against
  the customer's allowed origins, CORS for them.

Every submission counts against the rate limits and meets the honeypot.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from corsheaders.signals import check_request_enabled
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from meetings.openapi import SLUG
from portal import i18n
from portal.api import FormParser, JSONParser, MultiPartParser
from portal.framing import allow_framing_by
from webinars import mail, protection, selectors
from webinars.forms import RegistrationForm, form_data_from_json
from webinars.models import Question, Registration, Webinar
from webinars.serializers import (
    PublicErrorSerializer,
    PublicRegistrationResultSerializer,
    PublicRegistrationSerializer,
)
from webinars.services.registrations import (
    REFUSALS,
    RegistrationRefused,
    RegistrationResult,
    registration_cancel,
    registration_create,
)
from webinars.text import render_markdown, when

Channel = Registration.Channel


# --- what every way in shares ---------------------------------------------------------


def _viewable(request: HttpRequest, slug: str, *, allow_preview: bool) -> tuple[Webinar, bool]:
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


def _source_url(*candidates: str) -> str:
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


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", "")) if parts.netloc else ""


def _own_origin(request: HttpRequest) -> str:
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
    """Rate limits, honeypot, validation, then the service: the one path of every submission.

    ``questions`` are the form's (selectors.form_questions), read once per request.
    """
    limited = protection.check_rate_limits(request, webinar.pk)
    if limited is not None:
        return Submission(
            code="rate_limited", reason=limited.reason, status=429, retry_after=limited.retry_after
        )
    form = RegistrationForm(data, webinar=webinar, questions=questions)
    if form.is_bot:
        return Submission(form=form, code="bot", reason=_("The form was filled in automatically."))
    if not form.is_valid():
        return Submission(form=form, code="invalid", reason=_("Some fields need your attention."))
    limited = protection.check_recipient_limit(request, form.cleaned_data["email"])
    if limited is not None:
        return Submission(
            code="rate_limited", reason=limited.reason, status=429, retry_after=limited.retry_after
        )
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


def _context(webinar: Webinar, *, embed: bool, **extra) -> dict:
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


# --- the built-in page -------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def webinar_page(request: HttpRequest, slug: str) -> HttpResponse:
    """``/w/<slug>/``: the webinar and its registration form, on the portal's own origin."""
    webinar, preview = _viewable(request, slug, allow_preview=True)
    i18n.activate_for(webinar.customer)
    questions = selectors.form_questions(webinar)
    page_url = request.build_absolute_uri()
    status, error = 200, ""
    if request.method == "POST" and not preview:
        source = _source_url(request.POST.get("source_url", ""), page_url)
        outcome = submit(
            request,
            webinar,
            request.POST,
            channel=Channel.PAGE,
            source_url=source,
            questions=questions,
        )
        if outcome.result is not None:
            return _result(request, webinar, outcome, embed=False)
        form, status, error = outcome.form, outcome.http_status, outcome.reason
    else:
        source = _source_url(request.META.get("HTTP_REFERER", ""), page_url)
        form = RegistrationForm(webinar=webinar, questions=questions)
    if form is None:
        form = RegistrationForm(request.POST, webinar=webinar, questions=questions)
    context = _context(
        webinar, form=form, error=error, preview=preview, source_url=source, embed=False
    )
    return render(request, "webinars/public/page.html", context, status=status)


def _result(
    request: HttpRequest, webinar: Webinar, outcome: Submission, *, embed: bool
) -> HttpResponse:
    context = _context(
        webinar,
        registration=outcome.result.registration,
        created=outcome.result.created,
        message=outcome_message(outcome.result),
        embed=embed,
    )
    return render(request, "webinars/public/result.html", context, status=outcome.http_status)


# --- the embedded form -------------------------------------------------------------------


@csrf_exempt  # no cookie can be relied on in a third-party iframe: the form token stands in
@require_http_methods(["GET", "HEAD", "POST"])
def webinar_embed(request: HttpRequest, slug: str) -> HttpResponse:
    """``/w/<slug>/embed/``: the form for an iframe; sets no cookie and needs none."""
    webinar, _preview = _viewable(request, slug, allow_preview=False)
    i18n.activate_for(webinar.customer)
    questions = selectors.form_questions(webinar)
    status, error = 200, ""
    if request.method == "POST":
        source = _source_url(request.POST.get("source_url", ""))
        try:
            protection.check_form_token(request.POST.get("form_token", ""), webinar.pk)
        except protection.BadFormToken as exc:
            form = RegistrationForm(request.POST, webinar=webinar, questions=questions)
            status, error = 400, str(exc)
        else:
            outcome = submit(
                request,
                webinar,
                request.POST,
                channel=Channel.EMBED,
                source_url=source,
                questions=questions,
            )
            if outcome.result is not None:
                return allow_framing_by(
                    _result(request, webinar, outcome, embed=True),
                    webinar.customer.allowed_origins,
                )
            form = outcome.form or RegistrationForm(
                request.POST, webinar=webinar, questions=questions
            )
            status, error = outcome.http_status, outcome.reason
    else:
        # Loaded in an iframe, the Referer is the customer's page (as much of it
        # as that page's referrer policy reveals).
        source = _source_url(request.META.get("HTTP_REFERER", ""))
        form = RegistrationForm(webinar=webinar, questions=questions)
    context = _context(
        webinar,
        form=form,
        error=error,
        source_url=source,
        form_token=protection.form_token(webinar.pk),
        embed=True,
    )
    response = render(request, "webinars/public/embed.html", context, status=status)
    return allow_framing_by(response, webinar.customer.allowed_origins)


# --- the endpoint for custom pages -------------------------------------------------------


class PublicRegistrationView(APIView):
    """``POST /w/<slug>/register``: register from a page of your own.

    Send the fields form-encoded (a plain HTML form) or as JSON. Answers to
    questions go in fields named ``q_<question id>`` (repeat the field, or
    send a JSON list, for multiple choice; ``on``/true for a checkbox; dates
    as YYYY-MM-DD), or in JSON as ``"answers": {"<question id>": value}``.

    Answers 201 with the new registration's status, 200 if the email is
    registered already (nothing changes), or an error
    ``{"reason", "code", "errors": {field: [messages]}}``: 400 for invalid
    fields or a closed or full webinar, 403 for a page on an origin the
    customer has not allowed, 404 for an unknown webinar, 429 when rate limited.

    No cookie and no CSRF token are needed. Browsers may call it from the
    customer's allowed origins (CORS). A browser that posts a plain form
    (Accept: text/html) gets a page instead of JSON, or a 303 redirect to
    ``success_url`` when that is on an allowed origin.
    """

    authentication_classes: list = []  # no session, hence no CSRF: nothing ambient to ride on
    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser, FormParser, MultiPartParser]  # portal.api's
    webinar: Webinar | None = None

    def initial(self, request, *args, **kwargs):
        self.webinar = selectors.public_webinar(kwargs["slug"])
        if self.webinar is not None:
            i18n.activate_for(self.webinar.customer)
        super().initial(request, *args, **kwargs)

    def _allowed_origin(self, request) -> str:
        """The request's Origin when the customer allows it (or it is the portal itself)."""
        origin = request.headers.get("Origin", "")
        if not origin or self.webinar is None:
            return ""
        allowed = {o.lower() for o in self.webinar.customer.allowed_origins}
        if origin.lower() in allowed or origin == _own_origin(request):
            return origin
        return ""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Accept"])  # CORS (and Vary: Origin): _cors_allowed
        return response

    def handle_exception(self, exc):
        """A body that cannot be read (malformed JSON, an unknown type) answers in the
        endpoint's own error shape, like every other refusal."""
        response = super().handle_exception(exc)
        if isinstance(response.data, dict):
            response.data.setdefault("errors", {})
        return response

    @extend_schema(exclude=True)
    def options(self, request, *args, **kwargs):
        """No metadata (a browser's CORS preflight is answered by django-cors-headers)."""
        return HttpResponse(status=204)

    @extend_schema(
        operation_id="webinar_public_register",
        parameters=[OpenApiParameter("slug", str, OpenApiParameter.PATH, pattern=SLUG)],
        tags=["public registration"],
        auth=[],
        request={
            "application/json": PublicRegistrationSerializer,
            "application/x-www-form-urlencoded": PublicRegistrationSerializer,
        },
        responses={
            201: PublicRegistrationResultSerializer,
            200: OpenApiResponse(
                PublicRegistrationResultSerializer, description="Already registered: unchanged."
            ),
            400: PublicErrorSerializer,
            403: PublicErrorSerializer,
            404: PublicErrorSerializer,
            429: PublicErrorSerializer,
        },
        examples=[
            OpenApiExample(
                "Registration",
                request_only=True,
                value={
                    "first_name": "Grace",
                    "last_name": "Hopper",
                    "email": "grace@example.com",
                    "organisation": "Navy",
                    "consent": True,
                },
            ),
            OpenApiExample(
                "Invalid fields",
                response_only=True,
                status_codes=["400"],
                value={
                    "reason": "Some fields need your attention.",
                    "code": "invalid",
                    "errors": {"email": ["Enter a valid email address."]},
                },
            ),
        ],
    )
    def post(self, request, slug: str):
        webinar = self.webinar
        wants_html = self._wants_html(request)
        if webinar is None or webinar.status != Webinar.Status.PUBLISHED:
            return self._error(request, 404, "not_found", _("No such webinar."), {}, wants_html)
        origin = request.headers.get("Origin", "")
        if origin and origin != "null" and not self._allowed_origin(request):
            reason = _(
                "Pages on %(origin)s may not register people for this webinar. "
                "The host can add the origin to the customer's allowed origins."
            ) % {"origin": origin}
            return self._error(request, 403, "origin_not_allowed", reason, {}, wants_html)
        if isinstance(request.data, QueryDict):
            data = request.data
        elif isinstance(request.data, dict):
            data = QueryDict(mutable=True)
            for name, values in form_data_from_json(request.data).items():
                data.setlist(name, values)
        else:
            return self._error(
                request, 400, "invalid", _("Send an object of fields."), {}, wants_html
            )
        source = _source_url(
            str(data.get("source_url", "")),
            request.headers.get("Referer", ""),
            origin if origin != "null" else "",
        )
        outcome = submit(
            request,
            webinar,
            data,
            channel=Channel.CUSTOM,
            source_url=source,
            questions=selectors.form_questions(webinar),
        )
        if outcome.result is None:
            response = self._error(
                request, outcome.http_status, outcome.code, outcome.reason, outcome.errors(),
                wants_html,
            )  # fmt: skip
            if outcome.retry_after:
                response["Retry-After"] = str(outcome.retry_after)
            return response
        registration = outcome.result.registration
        body = {
            # An existing registration's state is its owner's business, not the caller's.
            "status": registration.status if outcome.result.created else "already_registered",
            "created": outcome.result.created,
            "message": outcome_message(outcome.result),
        }
        if wants_html:
            success = self._success_url(str(data.get("success_url", "")))
            if success:
                query = urlencode({"registration": body["status"]})
                glue = "&" if "?" in success else "?"
                return HttpResponseRedirect(f"{success}{glue}{query}", status=303)
            return _result(request._request, webinar, outcome, embed=False)
        return Response(body, status=outcome.http_status)

    def _success_url(self, url: str) -> str:
        url = _source_url(url)
        allowed = {o.lower() for o in self.webinar.customer.allowed_origins}
        return url if url and _origin(url).lower() in allowed else ""

    @staticmethod
    def _wants_html(request) -> bool:
        """A browser posting a plain form navigates: it should see a page, not JSON."""
        if request.content_type.startswith("application/json"):
            return False
        accept = request.headers.get("Accept", "")
        return "text/html" in accept and (
            request._request.get_preferred_type(["application/json", "text/html"]) == "text/html"
        )

    def _error(self, request, status, code, reason, errors, wants_html):
        if wants_html:
            context = {
                "reason": reason,
                "errors": errors,
                "webinar": self.webinar,
                "back_url": _source_url(request.headers.get("Referer", "")),
            }
            return render(request._request, "webinars/public/error.html", context, status=status)
        return Response({"reason": reason, "code": code, "errors": errors}, status=status)


register = PublicRegistrationView.as_view()


@receiver(check_request_enabled, dispatch_uid="webinar-register-cors")
def _cors_allowed(sender, request: HttpRequest, **kwargs) -> bool:
    """Pages on the customer's allowed origins may post to its webinars' registration
    endpoint from a script (settings.CORS_URLS_REGEX names the endpoint)."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    if match.url_name != "webinar-register":
        return False
    webinar = selectors.public_webinar(match.kwargs["slug"])
    origin = request.headers.get("Origin", "").lower()
    return webinar is not None and origin in {o.lower() for o in webinar.customer.allowed_origins}


# --- cancelling through the link in the mail -----------------------------------------------


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
