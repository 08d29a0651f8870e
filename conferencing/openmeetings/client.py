"""The Apache OpenMeetings backend: rooms, room hashes and live counts over its REST API.

Facts this client is built on (OpenMeetings' ``UserWebService``, ``RoomWebService``
and ``BaseWebService``, the integration page, and VENDORS.md):

- ``base_url`` is the server root (``http://host:5080``); the services live under
  ``{base_url}/openmeetings/services`` and people join at
  ``{base_url}/openmeetings/hash?secure=<hash>``. ``context_path`` changes the
  ``/openmeetings`` part for a server deployed elsewhere.
- Every call but login carries a SID (``?sid=``) from ``/user/login``. SIDs
  time out after about 30 minutes idle; a bad or expired one, or a user without
  the SOAP right, is refused with HTTP 500 and ``serviceResult`` ``error.notallowed``.
  The SID is cached, renewed after ``SID_IDLE_LIMIT`` unused, and renewed once
  when refused; refused again, the portal's credentials are at fault.
- The login is a POST from 9.0 (form ``user``, ``pass``); earlier servers take
  GET only and answer a POST with 405, so the client falls back to GET once and
  remembers (the password then travels in a URL: the old API allows nothing else).
- Every ``ServiceException`` is HTTP 500 with ``{"serviceResult": {"message",
  "type": "ERROR"}}``: a 500 with that body is a refusal, not an outage.
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
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote, urlencode

import requests

from conferencing.base import (
    Account,
    BadServerResponse,
    Capability,
    ConferencingError,
    CredentialCheck,
    CredentialsRefused,
    MeetingKind,
    MeetingRequest,
    MeetingStatus,
    OutcomeUnknown,
    Participant,
    ScheduledMeeting,
    ServerRefused,
    ServerUnavailable,
    Unsupported,
    register,
)

# Generic plumbing shared with the TurboMeeting client until it moves to a common module.
from conferencing.http import Endpoint, base_url_checked, never_sent, pooled_session, retry_delay

log = logging.getLogger(__name__)

T = TypeVar("T")

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
#: Log in afresh rather than reuse a SID unused this long (the server drops it at 30 minutes).
SID_IDLE_LIMIT = 25 * 60
#: The server's answers when a SID is unknown, expired or lacks the SOAP right
#: (the second is what 3.x servers said).
SESSION_REFUSED = frozenset({"error.notallowed", "Insufficient permissions"})
# Query and form values never written to logs or error messages.
SECRET_PARAMS = frozenset({"pass", "sid"})
POOL_SIZE = 10
_INTEGER = re.compile(r"\d+")


class _SessionRefused(ServerRefused):
    """The SID was refused: log in again, once."""


class _HTTPStatus(BadServerResponse):
    """An HTTP status that is neither an answer nor an outage (404, 405, ...)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def redact(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: ("***" if key in SECRET_PARAMS and value else value) for key, value in params.items()
    }


