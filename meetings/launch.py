"""Ways into a meeting, built from the portal's records: links, invitation, command file."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.core import signing
from django.dispatch import Signal
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from conferencing.base import Capability, MeetingKind, Participant
from meetings import services
from meetings.models import Meeting
from meetings.timespan import timespan
from portal import servers
from portal.accounts.models import Customer


def can(meeting: Meeting, capability: Capability) -> bool:
    """Whether the meeting's server offers this (pages show only what works)."""
    return capability in servers.capabilities(meeting.customer)


def links_made_when_pressed(meeting: Meeting) -> bool:
    """Whether the server's start and join links are made when the person presses Start or
    Join, through the portal's own pages: they are single-use or expire, or the meeting
    must first be created on the server (``Capability.CREATED_ON_START``)."""
    return servers.join_links_expire(meeting.customer) or can(meeting, Capability.CREATED_ON_START)


def join_url(meeting: Meeting, *, name: str = "") -> str:
    """The attendees' link, with the password: for the host and whom they share it with
    (public outputs go through ``public_join_url``, registrants get ``join_page``).

    Empty where the server gives no join link. Where the server's links are
    single-use or expire (OpenMeetings), or where the meeting is created when it
    starts, this is the portal's own join link instead, which makes a fresh one
    when the person clicks.
    """
    if not can(meeting, Capability.JOIN_URL):
        return ""
    if links_made_when_pressed(meeting):
        return join_page(meeting, name=name)
    return server_join_url(meeting, Participant(name=name), password=meeting.password)


def password_is_public(meeting: Meeting) -> bool:
    """Whether public outputs may carry the meeting's password: it has none, or the host
    chose to put it in public links."""
    return not meeting.password_encrypted or meeting.password_in_public_links


def server_id_is_public(meeting: Meeting) -> bool:
    """Whether pages, feeds and mails may show the meeting's server ID and server links.

    Where the password is public, or the server asks for it itself. On a server
    without meeting passwords (``Capability.MEETING_PASSWORD`` undeclared) the ID is a
    way in, as a web client link built from it, so a protected meeting's ID stays with
    the host and the portal's pages.
    """
    return password_is_public(meeting) or can(meeting, Capability.MEETING_PASSWORD)


def public_join_url(meeting: Meeting, *, ask_page: str) -> str:
    """The one rule for every public format (page, XML, JSON, iCalendar, RSS): the server's
    join link, with the password only if the host put it in public links; for a password
    kept out of them, ``ask_page``, the portal's page that asks for it.

    Empty while the server has no ID for the meeting, or gives no join link.
    """
    if not meeting.server_meeting_id:
        return ""
    if not password_is_public(meeting):
        return ask_page
    return join_url(meeting)


def server_join_url(meeting: Meeting, who: Participant, *, password: str = "") -> str:
    """A join link from the meeting's server: the one it gave for everyone when scheduling
    (TrueConf's web client link, at the server's public address), else made now (one call
    for some servers); on a server that holds meetings only while they run, the meeting is
    created first."""
    services.meeting_open(meeting=meeting)
    if meeting.server_join_url:
        return meeting.server_join_url
    return join_url_by_id(meeting.customer, meeting.server_meeting_id, who, password=password)


def join_url_by_id(
    customer: Customer, server_meeting_id: str, who: Participant, *, password: str = ""
) -> str:
    """A join link to a meeting on the customer's server known only by its ID (the
    dashboard's join form), made now. ValueError: not an ID this server could have given."""
    return servers.backend(customer).join_url(server_meeting_id, who, password=password)


JOIN_SALT = "meetings.join"

#: Sent before a personal join link (``join_page`` with an ``external_id``) lets its
#: holder in, with ``external_id``. The app that handed the link out answers for its
#: own ids (webinars: "registration-<pk>", while the registration holds a seat):
#: a receiver returns False to refuse, None for ids that are not its own.
join_link_used = Signal()
#: Sent when a personal join link let its holder in (the server's link was made and
#: they were sent to it), with ``external_id``: the app that handed it out may record it.
join_link_followed = Signal()


def may_still_join(external_id: str) -> bool:
    answers = join_link_used.send(sender=Meeting, external_id=external_id)
    return all(answer is not False for _receiver, answer in answers)


