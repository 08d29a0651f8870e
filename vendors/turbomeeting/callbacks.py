"""What every callback from the meeting server shares: who may call, and the XML reply."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping, Sequence

from django.http import HttpRequest, HttpResponse

from conferencing.turbomeeting.returns import build_return
from portal.logfilters import redact_target
from portal.net import client_ip, in_networks
from vendors.turbomeeting.callers import Caller

log = logging.getLogger("vendors.turbomeeting.callbacks")


class CallbackRefused(Exception):
    """The caller gets Status FAILED with this reason."""


def check_caller(request: HttpRequest, caller: Caller, *, partner_id: str | None) -> None:
    """Refuse callers outside the server's allow-list and, where one is sent, a wrong
    partner ID."""
    remote, path = client_ip(request), redact_target(request.path)  # /tm/meetings/<token>
    if not in_networks(remote, caller.allowed_ips):
        log.warning("callback %s refused: caller %s is not an allowed address", path, remote)
        raise CallbackRefused("Caller not allowed.")
    if partner_id is not None and not hmac.compare_digest(
        partner_id.strip().encode(), caller.partner_id.encode()
    ):
        log.warning("callback %s refused from %s: wrong service_company_uid", path, remote)
        raise CallbackRefused("Unknown service_company_uid.")


def xml_response(
    status: str,
    *,
    reason: str = "",
    fields: Mapping[str, str] | Sequence[tuple[str, str]] = (),
    meetings: Sequence[Mapping[str, str]] | None = None,
) -> HttpResponse:
    body = build_return(status, reason=reason, fields=fields, meetings=meetings)
    response = HttpResponse(body, content_type="text/xml; charset=utf-8")
    response["Content-Length"] = str(len(body))  # the spec asks for it over HTTPS
    response["Cache-Control"] = "no-store"
    return response


def param(request: HttpRequest, name: str) -> str:
    """A parameter from the POST body or the query string (the server may use either)."""
    return (request.POST.get(name) or request.GET.get(name) or "").strip()
