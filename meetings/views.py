import zoneinfo

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from conferencing.turbomeeting.times import to_server_time
from meetings import selectors
from meetings.launch import join_url
from portal.callbacks import CallbackRefused, check_caller, xml_response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def tm_meetings(request: HttpRequest, token: str) -> HttpResponse:
    """The per-sign-in QueryScheduledMeetingURL (spec §11)."""
    try:
        check_caller(request, partner_id=None)  # spec 3.3 dropped the URL parameters
    except CallbackRefused as exc:
        return xml_response("FAILED", reason=str(exc))
    host = selectors.host_for_query_token(token)
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
        for m in selectors.scheduled_meetings(host)
    ]
    return xml_response("SUCCEED", meetings=meetings)
