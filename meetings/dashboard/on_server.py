"""The steps a host takes on the meeting server's own pages (Webex schedules in the
browser): off to its scheduling page or its sign-in, and back with its answer."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conferencing.base import ConferencingError
from meetings import services
from meetings.dashboard.pages import host_meeting
from meetings.models import Meeting
from portal import servers
from portal.accounts.access import host_required

SERVER_ANSWER_SALT = "meetings.server-answer"
SERVER_ANSWER_MAX_AGE = 2 * 3600  # seconds a host may take on the server's page


@require_POST
@host_required
def meeting_schedule_on_server(request: HttpRequest, pk: int) -> HttpResponse:
    """Off to the meeting server's own scheduling page (Webex), which sends the host back.

    The back URL carries a signed state naming this meeting and this host, so
    that only the answer to this request can set the meeting's key.
    """
    meeting = host_meeting(request, pk)
    back = _server_back_url(request, meeting)
    try:
        return redirect(services.meeting_schedule_in_browser_url(meeting=meeting, back_url=back))
    except ConferencingError as exc:
        messages.error(request, servers.explain(meeting.customer, exc))
        return redirect("dashboard-meeting", pk=pk)


def _server_back_url(request: HttpRequest, meeting: Meeting) -> str:
    """Where the meeting server sends the browser back, with a signed state naming this
    meeting and this host, so that only the answer to this request can set its key."""
    state = signing.dumps({"m": meeting.pk, "u": request.user.pk}, salt=SERVER_ANSWER_SALT)
    answer = reverse("dashboard-meeting-server-answer", args=[meeting.pk])
    return request.build_absolute_uri(f"{answer}?{urlencode({'state': state})}")


@host_required
def meeting_server_sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting server's own sign-in (Webex's ``AT=LI``), for a host its scheduling
    refused: the form posts straight to the server, which then schedules the meeting and
    sends the browser back here. The portal never sees the host's Webex password."""
    meeting = host_meeting(request, pk)
    if meeting.server_meeting_id or meeting.cancelled_at:
        return redirect("dashboard-meeting", pk=pk)
    try:
        form, inputs = services.meeting_browser_sign_in(
            meeting=meeting, back_url=_server_back_url(request, meeting)
        )
    except ConferencingError as exc:
        messages.error(request, servers.explain(meeting.customer, exc))
        return redirect("dashboard-meeting", pk=pk)
    return render(
        request,
        "meetings/dashboard/meeting_server_sign_in.html",
        {"meeting": meeting, "form": form, "inputs": inputs},
    )


@host_required
def meeting_server_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Where the meeting server sends the host back: finish, or say why not in words.

    Only an answer carrying the state this host was sent off with counts: a
    link someone else made cannot set a meeting's key.
    """
    meeting = host_meeting(request, pk)
    try:
        state = signing.loads(
            request.GET.get("state", ""), salt=SERVER_ANSWER_SALT, max_age=SERVER_ANSWER_MAX_AGE
        )
    except signing.BadSignature:
        state = None
    if state != {"m": meeting.pk, "u": request.user.pk}:
        messages.error(
            request, _("That answer from the meeting server is not one this page asked for.")
        )
        return redirect("dashboard-meeting", pk=pk)
    done, message = services.meeting_scheduled_in_browser(meeting=meeting, answer=request.GET)
    if not done and services.meeting_browser_needs_sign_in(meeting=meeting, answer=request.GET):
        messages.info(request, message)
        return redirect("dashboard-meeting-server-sign-in", pk=pk)
    (messages.success if done else messages.error)(request, message)
    return redirect("dashboard-meeting", pk=pk)
