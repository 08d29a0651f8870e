"""The host's meetings: the list, scheduling, start, join, stop, cancel and retry.

Views stay thin: forms validate, services write, selectors read, and pages
show the stored live state (the poller keeps it fresh; no page calls the
server per meeting).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.timesince import timesince
from django.utils.translation import gettext as _, gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from conferencing.base import Capability, ConferencingError, Participant
from meetings import launch, selectors, services
from meetings.forms import JoinForm, MeetingForm
from meetings.models import Meeting
from portal import servers
from portal.accounts.access import host_required
from portal.accounts.models import SyncState


def host_meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.select_related("host__user", "customer__server"), pk=pk, host=request.host
    )


def _browser_scheduling(request: HttpRequest) -> bool:
    """Whether the host's meetings are scheduled on the server in their browser (Webex)."""
    return Capability.SCHEDULE_IN_BROWSER in servers.capabilities(request.host.customer)


@host_required
def home(request: HttpRequest) -> HttpResponse:
    """The spec's "Home URL": host a meeting, join a meeting, and the host's meetings."""
    return _home(request, JoinForm(), publishing=selectors.publishing(request.host.customer))


def _home(request: HttpRequest, join_form: JoinForm, **context) -> HttpResponse:
    return render(
        request,
        "meetings/dashboard/home.html",
        {
            "host": request.host,
            "meetings": selectors.dashboard_meetings(request.host),
            "browser_scheduling": _browser_scheduling(request),
            "join_form": join_form,
            "exports_meetings": request.host.is_administrator,
            **context,
        },
    )


def attending(count: int) -> str:
    """ "3 attending", in the page's language (the list's script shows it)."""
    return ngettext("%(attendees)s attending", "%(attendees)s attending", count) % {
        "attendees": count
    }


def stale_live(seen_at) -> str:
    """A live meeting whose server has not answered since, in the page's language (the
    pages' own words are the same)."""
    return _("Last seen live %(ago)s ago; the meeting server is not answering") % {
        "ago": timesince(seen_at)
    }


@host_required
def status(request: HttpRequest) -> JsonResponse:
    """Live state of the host's meetings, for the list to refresh without a reload."""
    return JsonResponse(
        {
            str(m.pk): {
                "live_state": m.live_state,
                "label": stale_live(m.last_seen_active_at)
                if m.live_is_stale
                else m.get_live_state_display(),
                "stale": m.live_is_stale,
                "attendees": m.attendees,
                "attending": attending(m.attendees),
                "sync_state": m.sync_state,
            }
            for m in selectors.dashboard_meetings(request.host)
        }
    )


