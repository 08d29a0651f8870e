"""What a TrueConf conference holds: the body a meeting request becomes, who owns it, and
whether a conference on the server differs from a request (the HTTP calls are the client's)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from conferencing.base import MeetingKind, MeetingRequest, Unsupported
from conferencing.trueconf.answers import ONE_TIME, ROOM

#: TrueConf's conference ``type`` for each kind the portal can hold. 0 is "all on
#: screen" (everyone sees and hears everyone): a meeting or a video conference.
#: 1 is asymmetric (a "video lecture": the presenter is seen by all, the audience
#: only by the presenter), which is what a webinar is. 3, role-based (speakers on a
#: podium, moderated), is not used: nothing the portal schedules asks for it.
CONFERENCE_TYPES: dict[MeetingKind, int] = {
    MeetingKind.MEETING: 0,
    MeetingKind.VIDEO_CONFERENCE: 0,
    MeetingKind.WEBINAR: 1,
}
#: What a change may alter on the server; the rest of a conference body (owner,
#: invitations, guests) is the same on every push of one meeting.
CHANGED_BY_EDITS = ("topic", "type", "schedule", "max_participants")


#: Hex digits of a conference ID the portal chooses (128 bits; the API allows 1 to 128
#: digits, Latin letters and underscores).
CHOSEN_ID_LENGTH = 32


def chosen_id(secret: str, external_id: str) -> str:
    """The conference ID of ``external_id``, the same every time, keyed with ``secret``."""
    key = hmac.new(secret.encode(), external_id.encode(), hashlib.sha256)
    return key.hexdigest()[:CHOSEN_ID_LENGTH]


def owner_id(host_email: str) -> str:
    """The TrueConf user who owns a host's conferences: the email's local part.

    TrueConf IDs are server logins (``helen``; the server answers
    ``helen@server.name``), and servers that sign people in through LDAP or
    Active Directory use the mailbox name as the login. An address without
    ``@`` is taken as the login itself.
    """
    return host_email.partition("@")[0] if "@" in host_email else host_email


def conference_body(request: MeetingRequest, *, guests: bool) -> dict[str, Any]:
    """The conference a meeting request becomes; ``guests``: whether people without a
    server login may join."""
    if request.kind not in CONFERENCE_TYPES:
        raise Unsupported(f"TrueConf has no conference mode for a {request.kind.name} meeting")
    if request.is_recurring:
        schedule: dict[str, Any] = {"type": ROOM}  # a permanent virtual room
    elif request.start is None or request.end is None:
        raise ValueError("a meeting that is not recurring needs a start and an end")
    elif request.start.tzinfo is None or request.end.tzinfo is None:
        raise ValueError("meeting times must not be naive: give them a time zone")
    elif request.end <= request.start:
        raise ValueError("a meeting must end after it starts")
    else:
        schedule = {
            "type": ONE_TIME,
            "start_time": int(request.start.timestamp()),
            "duration": int((request.end - request.start).total_seconds()),
            "time_offset": 0,  # times are UTC seconds already
        }
    owner = owner_id(request.host_email)
    body: dict[str, Any] = {
        "topic": request.topic,
        "type": CONFERENCE_TYPES[request.kind],
        "owner": owner,
        "schedule": schedule,
        "invitations": [{"id": owner}],
        "allow_guests": guests,
        "auto_invite": 0,  # the portal sends people their links itself
    }
    if request.max_participants:
        body["max_participants"] = int(request.max_participants)
    return body


def differs(key: str, body: dict[str, Any], conference: dict[str, Any]) -> bool:
    """Whether the conference on the server holds another ``key`` than the request's."""
    if key not in body:
        return False
    wanted, held = body[key], conference.get(key)
    if key == "schedule" and isinstance(held, dict):
        return any(
            held.get(name) != value for name, value in wanted.items() if name != "time_offset"
        )
    return wanted != held
