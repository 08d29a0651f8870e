"""Ways into a meeting, built from the portal's records: links, invitation, command file."""

from __future__ import annotations

import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import formats

from conferencing.turbomeeting import launch
from meetings.models import Meeting


def server_address() -> tuple[str, int]:
    """Host name and the command file's port (80, 443 or 8889) of the meeting server."""
    url = urlsplit(settings.TM_SERVER_URL)
    port = url.port or (443 if url.scheme == "https" else 80)
    if port not in launch.COMMAND_FILE_PORTS:
        port = 443 if url.scheme == "https" else 80
    return url.hostname or "", port


def join_url(meeting: Meeting, *, name: str = "", with_password: bool = True) -> str:
    """The attendees' link; calendars get it without the password (they are shared widely)."""
    return launch.join_url(
        settings.TM_SERVER_URL,
        name=name,
        meeting_id=meeting.server_meeting_id,
        password=meeting.password if with_password else "",
    )


def start_url(meeting: Meeting) -> str:
    return launch.start_url(
        settings.TM_SERVER_URL, email=meeting.host.user.email, meeting_id=meeting.server_meeting_id
    )


def web_viewer_url(meeting: Meeting, *, name: str = "") -> str:
    return launch.web_viewer_url(
        settings.TM_SERVER_URL,
        meeting_id=meeting.server_meeting_id,
        name=name,
        password=meeting.password,
    )


def command_file(meeting: Meeting, *, role: str, name: str = "") -> bytes:
    """The desktop launcher file: Host for the meeting's host, Join for anyone else."""
    address, port = server_address()
    if role == "host":
        return launch.command_file(
            action="Host",
            server_address=address,
            server_port=port,
            email=meeting.host.user.email,
            meeting_type=meeting.meeting_type,
            start_meeting_now=True,
            start_at_minimized=False,
        )
    return launch.command_file(
        action="Join",
        server_address=address,
        server_port=port,
        meeting_id=meeting.server_meeting_id,
        meeting_password=meeting.password,
        attendee_name=name or "Guest",
        start_at_minimized=False,
    )


def command_file_response(meeting: Meeting, *, role: str, name: str = "") -> HttpResponse:
    """The command file as a download, for the dashboard and the API alike.

    A cancelled meeting has none: the launcher would open a meeting that is off.
    """
    if meeting.cancelled_at is not None:
        raise Http404("The meeting was cancelled.")
    response = HttpResponse(
        command_file(meeting, role=role, name=name), content_type="application/xml"
    )
    filename = f"meeting-{meeting.server_meeting_id}-{role}.xml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def invitation(meeting: Meeting) -> str:
    """A plain-text invitation the host copies into mail or chat."""
    zone = zoneinfo.ZoneInfo(meeting.customer.time_zone)
    lines = [f"{meeting.host.user.get_full_name() or meeting.host.user.email} invites you to:"]
    lines.append(meeting.topic)
    if meeting.is_recurring:
        lines.append("Recurring meeting")
    elif meeting.starts_at:
        start = meeting.starts_at.astimezone(zone)
        end = meeting.ends_at.astimezone(zone)
        when = formats.date_format(start, "l, j F Y, H:i")
        lines.append(f"{when}–{end:%H:%M} ({meeting.customer.time_zone})")
    lines += ["", f"Join: {join_url(meeting)}", f"Meeting ID: {meeting.server_meeting_id}"]
    if meeting.password:
        lines.append(f"Meeting password: {meeting.password}")
    if meeting.call_number:
        lines.append(f"Audio: call {meeting.call_number}")
        if meeting.audio_access_code:
            lines.append(f"Access code: {meeting.audio_access_code}")
    return "\n".join(lines)