def join_page(meeting: Meeting, *, name: str = "", external_id: str = "") -> str:
    """The portal's link to join ``meeting``, for whoever holds it, signed so it cannot be
    pointed at another meeting; with a name, it is one person's (a registrant's)."""
    token = signing.dumps(
        {"m": meeting.pk, "n": name, "x": external_id}, salt=JOIN_SALT, compress=True
    )
    return settings.SITE_URL.rstrip("/") + reverse("meeting-join", args=[token])


def read_join_page_token(token: str) -> tuple[int, str, str] | None:
    """(meeting pk, name, external id) of a ``join_page`` token, or None if it is not one."""
    try:
        data = signing.loads(token, salt=JOIN_SALT)
        return int(data["m"]), str(data.get("n", "")), str(data.get("x", ""))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def start_url(meeting: Meeting) -> str:
    """The host's link; where the server's links are made when pressed, the dashboard's own
    start page, which makes one when the host presses it (a page view asks the server
    nothing)."""
    if not can(meeting, Capability.START_URL):
        return ""
    if links_made_when_pressed(meeting):
        return reverse("dashboard-meeting-start", args=[meeting.pk])
    return server_start_url(meeting)


def server_start_url(meeting: Meeting) -> str:
    """A start link from the meeting's server, made now (one call for some servers); on a
    server that holds meetings only while they run, the meeting is created first."""
    services.meeting_open(meeting=meeting)
    host = Participant(
        name=meeting.host.user.get_full_name(),
        email=meeting.host.user.email,
        external_id=f"host-{meeting.host_id}",
        host=True,
    )
    if meeting.server_join_url:  # the server's one link: its host signs in there
        return meeting.server_join_url
    return servers.backend(meeting.customer).start_url(meeting.server_meeting_id, host)


def web_viewer_url(meeting: Meeting, *, name: str = "") -> str:
    if not can(meeting, Capability.WEB_VIEWER):
        return ""
    return servers.web_viewer_url(
        meeting.customer, meeting.server_meeting_id, Participant(name=name), meeting.password
    )


def command_file(meeting: Meeting, *, role: str, name: str = "") -> bytes:
    """The desktop launcher file: Host for the meeting's host, Join for anyone else."""
    host = role == "host"
    return servers.command_file(
        meeting.customer,
        host=host,
        meeting_id=meeting.server_meeting_id,
        kind=MeetingKind(meeting.kind),
        who=Participant(email=meeting.host.user.email, host=True) if host else Participant(name),
        password="" if host else meeting.password,
    )


def command_file_response(meeting: Meeting, *, role: str, name: str = "") -> HttpResponse:
    """The command file as a download, for the dashboard and the API alike.

    A cancelled meeting has none: the launcher would open a meeting that is off.
    """
    if meeting.cancelled_at is not None:
        raise Http404("The meeting was cancelled.")
    if not can(meeting, Capability.COMMAND_FILE):
        raise Http404("This meeting server has no desktop command files.")
    response = HttpResponse(
        command_file(meeting, role=role, name=name), content_type="application/xml"
    )
    filename = f"meeting-{meeting.server_meeting_id}-{role}.xml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def invitation(meeting: Meeting) -> str:
    """A plain-text invitation the host copies into mail or chat."""
    zone = zoneinfo.ZoneInfo(meeting.customer.time_zone)
    who = meeting.host.user.get_full_name() or meeting.host.user.email
    lines = [_("%(who)s invites you to:") % {"who": who}]
    lines.append(meeting.topic)
    if meeting.is_recurring:
        lines.append(_("Recurring meeting"))
    elif meeting.starts_at:
        when = timespan(meeting.starts_at, meeting.ends_at, zone, zone_name=False, long=True)
        lines.append(f"{when} ({meeting.customer.time_zone})")
    lines += [
        "",
        _("Join: %(url)s") % {"url": join_url(meeting)},
        _("Meeting ID: %(id)s") % {"id": meeting.server_meeting_id},
    ]
    if meeting.password:
        lines.append(_("Meeting password: %(password)s") % {"password": meeting.password})
    if meeting.call_number:
        lines.append(_("Audio: call %(number)s") % {"number": meeting.call_number})
        if meeting.audio_access_code:
            lines.append(_("Access code: %(code)s") % {"code": meeting.audio_access_code})
    return "\n".join(lines)
