"""How people get into a TurboMeeting meeting: browser URLs, app URLs, command files.

Pure functions, so pages and tests can build them without a server. Host
passwords go in a POST form, never in a link; the join link carries only
the meeting password, as RHUB's own published join page does.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import NotRequired, TypedDict, Unpack
from urllib.parse import parse_qsl, urlencode, urlsplit

from conferencing.base import MeetingKind
from conferencing.turbomeeting.client import MEETING_TYPES, PATHS
from conferencing.xmltext import xml_safe

HOST = "host"
ATTENDEE = "attendee"
_ROLE_SPELLINGS = {"host": HOST, "attendee": ATTENDEE, "attende": ATTENDEE}  # §10 writes "attende"

DEFAULT_SCHEME = "turbomeeting80"  # follows the app version, hence a parameter
DEFAULT_ANDROID_PACKAGE = "com.rhubcom.turbomeeting80"

COMMAND_FILE_ROOT = "TurboMeeting"
COMMAND_FILE_PORTS = frozenset({80, 443, 8889})
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*\Z")


@dataclass(frozen=True)
class LaunchForm:
    """A form the page auto-submits by POST, so passwords stay out of URLs and history."""

    action: str
    fields: dict[str, str]


def _endpoint_url(server_url: str, name: str) -> str:
    return server_url.rstrip("/") + PATHS[name].path


def start_form(
    server_url: str,
    *,
    email: str,
    user_password: str = "",
    meeting_id: str = "",
    meeting_password: str = "",
) -> LaunchForm:
    """Start an unscheduled meeting, or a scheduled one when ``meeting_id`` is given."""
    fields = {"role": HOST, "email": email, "user_password": user_password}
    if meeting_id:
        fields |= {"meeting_id": meeting_id, "password": meeting_password}
    return LaunchForm(action=_endpoint_url(server_url, "goto_downloader"), fields=fields)


def start_url(server_url: str, *, email: str, meeting_id: str = "") -> str:
    """A link without passwords: the TurboMeeting client asks for them."""
    query = {"role": HOST, "email": email}
    if meeting_id:
        query["meeting_id"] = meeting_id
    return f"{_endpoint_url(server_url, 'goto_downloader')}?{urlencode(query)}"


def join_url(server_url: str, *, name: str, meeting_id: str, password: str = "") -> str:
    # "sumbit=submit" (sic) is what RHUB's published join page sends; servers may expect it.
    query = {
        "role": ATTENDEE,
        "name": name,
        "meeting_id": meeting_id,
        "password": password,
        "sumbit": "submit",
    }
    return f"{_endpoint_url(server_url, 'goto_downloader')}?{urlencode(query)}"


def web_viewer_url(server_url: str, *, meeting_id: str, name: str = "", password: str = "") -> str:
    query = {"meeting_id": meeting_id}
    if name:
        query["name"] = name
    if password:
        query["password"] = password
    return f"{_endpoint_url(server_url, 'web_viewer')}?{urlencode(query)}"


def parse_launch_url(url: str) -> dict[str, str]:
    """The parameters of a start, join, app or intent URL; ``role`` is host or attendee."""
    params: dict[str, str] = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        params.setdefault(key, value)
    role = params.get("role", "")
    if role.lower() not in _ROLE_SPELLINGS:
        raise ValueError(f"not a TurboMeeting launch URL (role {role[:20]!r})")
    params["role"] = _ROLE_SPELLINGS[role.lower()]
    return params


def _role(role: str) -> str:
    try:
        return _ROLE_SPELLINGS[role.lower()]
    except KeyError:
        raise ValueError(f"role must be host or attendee, not {role!r}") from None


class AppQuery(TypedDict):
    """Who opens the app: an attendee (``meeting_id``, its password and a ``name``) or
    the host (``email`` and ``user_password``), at ``account_server``."""

    role: str
    account_server: str
    meeting_id: NotRequired[str]
    meeting_password: NotRequired[str]
    name: NotRequired[str]
    email: NotRequired[str]
    user_password: NotRequired[str]


def _app_query(**who: Unpack[AppQuery]) -> str:
    role = _role(who["role"])
    meeting_id, email = who.get("meeting_id", ""), who.get("email", "")
    if role == ATTENDEE:
        if not meeting_id:
            raise ValueError("joining needs a meeting_id")
        query = {
            "role": ATTENDEE,
            "meeting_id": meeting_id,
            "meeting_password": who.get("meeting_password", ""),
            "name": who.get("name", ""),
        }
    else:
        if not email:
            raise ValueError("hosting needs an email")
        query = {"role": HOST, "email": email, "user_password": who.get("user_password", "")}
    query["account_server_ip"] = who["account_server"]
    return urlencode(query)


def _checked_scheme(scheme: str) -> str:
    if not _SCHEME.match(scheme):
        raise ValueError(f"not a URL scheme: {scheme!r}")
    return scheme


def app_url(*, scheme: str = DEFAULT_SCHEME, **who: Unpack[AppQuery]) -> str:
    """Opens the installed TurboMeeting app directly (desktop and iOS)."""
    return f"{_checked_scheme(scheme)}://?{_app_query(**who)}"


def android_intent_url(
    *,
    scheme: str = DEFAULT_SCHEME,
    package: str = DEFAULT_ANDROID_PACKAGE,
    **who: Unpack[AppQuery],
) -> str:
    """Chrome on Android opens the app by package, or its store page when it is missing."""
    query = _app_query(**who)
    if not re.fullmatch(r"[A-Za-z0-9_.]+", package):
        raise ValueError(f"not an Android package name: {package!r}")
    return f"intent://?{query}#Intent;scheme={_checked_scheme(scheme)};package={package};end"


def command_file_address(server_url: str) -> tuple[str, int]:
    """The host name and the command file's port (80, 443 or 8889) of a server URL."""
    url = urlsplit(server_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    if port not in COMMAND_FILE_PORTS:
        port = 443 if url.scheme == "https" else 80
    return url.hostname or "", port


def command_file(
    *,
    action: str,
    server_address: str,
    server_port: int = 80,
    meeting_id: str = "",
    meeting_password: str = "",
    attendee_name: str = "",
    email: str = "",
    user_password: str = "",
    kind: MeetingKind | int = MeetingKind.MEETING,
    start_meeting_now: bool = True,
    start_at_minimized: bool = False,
    timeout: int = -1,
) -> bytes:
    """The desktop ``TurboMeeting --cmd <file>`` command file.

    Hosts should not start minimised: they read the meeting ID off the panel to invite people.
    """
    action = action.strip().capitalize()
    if action not in ("Host", "Join"):
        raise ValueError(f"action must be Host or Join, not {action!r}")
    if not server_address:
        raise ValueError("a command file needs the server address")
    if server_port not in COMMAND_FILE_PORTS:
        raise ValueError(f"server_port must be one of 80, 443, 8889, not {server_port!r}")
    if action == "Join" and not (meeting_id and attendee_name):
        raise ValueError("joining needs meeting_id and attendee_name")
    if action == "Host" and not email:
        raise ValueError("hosting needs an email")
    if int(timeout) < -1:
        raise ValueError("timeout is seconds, or -1 for none")
    values = [
        ("Action", action),
        ("ServerAddress", server_address),
        ("ServerPort", str(server_port)),
        ("MeetingPassword", meeting_password),
        ("MeetingId", meeting_id),
        ("AttendeeName", attendee_name),
        ("Email", email),
        ("UserPassword", user_password),
        ("MeetingType", str(MEETING_TYPES[MeetingKind(kind)])),
        ("StartMeetingNow", "Y" if start_meeting_now else "N"),
        ("StartAtMinimized", "Y" if start_at_minimized else "N"),
        ("Caller", ""),  # the OEM ID: the integration page says to leave it empty
        ("Timeout", str(int(timeout))),
    ]
    root = ET.Element(COMMAND_FILE_ROOT)
    for tag, value in values:
        ET.SubElement(root, tag).text = xml_safe(value)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True, short_empty_elements=False)