@host_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    customer = request.host.customer
    form = MeetingForm(
        request.POST or None,
        kinds=servers.kinds(customer),
        capabilities=servers.capabilities(customer),
        recurring=servers.holds_recurring(customer),
        initial={
            "call_number": customer.default_call_number,
            "access_code_is_meeting_id": customer.default_access_code_is_meeting_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(host=request.host, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Meeting saved. It is being scheduled on the meeting server.")
            )
            return redirect("dashboard-meeting", pk=meeting.pk)
    return render(request, "meetings/dashboard/meeting_form.html", {"form": form, "meeting": None})


MANAGED_MEETING = gettext_lazy(
    "This is the meeting of the %(by)s “%(topic)s”: change its time, type or topic, or "
    "cancel it, on the %(by)s's page."
)


def _to_its_manager(request: HttpRequest, meeting) -> HttpResponse:
    """A meeting another page manages (a webinar's) is changed there: sent to it, told why."""
    messages.info(request, MANAGED_MEETING % {"by": meeting.managed_by, "topic": meeting.topic})
    return redirect(meeting.managed_page)


@host_required
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = host_meeting(request, pk)
    if meeting.managed_by:
        return _to_its_manager(request, meeting)
    if meeting.cancelled_at:
        messages.error(request, _("A cancelled meeting cannot be edited."))
        return redirect("dashboard-meeting", pk=pk)
    initial = {name: getattr(meeting, name) for name in services.EDITABLE}
    initial["password"] = meeting.password
    form = MeetingForm(
        request.POST or None,
        initial=initial,
        kinds=servers.kinds(meeting.customer),
        capabilities=servers.capabilities(meeting.customer),
        recurring=servers.holds_recurring(meeting.customer) or meeting.is_recurring,
        locked=services.meeting_locked_fields(meeting=meeting),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Changes saved. The meeting server is being updated."))
            return redirect("dashboard-meeting", pk=pk)
    drift = services.meeting_drift(meeting=meeting) if request.method == "GET" else None
    return render(
        request,
        "meetings/dashboard/meeting_form.html",
        {
            "form": form,
            "meeting": meeting,
            "drift": drift,
            "change_on_server_url": services.meeting_change_on_server_url(meeting=meeting)
            if form.locked
            else "",
        },
    )


@host_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = host_meeting(request, pk)
    on_server = bool(meeting.server_meeting_id) and not meeting.cancelled_at
    recordings, recordings_error = services.meeting_recordings(meeting=meeting)
    return render(
        request,
        "meetings/dashboard/meeting_detail.html",
        {
            "meeting": meeting,
            "on_server": on_server,
            "invitation": launch.invitation(meeting) if on_server else "",
            "join_url": launch.join_url(meeting) if on_server else "",
            "start_url": launch.start_url(meeting) if on_server else "",
            # Made when pressed, so pressed with a POST: a link elsewhere cannot make one.
            "start_posts": launch.links_made_when_pressed(meeting),
            "web_viewer_url": launch.web_viewer_url(meeting) if on_server else "",
            "capabilities": servers.capabilities(meeting.customer),
            "awaiting_browser": services.meeting_awaits_browser(meeting=meeting),
            "chart": selectors.attendance_chart(meeting),
            "attendance": selectors.attendance(meeting),
            "recordings": recordings,
            "recordings_error": recordings_error,
            "published_recordings": set(
                meeting.published_recordings.values_list("recording_id", flat=True)
            ),
        },
    )


@require_POST
@host_required
def meeting_recording_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish a recording (feeds, join links), or take it back with ``unpublish``."""
    meeting = host_meeting(request, pk)
    recording_id = request.POST.get("recording_id", "")
    if request.POST.get("unpublish"):
        services.recording_unpublish(meeting=meeting, recording_id=recording_id)
        messages.success(request, _("The recording is no longer published."))
        return redirect("dashboard-meeting", pk=pk)
    try:
        services.recording_publish(meeting=meeting, recording_id=recording_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The recording is published with the meeting's public list."))
    return redirect("dashboard-meeting", pk=pk)


@host_required
def meeting_command_file(request: HttpRequest, pk: int, role: str) -> HttpResponse:
    if role not in ("host", "join"):
        raise Http404("no such command file")
    meeting = host_meeting(request, pk)
    if not meeting.server_meeting_id:
        messages.error(request, _("The meeting is not on the meeting server yet."))
        return redirect("dashboard-meeting", pk=pk)
    return launch.command_file_response(meeting, role=role, name=request.user.get_full_name())


@require_http_methods(["GET", "POST"])
@host_required
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks "are you sure?" (no script needed); POST cancels."""
    meeting = host_meeting(request, pk)
    if meeting.managed_by:
        return _to_its_manager(request, meeting)
    if meeting.cancelled_at:
        return redirect("dashboard-meeting", pk=pk)
    if request.method == "GET":
        return render(
            request,
            "meetings/dashboard/meeting_cancel.html",
            {"meeting": meeting, "capabilities": servers.capabilities(meeting.customer)},
        )
    services.meeting_cancel(meeting=meeting)
    messages.success(request, _("Meeting cancelled. It is no longer listed or published."))
    return redirect("dashboard-home")


@require_POST
@host_required
def meeting_retry(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = services.meeting_push(meeting_id=host_meeting(request, pk).pk)
    if meeting is not None and meeting.sync_state == SyncState.SYNCED:
        messages.success(request, _("The meeting is on the meeting server."))
    elif meeting is not None:
        messages.error(request, _(meeting.sync_error))
    return redirect("dashboard-meeting", pk=pk)


@require_POST
@host_required
def meeting_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a meeting whose server makes single-use links (OpenMeetings), or holds a
    meeting only while it runs: create it if need be, and make the host's link, now.

    A POST with the CSRF token: it signs in to the server and makes a moderator
    link, which a cross-site GET (an image, a link) must not do.
    """
    meeting = host_meeting(request, pk)
    if meeting.cancelled_at or not meeting.server_meeting_id:
        return redirect("dashboard-meeting", pk=pk)
    try:
        return redirect(launch.server_start_url(meeting))
    except ConferencingError as exc:
        messages.error(request, servers.explain(meeting.customer, exc))
        return redirect("dashboard-meeting", pk=pk)


@require_http_methods(["GET", "POST"])
@host_required
def meeting_stop(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks "are you sure?", as cancelling does; POST stops, and the page then shows
    the state the server's answer gave, not the last poll's."""
    meeting = host_meeting(request, pk)
    if not request.host.is_administrator:
        messages.error(request, _("Only administrators can stop a meeting."))
        return redirect("dashboard-meeting", pk=pk)
    if request.method == "GET":
        return render(request, "meetings/dashboard/meeting_stop.html", {"meeting": meeting})
    try:
        services.meeting_stop(meeting=meeting)
    except ConferencingError as exc:
        messages.error(request, servers.explain(meeting.customer, exc))
    else:
        messages.success(request, _("The meeting was stopped: everyone in it has left."))
    return redirect("dashboard-meeting", pk=pk)


@host_required
def join(request: HttpRequest) -> HttpResponse:
    """The home page's "Join a meeting": off to the server's join page.

    Posted, so the meeting password stays out of the portal's URLs and logs.
    """
    form = JoinForm(request.POST or None)
    if form.is_valid():
        customer = request.host.customer
        meeting_id = form.cleaned_data["meeting_id"].replace(" ", "").strip()
        if servers.join_links_expire(customer) and not selectors.customer_has_meeting(
            customer, meeting_id
        ):
            # Such links are made by the portal's own login: only for this customer's rooms.
            form.add_error("meeting_id", _("None of your organisation's meetings has this ID."))
        else:
            try:
                url = launch.join_url_by_id(
                    customer,
                    meeting_id,
                    Participant(name=form.cleaned_data["name"]),
                    password=form.cleaned_data["password"],
                )
            except ConferencingError as exc:
                form.add_error(None, servers.explain(customer, exc))
            except ValueError as exc:  # not an ID this server could have given
                form.add_error("meeting_id", str(exc))
            else:
                return redirect(url)
    return _home(request, form)
