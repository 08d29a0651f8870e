"""What an OpenMeetings room is to the portal: the room a meeting request becomes, the
hash form that lets one person in, and reading rooms and counts out of answers (the
calls themselves are the client's)."""

from __future__ import annotations

import json
import re
from typing import Any

from conferencing.base import (
    BadServerResponse,
    MeetingKind,
    MeetingRequest,
    Participant,
    ServerRefused,
    Unsupported,
)

#: OpenMeetings' room type for each kind of meeting it can hold. A "conference" room
#: is its interactive meeting with every camera on; "presentation" is one presenter
#: to an audience. Its third type, "interview", has no MeetingKind.
ROOM_TYPES: dict[MeetingKind, str] = {
    MeetingKind.MEETING: "CONFERENCE",
    MeetingKind.VIDEO_CONFERENCE: "CONFERENCE",
    MeetingKind.WEBINAR: "PRESENTATION",
}

#: What a new room is, besides its name, comment, type and capacity.
NEW_ROOM = {
    "appointment": False,
    "isPublic": False,
    "moderated": False,
    "waitModerator": False,
    "allowUserQuestions": True,
    "allowRecording": True,
    "audioOnly": False,
}
#: RoomDTO's own default capacity is 4, too small for a meeting left at "the server's default".
DEFAULT_CAPACITY = 25
_INTEGER = re.compile(r"\d+")


def room_id_of(meeting_id: str) -> int:
    text = str(meeting_id).strip()
    if not _INTEGER.fullmatch(text):
        raise ValueError(f"an OpenMeetings room id is a number: {meeting_id!r}")
    return int(text)


def room_details(request: MeetingRequest) -> dict[str, Any]:
    """What a meeting request says of its room: name, comment and type."""
    if request.kind not in ROOM_TYPES:
        raise Unsupported(f"OpenMeetings has no room type for a {request.kind.name} meeting")
    return {
        "name": request.topic,
        "comment": f"Scheduled by the partner portal for {request.host_email}",
        "type": ROOM_TYPES[request.kind],
    }


def hash_form(
    who: Participant, room_id: int, *, moderator: bool, external_type: str
) -> dict[str, str]:
    """The form of a ``/user/hash`` call: ``who``, filed under ``external_type``, into the room."""
    external_id = who.external_id or who.email
    if not external_id:
        raise ValueError("OpenMeetings needs an external_id (or an email) for each person")
    firstname, _, lastname = who.name.strip().partition(" ")
    user = {
        "firstname": firstname or external_id,
        "lastname": lastname.strip(),
        "email": who.email,
        "login": who.email or external_id,
        "externalId": external_id,
        "externalType": external_type,
    }
    options = {
        "roomId": room_id,
        "moderator": moderator,
        "showAudioVideoTest": True,
        "allowRecording": moderator,
        "allowSameURLMultipleTimes": False,
    }
    return {"user": json.dumps(user), "options": json.dumps(options)}


def read_room(data: Any, name: str) -> dict[str, Any]:
    room = data.get("roomDTO") if isinstance(data, dict) else None
    if not isinstance(room, dict):
        raise BadServerResponse(f"{name}: the answer has no roomDTO")
    room_id = room.get("id")
    if isinstance(room_id, str) and _INTEGER.fullmatch(room_id):
        room["id"] = room_id = int(room_id)
    if not isinstance(room_id, int) or isinstance(room_id, bool):
        raise BadServerResponse(f"{name}: the room has no numeric id")
    return room


def read_count(value: Any, name: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value)
    raise BadServerResponse(f"{name}: the count is not a number: {str(value)[:20]!r}")


def read_counters(data: Any, room_id: int) -> int:
    """The count of ``room_id`` in a ``/room/counters`` answer (servers before 5.0)."""
    if isinstance(data, dict) and len(data) == 1:  # {"roomCountDTO": [...] or {...}}
        data = next(iter(data.values()))
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise BadServerResponse("room_counters: the answer is not a list of rooms")
    for entry in data:
        if isinstance(entry, dict) and str(entry.get("roomId")) == str(room_id):
            return read_count(entry.get("roomCount"), "room_counters")
    raise ServerRefused(f"the server has no room {room_id}")
