"""The endpoint /w/<slug>/register that the customer's own pages post to."""

from __future__ import annotations

from urllib.parse import urlencode

from corsheaders.signals import check_request_enabled
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import i18n
from portal.api import FormParser, JSONParser, MultiPartParser
from webinars import selectors
from webinars.forms.registration import form_data_from_json
from webinars.models import Webinar
from webinars.openapi import PUBLIC_REGISTRATION
from webinars.views.common import (
    Channel,
    first_source_url,
    origin_of,
    outcome_message,
    own_origin,
    result_page,
    submit,
)


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
        if origin.lower() in allowed or origin == own_origin(request):
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

    @PUBLIC_REGISTRATION
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
        source = first_source_url(
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
            return result_page(request._request, webinar, outcome, embed=False)
        return Response(body, status=outcome.http_status)

    def _success_url(self, url: str) -> str:
        url = first_source_url(url)
        allowed = {o.lower() for o in self.webinar.customer.allowed_origins}
        return url if url and origin_of(url).lower() in allowed else ""

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
                "back_url": first_source_url(request.headers.get("Referer", "")),
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
