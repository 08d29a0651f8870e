"""The callbacks a TurboMeeting server makes: user authentication (/tm/auth, spec §6) and
a signed-in host's scheduled meetings (/tm/meetings/<token>, spec §11)."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from conferencing.turbomeeting.times import to_server_time
from meetings.launch import join_url
from meetings.selectors import scheduled_meetings
from vendors.turbomeeting.callbacks import CallbackRefused, check_caller, param, xml_response
from vendors.turbomeeting.callers import environment_caller, server_caller
from vendors.turbomeeting.services import host_for_query_token
from vendors.turbomeeting.signin import reply_fields, sign_in


@csrf_exempt  # a server-to-server callback, guarded by the allow-list and the partner ID
@require_http_methods(["GET", "POST"])
def tm_auth(request: HttpRequest, server_id: int | None = None) -> HttpResponse:
    """User authentication callback (spec §6), of the environment's server or of the
    configured one with ``server_id``."""
    caller = environment_caller() if server_id is None else server_caller(server_id)
    try:
        check_caller(request, caller, partner_id=param(request, "service_company_uid"))
    except CallbackRefused as exc:
        return xml_response("FAILED", reason=str(exc))
    result = sign_in(
        request=request,
        caller=caller,
        email=param(request, "email"),
        encrypted_password=param(request, "password"),
    )
    if result.status == "Deleted":
        return xml_response("Deleted", fields=[("UserID", str(result.host.pk))])
    if result.status != "SUCCEED":
        return xml_response("FAILED", reason=result.reason)
    if server_id is None:
        path = reverse("tm-meetings", args=[result.query_token])
    else:
        path = reverse("tm-server-meetings", args=[server_id, result.query_token])
    base = settings.PORTAL_URL.rstrip("/")
    query_url = base + path if base else request.build_absolute_uri(path)
    return xml_response("SUCCEED", fields=reply_fields(result.host, query_url))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def tm_meetings(request: HttpRequest, token: str, server_id: int | None = None) -> HttpResponse:
    """The per-sign-in QueryScheduledMeetingURL (spec §11)."""
    caller = environment_caller() if server_id is None else server_caller(server_id)
    try:
        check_caller(request, caller, partner_id=None)  # spec 3.3 dropped the URL parameters
    except CallbackRefused as exc:
        return xml_response("FAILED", reason=str(exc))
    host = host_for_query_token(token, server_id=caller.server_id)
    if host is None:
        return xml_response("FAILED", reason="This sign-in has expired. Sign in again.")
    zone = zoneinfo.ZoneInfo(host.customer.time_zone)
    meetings = [
        {
            "MeetingId": m.server_meeting_id,
            "ScheduledStartTime": to_server_time(m.starts_at, zone) if m.starts_at else "",
            "MeetingTopic": m.topic,
            "JoinMeetingURL": join_url(m),
        }
        for m in scheduled_meetings(host)
    ]
    return xml_response("SUCCEED", meetings=meetings)