@register("openmeetings")
class OpenMeetings:
    """An Apache OpenMeetings server (5.x to 9.x; 3.x/4.x for live counts), seen from the portal.

    Meetings are rooms; their ids are the server's room ids. ``external_type`` is
    the name OpenMeetings files the portal's external users under.
    """

    join_links_expire: ClassVar[bool] = True  # single-use hashes, gone after 15 minutes
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
    credentials: ClassVar[Mapping[str, str]] = {
        "admin_user": "admin_user",
        "admin_password": "admin_password",
    }
    #: A room is renamed while people are in it; its type decides who may do what in it,
    #: so it stays as it is then. Rooms keep no times and no password (the hash is the
    #: key), so those are the portal's alone.
    changeable_while_running: ClassVar[frozenset[str]] = frozenset(
        {"topic", "start", "end", "password", "call_number", "attendee_access_code"}
    )
    holds_recurring: ClassVar[bool] = True
    refusals: ClassVar[Mapping[str, str]] = {
        "error.notallowed": (
            "The OpenMeetings server does not let the portal's user do this: ask your "
            "portal administrator to check that user's rights (it needs the SOAP right)."
        ),
    }

    def __init__(
        self,
        base_url: str,
        *,
        admin_user: str,
        admin_password: str,
        time_zone: str = "UTC",
        read_timeout: float = 10.0,
        pool_size: int = POOL_SIZE,
        session: requests.Session | None = None,
        connect_timeout: float = 3.05,
        read_retries: int = 2,
        backoff: float = 0.2,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        context_path: str = "/openmeetings",
        external_type: str = "portal",
        language: int | None = None,
        max_body: int = 1_000_000,
    ) -> None:
        self.base_url = base_url_checked(base_url)
        self.context_path = "/" + context_path.strip("/") if context_path.strip("/") else ""
        self.admin_user = admin_user
        self.admin_password = admin_password
        self.time_zone = time_zone  # rooms keep no times: nothing to convert
        self.external_type = external_type
        self.language = language
        self._owns_session = session is None
        self.session = session if session is not None else pooled_session(pool_size)
        self.timeout = (connect_timeout, read_timeout)
        self.read_retries = read_retries
        self.backoff = backoff
        self._sleep = sleep
        self._clock = clock
        self.max_body = max_body
        self._sid_lock = threading.Lock()
        self._sid = ""
        self._sid_used = 0.0
        self._login_by_get = False  # learnt from a pre-9.0 server's 405
        self._old_counters = False  # learnt from a pre-5.0 server's 404

    def close(self) -> None:
        """Release pooled connections (only of a session this client created)."""
        if self._owns_session:
            self.session.close()

    # --- the calls -------------------------------------------------------------

    def ping(self) -> None:
        """Any HTTP answer below 500 proves the server is there; the body does not matter."""
        endpoint = PATHS["version"]
        self._with_retries(endpoint, lambda: self._send(endpoint, endpoint.path, read_body=False))

    def check_credentials(self) -> CredentialCheck:
        """Log in with the portal's user (a session of its own, not the cached one)."""
        try:
            self.ping()
        except ServerUnavailable as exc:
            log.info("credential check: no answer: %s", exc)
            return CredentialCheck(False, None, "The server did not answer.")
        try:
            self._login()
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

    def create_account(self, account: Account) -> str:
        raise Unsupported(self._NO_ACCOUNTS)

    def update_account(self, account: Account) -> None:
        raise Unsupported(self._NO_ACCOUNTS)

    def delete_account(self, company_uid: str) -> None:
        raise Unsupported(self._NO_ACCOUNTS)

    def query_account(self, company_uid: str) -> Account:
        raise Unsupported(self._NO_ACCOUNTS)

    _NO_ACCOUNTS = (
        "OpenMeetings has users and groups but no customer accounts with licensed rooms "
        "and seats: the portal keeps its customers to itself"
    )

    def reserve_meeting_id(self, *, company_uid: str, user_id: str) -> str:
        """Nothing to reserve: the server gives a room its id when it is added."""
        return ""

    def schedule_meeting(self, request: MeetingRequest) -> ScheduledMeeting:
        """Add a room, or change the one ``request.meeting_id`` names.

        A change reads the room first and sends it back whole, because ``POST /room``
        overwrites every field (files, hidden elements, ...) with what it is given.
        There is no join URL to return: room hashes are made per person, per join.
        """
        if request.kind not in ROOM_TYPES:
            raise Unsupported(f"OpenMeetings has no room type for a {request.kind.name} meeting")
        details = {
            "name": request.topic,
            "comment": f"Scheduled by the partner portal for {request.host_email}",
            "type": ROOM_TYPES[request.kind],
        }
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
        data = self._authed("room_delete", room_id=self._room_id(meeting_id))
        self._service_message(data, "room_delete")

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
        details = {
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
        data = self._authed("room_kick", room_id=self._room_id(meeting_id))
        message = self._service_message(data, "room_kick")
        if message != "Kicked":
            raise ServerRefused(message or "the server did not kick the room's users")

    # --- rooms and hashes ------------------------------------------------------

    @staticmethod
    def _room_id(meeting_id: str) -> int:
        text = str(meeting_id).strip()
        if not _INTEGER.fullmatch(text):
            raise ValueError(f"an OpenMeetings room id is a number: {meeting_id!r}")
        return int(text)

    def _get_room(self, meeting_id: str) -> dict[str, Any]:
        data = self._authed("room_get", room_id=self._room_id(meeting_id))
        return self._room_dto(data, "room_get")

    def _save_room(self, room: dict[str, Any]) -> dict[str, Any]:
        # A one-element list may come back as the element itself (CXF's JSON writer);
        # RoomDTO only reads these back as lists.
        for key in ("hiddenElements", "files"):
            if key in room and not isinstance(room[key], list):
                room[key] = [room[key]]
        data = self._authed("room_save", form={"room": json.dumps(room)})
        return self._room_dto(data, "room_save")

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
        found = self._room_dto(data, "room_external")
        if all(found.get(key) == value for key, value in room.items()):
            return found
        return self._save_room(found | room)

    @staticmethod
    def _room_dto(data: Any, name: str) -> dict[str, Any]:
        room = data.get("roomDTO") if isinstance(data, dict) else None
        if not isinstance(room, dict):
            raise BadServerResponse(f"{name}: the answer has no roomDTO")
        room_id = room.get("id")
        if isinstance(room_id, str) and _INTEGER.fullmatch(room_id):
            room["id"] = room_id = int(room_id)
        if not isinstance(room_id, int) or isinstance(room_id, bool):
            raise BadServerResponse(f"{name}: the room has no numeric id")
        return room

    def _count(self, room_id: int) -> int:
        if not self._old_counters:
            try:
                data = self._authed("room_count", room_id=room_id)
            except _HTTPStatus as exc:
                if exc.status != 404:
                    raise
                log.info("no /room/count on this server: using /room/counters (before 5.0)")
                self._old_counters = True
            else:
                return self._integer(self._service_message(data, "room_count"), "room_count")
        data = self._authed("room_counters", query={"id": str(room_id)})
        if isinstance(data, dict) and len(data) == 1:  # {"roomCountDTO": [...] or {...}}
            data = next(iter(data.values()))
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            raise BadServerResponse("room_counters: the answer is not a list of rooms")
        for entry in data:
            if isinstance(entry, dict) and str(entry.get("roomId")) == str(room_id):
                return self._integer(entry.get("roomCount"), "room_counters")
        raise ServerRefused(f"the server has no room {room_id}")

    @staticmethod
    def _integer(value: Any, name: str) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            return int(value)
        raise BadServerResponse(f"{name}: the count is not a number: {str(value)[:20]!r}")

    def _hash_url(self, meeting_id: str, who: Participant, *, moderator: bool) -> str:
        room_id = self._room_id(meeting_id)
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
            "externalType": self.external_type,
        }
        options = {
            "roomId": room_id,
            "moderator": moderator,
            "showAudioVideoTest": True,
            "allowRecording": moderator,
            "allowSameURLMultipleTimes": False,
        }
        form = {"user": json.dumps(user), "options": json.dumps(options)}
        # A fresh SID per hash: the server keeps the user on the SID, and hands the SID
        # to that user once the hash is used.
        sid = self._login()
        try:
            data = self._exchange(PATHS["hash"], PATHS["hash"].path, query={"sid": sid}, form=form)
        except _SessionRefused as exc:
            raise CredentialsRefused(
                f"a fresh session was refused ({exc.reason}): does {self.admin_user!r} "
                "have the SOAP right?"
            ) from None
        secret = self._service_message(data, "hash")
        if not secret:
            raise BadServerResponse("hash: the answer has no hash")
        params = {"secure": secret}
        if self.language is not None:
            params["language"] = str(self.language)
        return f"{self.base_url}{self.context_path}/hash?{urlencode(params)}"

    # --- sessions --------------------------------------------------------------

    def _login(self) -> str:
        """A new SID for the portal's own user; a refusal is the portal's credentials' fault."""
        endpoint = PATHS["login"]
        if self._login_by_get:
            endpoint = Endpoint(endpoint.path, "GET", retry_safe=True)
        params = {"user": self.admin_user, "pass": self.admin_password}
        try:
            if endpoint.method == "GET":
                data = self._exchange(endpoint, endpoint.path, query=params)
            else:
                data = self._exchange(endpoint, endpoint.path, form=params)
        except _SessionRefused as exc:
            raise CredentialsRefused(exc.reason) from None
        except _HTTPStatus as exc:
            if exc.status != 405 or self._login_by_get:
                raise
            log.info("login by POST refused with 405: using GET (a server before 9.0)")
            self._login_by_get = True
            return self._login()
        result = self._result(data, "login")
        if result.get("type") != "SUCCESS":
            raise CredentialsRefused(self._reason(result, "the server refused the login"))
        sid = result.get("message")
        if not isinstance(sid, str) or not sid.strip():
            raise BadServerResponse("login: the answer has no SID")
        return sid.strip()

    def _cached_sid(self, *, renew: bool, refused: str = "") -> str:
        with self._sid_lock:
            stale = self._clock() - self._sid_used > SID_IDLE_LIMIT
            if renew and self._sid == refused:
                self._sid = ""
            if not self._sid or stale:
                self._sid = self._login()
            self._sid_used = self._clock()
            return self._sid

    def _authed(
        self,
        name: str,
        *,
        room_id: int | None = None,
        query: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        segments: dict[str, str] | None = None,
    ) -> Any:
        """Call ``name`` with the cached SID; when it is refused, log in again once.

        The server checks the SID before it acts, so a refused write was not done and
        may be sent again.
        """
        endpoint = PATHS[name]
        quoted = {key: quote(value, safe="") for key, value in (segments or {}).items()}
        path = endpoint.path.format(id=room_id, **quoted)
        sid = self._cached_sid(renew=False)
        try:
            return self._exchange(endpoint, path, query={"sid": sid, **(query or {})}, form=form)
        except _SessionRefused:
            log.info("%s: the session was refused; logging in again", name)
        sid = self._cached_sid(renew=True, refused=sid)
        try:
            return self._exchange(endpoint, path, query={"sid": sid, **(query or {})}, form=form)
        except _SessionRefused as exc:
            raise CredentialsRefused(
                f"{name}: a new session was refused too ({exc.reason}): does "
                f"{self.admin_user!r} have the SOAP right?"
            ) from None

    # --- answers ---------------------------------------------------------------

    @staticmethod
    def _result(data: Any, name: str) -> dict[str, Any]:
        result = data.get("serviceResult") if isinstance(data, dict) else None
        if not isinstance(result, dict) or result.get("type") not in ("SUCCESS", "ERROR"):
            raise BadServerResponse(f"{name}: the answer is not a serviceResult")
        return result

    @staticmethod
    def _reason(result: dict[str, Any], default: str) -> str:
        message = result.get("message")
        if isinstance(message, str) and message.strip():
            return message.strip()
        if result.get("code") is not None:  # 3.x/4.x: a numeric code, no message
            return f"error code {result['code']}"
        return default

    def _service_message(self, data: Any, name: str) -> str:
        """The message of a SUCCESS serviceResult; an ERROR one is a refusal."""
        result = self._result(data, name)
        if result["type"] == "ERROR":
            reason = self._reason(result, "the server gave no reason")
            if reason in SESSION_REFUSED:
                raise _SessionRefused(reason)
            raise ServerRefused(reason, status="ERROR")
        message = result.get("message")
        return str(message).strip() if message is not None else ""

    # --- HTTP ------------------------------------------------------------------

    def _exchange(
        self,
        endpoint: Endpoint,
        path: str,
        *,
        query: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
    ) -> Any:
        """Send (resending reads while the server is unreachable) and decode the JSON."""
        return self._with_retries(endpoint, lambda: self._send(endpoint, path, query, form))

    def _with_retries(self, endpoint: Endpoint, send: Callable[[], T]) -> T:
        attempt = 0
        while True:
            try:
                return send()
            except ServerUnavailable as exc:
                delay = retry_delay(
                    endpoint, exc, attempt, retries=self.read_retries, backoff=self.backoff
                )
                if delay is None:
                    raise
                log.debug("retrying %s %s in %.2fs: %s", endpoint.method, endpoint.path, delay, exc)
                self._sleep(delay)
                attempt += 1

    def _send(
        self,
        endpoint: Endpoint,
        path: str,
        query: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        *,
        read_body: bool = True,
    ) -> Any:
        where = f"{endpoint.method} {endpoint.path}"
        url = f"{self.base_url}{self.context_path}{SERVICES}{path}"
        started = time.monotonic()
        try:
            with self.session.request(
                endpoint.method,
                url,
                params=query,
                data=form,
                headers={"Accept": "application/json"},
                timeout=self.timeout,
                stream=True,
                allow_redirects=False,
            ) as response:
                status = response.status_code
                log.debug(
                    "%s -> HTTP %s in %.0f ms %s",
                    where,
                    status,
                    (time.monotonic() - started) * 1000,
                    redact(query or {}) | redact(form or {}),
                )
                if not read_body:
                    if status >= 500:
                        raise ServerUnavailable(f"{where}: HTTP {status}")
                    return None
                body = self._read(response, where)
        # Never chain the requests error: its text holds the URL, and with it the SID
        # (or, for a pre-9.0 login, the password).
        except requests.exceptions.ContentDecodingError:
            raise BadServerResponse(f"{where}: the answer's content encoding is broken") from None
        except requests.ConnectTimeout:
            raise ServerUnavailable(f"{where}: could not connect in time") from None
        except requests.Timeout:
            raise OutcomeUnknown(f"{where}: sent, but no answer in time") from None
        except requests.RequestException as exc:
            log.debug("%s failed: %s", where, type(exc).__name__)
            if never_sent(exc):
                raise ServerUnavailable(f"{where}: could not connect") from None
            raise OutcomeUnknown(f"{where}: sent, but the answer was lost") from None
        return self._decode(status, body, where)

    def _decode(self, status: int, body: bytes, where: str) -> Any:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if status >= 500:
            # A ServiceException is a 500 with a serviceResult: the server said no.
            result = data.get("serviceResult") if isinstance(data, dict) else None
            if isinstance(result, dict) and result.get("type") == "ERROR":
                reason = self._reason(result, "the server gave no reason")
                if reason in SESSION_REFUSED:
                    raise _SessionRefused(reason)
                raise ServerRefused(reason, status="ERROR")
            raise ServerUnavailable(f"{where}: HTTP {status}")
        if not 200 <= status < 300:
            raise _HTTPStatus(f"{where}: HTTP {status}", status)
        if data is None:
            raise BadServerResponse(f"{where}: the answer is not JSON")
        return data

    def _read(self, response: requests.Response, where: str) -> bytes:
        """Read at most ``max_body`` bytes, so a runaway answer cannot exhaust memory."""
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > self.max_body:
                raise BadServerResponse(f"{where}: the answer is larger than {self.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)
