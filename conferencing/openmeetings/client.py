"""The Apache OpenMeetings backend: rooms, room hashes and live counts over its REST API.

Facts this client is built on (OpenMeetings' ``UserWebService``, ``RoomWebService``
and ``BaseWebService``, the integration page, and VENDORS.md):

- ``base_url`` is the server root (``http://host:5080``); the services live under
  ``{base_url}/openmeetings/services`` and people join at
  ``{base_url}/openmeetings/hash?secure=<hash>``. ``context_path`` changes the
  ``/openmeetings`` part for a server deployed elsewhere.
- Every call but login carries a SID from ``/user/login``: ``services.py`` keeps
  it, renews it, and says what an answer means (a 500 with an ERROR
  ``serviceResult`` is a refusal, not an outage).
- A room is permanent: ``POST /room`` (form ``room`` = RoomDTO JSON) adds one,
  or overwrites every field of the one whose ``id`` it carries. OpenMeetings
  keeps no times on a room, so start and end stay the portal's business.
- A room carries ``externalId`` and ``externalType`` (the portal's key for the
  meeting, and ``external_type``): ``GET /room/{type}/{externalType}/{externalId}``
  (``RoomWebService.getExternal``, with the RoomDTO JSON as ``room``) answers the
  room filed so, adding it first when there is none. A create goes that way, so
  one resent after its answer was lost finds the room the first attempt made
  instead of adding a second.
- A room hash (``POST /user/hash``) lets one external user in once, within about
  15 minutes. The user is kept on the SID that made it, and using the hash
  makes that SID the external user's, so each hash is made with its own fresh
  login and never with the cached SID.
- Live counts: ``GET /room/count/{id}`` (4.x/5.0 and later), else the older
  ``GET /room/counters?id=..`` (fallback on 404, remembered).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Unpack
from urllib.parse import urlencode

from conferencing.base import (
    BadServerResponse,
    BaseBackend,
    Capability,
    ConferencingError,
    CredentialCheck,
    CredentialField,
    CredentialsRefused,
    MeetingKind,
    MeetingRequest,
    MeetingStatus,
    Participant,
    ScheduledMeeting,
    ServerRefused,
    gettext_noop,
)
from conferencing.http import Endpoint, HTTPOptions, Transport, base_url_checked
from conferencing.openmeetings.rooms import (
    DEFAULT_CAPACITY,
    NEW_ROOM,
    ROOM_TYPES,
    hash_form,
    read_count,
    read_counters,
    read_room,
    room_details,
    room_id_of,
)
from conferencing.openmeetings.services import (
    SECRET_PARAMS,
    HTTPStatus,
    Services,
    SessionRefused,
    service_exception,
    service_message,
)

log = logging.getLogger(__name__)

SERVICES = "/services"  # under the context path

#: Every REST call, relative to ``{base_url}{context_path}/services``.
PATHS: dict[str, Endpoint] = {
    # A login only opens another session: safe to send again.
    "login": Endpoint("/user/login", "POST", retry_safe=True),
    # An unused hash expires by itself: making another is harmless.
    "hash": Endpoint("/user/hash", "POST", retry_safe=True),
    # Adding a room twice makes two rooms: never resent.
    "room_save": Endpoint("/room", "POST"),
    "room_get": Endpoint("/room/{id}", retry_safe=True),
    # RoomWebService.getExternal: the room filed under the portal's key, added from the
    # ``room`` parameter when there is none; sent again, it finds the one it added.
    "room_external": Endpoint("/room/{type}/{externaltype}/{externalid}", retry_safe=True),
    # Deleting a deleted room answers SUCCESS "Not found": safe to send again.
    "room_delete": Endpoint("/room/{id}", "DELETE", retry_safe=True),
    "room_count": Endpoint("/room/count/{id}", retry_safe=True),
    "room_counters": Endpoint("/room/counters", retry_safe=True),
    "room_kick": Endpoint("/room/kick/{id}"),
    "version": Endpoint("/info/version", retry_safe=True),
}


class OpenMeetings(BaseBackend):
    """An Apache OpenMeetings server (5.x to 9.x; 3.x/4.x for live counts), seen from the portal.

    Meetings are rooms; their ids are the server's room ids. ``external_type`` is
    the name OpenMeetings files the portal's external users under. ``http`` are
    the transport's settings (``conferencing.http.HTTPOptions``).
    """

    join_links_expire: ClassVar[bool] = True  # single-use hashes, gone after 15 minutes
    fake: ClassVar[str] = "conferencing.fakes.openmeetings"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.SCHEDULE,
            Capability.UPDATE,
            Capability.CANCEL,
            Capability.START_URL,
            Capability.JOIN_URL,
            Capability.PERSONAL_JOIN_URL,
            Capability.LIVE_STATUS,
            Capability.ATTENDEE_COUNT,
            Capability.STOP,
        }
    )
    kinds: ClassVar[frozenset[MeetingKind]] = frozenset(ROOM_TYPES)
    credential_fields: ClassVar[tuple[CredentialField, ...]] = (
        CredentialField(
            "admin_user", "Administrator user", "A user with the SOAP/REST access right."
        ),
        CredentialField("admin_password", "Administrator password", secret=True),
    )
    #: A room is renamed while people are in it; its type decides who may do what in it,
    #: so it stays as it is then. Rooms keep no times and no password (the hash is the
    #: key), so those are the portal's alone.
    changeable_while_running: ClassVar[frozenset[str]] = frozenset(
        {"topic", "start", "end", "password", "call_number", "attendee_access_code"}
    )
    holds_recurring: ClassVar[bool] = True
    refusals: ClassVar[Mapping[str, str]] = {
        "error.notallowed": gettext_noop(
            "The OpenMeetings server does not let the portal's user do this: ask your "
            "portal administrator to check that user's rights (it needs the SOAP right)."
        ),
    }
    unsupported_reasons: ClassVar[Mapping[Capability, str]] = {
        Capability.ACCOUNTS: "OpenMeetings has users and groups but no customer accounts with "
        "licensed rooms and seats: the portal keeps its customers to itself",
    }

    def __init__(
        self,
        base_url: str,
        *,
        admin_user: str,
        admin_password: str,
        time_zone: str = "UTC",
        clock: Callable[[], float] = time.monotonic,
        context_path: str = "/openmeetings",
        external_type: str = "portal",
        language: int | None = None,
        **http: Unpack[HTTPOptions],
    ) -> None:
        self.base_url = base_url_checked(base_url)
        self.context_path = "/" + context_path.strip("/") if context_path.strip("/") else ""
        self.http = Transport(
            self.base_url + self.context_path + SERVICES,
            secrets=SECRET_PARAMS,
            server_error=service_exception,
            **http,
        )
        self.admin_user = admin_user
        self.time_zone = time_zone  # rooms keep no times: nothing to convert
        self.external_type = external_type
        self.language = language
        self.services = Services(
            self.http, PATHS["login"], user=admin_user, password=admin_password, clock=clock
        )
        self._old_counters = False  # learnt from a pre-5.0 server's 404

    def close(self) -> None:
        self.http.close()

    # --- the calls -------------------------------------------------------------

    def ping(self) -> None:
        """Any HTTP answer below 500 proves the server is there; the body does not matter."""
        self.http.send(PATHS["version"], read_body=False)

    def credentials_accepted(self) -> CredentialCheck:
        """Log in with the portal's user (a session of its own, not the cached one)."""
        try:
            self.services.login()
        except CredentialsRefused as exc:
            return CredentialCheck(
                True,
                False,
                f"The server answered, but refused the login of {self.admin_user!r} "
                f"({exc.reason}).",
            )
        except ConferencingError as exc:
            log.info("credential check: the login failed: %s", exc)
            return CredentialCheck(
                True, None, "The server answered, but the login did not complete."
            )
        return CredentialCheck(
            True, True, f"The server answered and {self.admin_user!r} logged in."
        )

    def schedule_meeting(self, request: MeetingRequest) -> ScheduledMeeting:
        """Add a room, or change the one ``request.meeting_id`` names.

        A change reads the room first and sends it back whole, because ``POST /room``
        overwrites every field (files, hidden elements, ...) with what it is given.
        There is no join URL to return: room hashes are made per person, per join.
        """
        details = room_details(request)
        if request.meeting_id:
            room = self._get_room(request.meeting_id) | details
            if request.max_participants > 0:
                room["capacity"] = request.max_participants
            saved = self._save_room(room)
        else:
            room = NEW_ROOM | details | {"capacity": request.max_participants or DEFAULT_CAPACITY}
            if request.external_id:
                saved = self._add_room_once(room, request.external_id)
            else:
                saved = self._save_room(room)
        return ScheduledMeeting(
            meeting_id=str(saved["id"]), topic=request.topic, start=request.start, join_url=""
        )

    def cancel_meeting(self, meeting_id: str) -> None:
        """Delete the room; one already gone answers SUCCESS "Not found", which is fine."""
        data = self._authed("room_delete", room_id=room_id_of(meeting_id))
        service_message(data, "room_delete")

    def start_url(self, meeting_id: str, host: Participant) -> str:
        """A link that lets ``host`` in once, as a moderator, within about 15 minutes."""
        return self._hash_url(meeting_id, host, moderator=True)

    def join_url(self, meeting_id: str, who: Participant, *, password: str = "") -> str:
        """A link that lets ``who`` in once, within about 15 minutes: make it when they click.

        OpenMeetings rooms have no password (the hash is the key), so ``password``
        is not used. ``who.host`` makes them a moderator.
        """
        return self._hash_url(meeting_id, who, moderator=who.host)

    def meeting_status(self, meeting_id: str) -> MeetingStatus:
        """Whether anyone is in the room now, and how many.

        A room never ends; "active" means somebody is in it. The room is read first,
        because the count of an unknown room is 0, not an error.
        """
        room = self._get_room(meeting_id)
        attendees = self._count(room["id"])
        details: dict[str, str] = {
            key: str(room[key]).lower() if isinstance(room[key], bool) else str(room[key])
            for key in ("type", "capacity", "closed", "isPublic")
            if key in room
        }
        return MeetingStatus(
            meeting_id=str(room["id"]),
            active=attendees > 0,
            attendees=attendees,
            topic=room.get("name") or None,
            details=details,
        )

    def stop_meeting(self, meeting_id: str) -> None:
        """Kick everyone out of the room (``/room/kick/{id}``).

        The room stays open for its next use; nobody gets back in without a new
        hash, which the portal only makes for a meeting it still offers.
        """
        data = self._authed("room_kick", room_id=room_id_of(meeting_id))
        message = service_message(data, "room_kick")
        if message != "Kicked":
            raise ServerRefused(message or "the server did not kick the room's users")

    # --- rooms and hashes ------------------------------------------------------

    def _get_room(self, meeting_id: str) -> dict[str, Any]:
        data = self._authed("room_get", room_id=room_id_of(meeting_id))
        return read_room(data, "room_get")

    def _save_room(self, room: dict[str, Any]) -> dict[str, Any]:
        # A one-element list may come back as the element itself (CXF's JSON writer);
        # RoomDTO only reads these back as lists.
        for key in ("hiddenElements", "files"):
            if key in room and not isinstance(room[key], list):
                room[key] = [room[key]]
        data = self._authed("room_save", form={"room": json.dumps(room)})
        return read_room(data, "room_save")

    def _add_room_once(self, room: dict[str, Any], external_id: str) -> dict[str, Any]:
        """Add ``room`` filed under ``external_id``, unless an earlier attempt (its answer
        lost, or still on its way) added it: then bring that one in step.

        One call finds or adds (``getExternal`` with its ``room``), so a create the
        server is still working on when the retry comes is found, not made twice.
        """
        segments = {"type": room["type"], "externaltype": self.external_type}
        data = self._authed(
            "room_external",
            segments=segments | {"externalid": external_id},
            query={"room": json.dumps(room)},
        )
        found = read_room(data, "room_external")
        if all(found.get(key) == value for key, value in room.items()):
            return found
        return self._save_room(found | room)

    def _count(self, room_id: int) -> int:
        if not self._old_counters:
            try:
                data = self._authed("room_count", room_id=room_id)
            except HTTPStatus as exc:
                if exc.status != 404:
                    raise
                log.info("no /room/count on this server: using /room/counters (before 5.0)")
                self._old_counters = True
            else:
                return read_count(service_message(data, "room_count"), "room_count")
        data = self._authed("room_counters", query={"id": str(room_id)})
        return read_counters(data, room_id)

    def _authed(
        self,
        name: str,
        *,
        room_id: int | None = None,
        query: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        segments: dict[str, str] | None = None,
    ) -> Any:
        endpoint = PATHS[name].at(id=room_id, **(segments or {}))
        return self.services.call(endpoint, name, query=query, form=form)

    def _hash_url(self, meeting_id: str, who: Participant, *, moderator: bool) -> str:
        room_id = room_id_of(meeting_id)
        form = hash_form(who, room_id, moderator=moderator, external_type=self.external_type)
        # A fresh SID per hash: the server keeps the user on the SID, and hands the SID
        # to that user once the hash is used.
        sid = self.services.login()
        try:
            data = self.services.exchange(PATHS["hash"], query={"sid": sid}, form=form)
        except SessionRefused as exc:
            raise CredentialsRefused(
                f"a fresh session was refused ({exc.reason}): does {self.admin_user!r} "
                "have the SOAP right?"
            ) from None
        secret = service_message(data, "hash")
        if not secret:
            raise BadServerResponse("hash: the answer has no hash")
        params = {"secure": secret}
        if self.language is not None:
            params["language"] = str(self.language)
        return f"{self.base_url}{self.context_path}/hash?{urlencode(params)}"
