"""An Apache OpenMeetings server in memory, speaking real HTTP.

It answers on OpenMeetings' own paths under ``/openmeetings/services`` with the
shapes its REST layer (Apache CXF) sends, read from the webservice classes
``UserWebService``, ``RoomWebService`` and ``BaseWebService``:

- a successful call that returns a ``ServiceResult`` answers
  ``{"serviceResult": {"message": ..., "type": "SUCCESS"}}``; a room answers
  ``{"roomDTO": {...}}``;
- every ``ServiceException`` becomes HTTP 500 with
  ``{"serviceResult": {"message": ..., "type": "ERROR"}}``: a bad, expired or
  under-privileged SID is ``error.notallowed``; an unknown room id is the
  Java ``NullPointerException``'s message;
- a bad login answers HTTP 200 with ``error.bad.credentials`` (login returns its
  result instead of throwing).

SIDs expire after 30 minutes idle; room hashes after 15 minutes unused, and are
single-use. The user a hash signs in as is kept on the SID that made it, so two
hashes made with one SID before either is used both join as the later user, and
using a hash turns that SID into the external user's (no SOAP right any more).
Time comes from an injectable clock, so tests expire things without sleeping.

``version`` picks the server generation: 9 and later take the login by POST
(earlier ones by GET only: a POST answers 405); before 5 there is no
``/room/count/{id}`` (404) but ``/room/counters?id=..`` instead.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import parse_qs

from conferencing.fakes.server import (
    HTML,
    Answer,
    FakeServer,
    HTTPError,
    arguments,
    read_body,
    run_fake,
)

SERVICES = "/openmeetings/services"
HASH_PAGE = "/openmeetings/hash"
SID_IDLE = dt.timedelta(minutes=30)
HASH_LIFETIME = dt.timedelta(minutes=15)
ROOM_TYPES = ("CONFERENCE", "PRESENTATION", "INTERVIEW")
MAX_BODY = 1_000_000

NOT_ALLOWED = "error.notallowed"
BAD_CREDENTIALS = "error.bad.credentials"
# What a real server's ServiceException carries when a room id is unknown (a Java NPE).
NO_ROOM = 'Cannot invoke "org.apache.openmeetings.db.entity.room.Room.getId()" because "r" is null'

_JSON = "application/json"


class RecordedRequest(NamedTuple):
    method: str
    path: str  # without /openmeetings/services
    query: dict[str, list[str]]
    form: dict[str, str]


@dataclass
class FakeSession:
    sid: str
    login: str  # the OpenMeetings user it belongs to
    soap: bool  # whether that user may call the web services
    last_seen: dt.datetime
    external_user: dict[str, Any] | None = None  # set by /user/hash, read when a hash is used


@dataclass
class FakeHash:
    hash: str
    sid: str
    room_id: int | None
    moderator: bool
    allow_same_url: bool
    created: dt.datetime
    used: bool = False


@dataclass(frozen=True)
class Join:
    """Someone who entered a room through a hash."""

    room_id: int
    external_id: str
    external_type: str
    firstname: str
    lastname: str
    email: str
    moderator: bool


@dataclass
class FakeRoom:
    dto: dict[str, Any]
    clients: list[str] = field(default_factory=list)  # who is in it now

    @property
    def id(self) -> int:
        return self.dto["id"]


class _ServiceError(Exception):
    """A ServiceException: HTTP 500 with a serviceResult of type ERROR."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _service_result(message: str | None, kind: str = "SUCCESS") -> dict[str, Any]:
    result: dict[str, Any] = {"type": kind}
    if message is not None:
        result["message"] = message
    return {"serviceResult": result}


def _json_param(form: dict[str, str], name: str) -> dict[str, Any]:
    """A DTO sent as a JSON string in a form field, as CXF's param converters read it."""
    try:
        value = json.loads(form.get(name) or "")
    except ValueError:
        raise HTTPError(400, f"form field {name} is not JSON") from None
    if not isinstance(value, dict):
        raise HTTPError(400, f"form field {name} is not a JSON object")
    return value


class FakeOpenMeetings(FakeServer):
    """A WSGI app; run it with ``conferencing.fakes.server.serve``."""

    max_body = MAX_BODY
    meeting_id_pattern = r"\d+"

    def __init__(
        self,
        *,
        admin_user: str = "soapuser",
        admin_password: str = "!HansHans1",  # noqa: S107 (the vendor docs' demo login)
        clock: Callable[[], dt.datetime] | None = None,
        version: int = 9,
    ) -> None:
        self.admin_user = admin_user
        self.admin_password = admin_password
        self.clock = clock or _utcnow
        self.version = version
        self.soap_right = True  # False: logins work, every call answers error.notallowed

        self.mode = "ok"
        self.delay = 5.0
        self.latency = 0.0
        self.requests: list[RecordedRequest] = []
        self.sessions: dict[str, FakeSession] = {}
        self.hashes: dict[str, FakeHash] = {}
        self.rooms: dict[int, FakeRoom] = {}
        self.joins: list[Join] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(1)

    def site_url(self, server_url: str) -> str:
        """The ``base_url`` for a backend: the server's own URL."""
        return server_url

    def backend_options(self) -> dict[str, Any]:
        """The keywords a backend pointed at this fake needs besides ``base_url``."""
        return {"admin_user": self.admin_user, "admin_password": self.admin_password}

    # --- test knobs ------------------------------------------------------------

    def set_live(self, meeting_id: str | int, *, attendees: int = 2) -> None:
        """Put ``attendees`` people in the room now (those who joined by hash count too)."""
        with self._lock:
            room = self.rooms[int(meeting_id)]
            room.clients = [f"attendee-{n}" for n in range(1, attendees + 1)]

    def set_ended(self, meeting_id: str | int) -> None:
        """Everyone left: an OpenMeetings room stays, it is just empty."""
        with self._lock:
            self.rooms[int(meeting_id)].clients.clear()

    def expire_sessions(self) -> None:
        """Forget every SID, as a restarted server does."""
        with self._lock:
            self.sessions.clear()

    def calls(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """Recorded requests to ``path`` (a regular expression over the service path)."""
        with self._lock:
            return [
                r
                for r in self.requests
                if re.fullmatch(path, r.path) and (method is None or r.method == method)
            ]

    # --- WSGI ------------------------------------------------------------------

    def vendor_answer(self, environ: dict[str, Any], path: str) -> Answer:
        status, content_type, body = self._serve(environ, path)
        return status, content_type, body, []

    def _serve(self, environ: dict[str, Any], path: str) -> tuple[int, str, bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        form: dict[str, str] = {}
        if method == "POST":
            raw = read_body(environ, MAX_BODY).decode("utf-8", errors="replace")
            form = {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}
        if path == HASH_PAGE:
            service_path = path
        elif path.startswith(SERVICES + "/"):
            service_path = path[len(SERVICES) :]
        else:
            raise HTTPError(404, f"no such page: {path[:100]}")
        with self._lock:
            self.requests.append(RecordedRequest(method, service_path, query, form))
        garbage = self.misbehave()
        if garbage:
            return garbage
        with self._lock:
            if path == HASH_PAGE:
                answer = self._hash_page(query)
            else:
                try:
                    status, data = self._route(method, service_path, query, form)
                except _ServiceError as exc:
                    status, data = 500, _service_result(str(exc), "ERROR")
                answer = status, _JSON, b"" if status == 204 else json.dumps(data).encode()
        if self.mode == "late":
            time.sleep(self.delay)
        return answer

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], form: dict[str, str]
    ) -> tuple[int, Any]:
        """The services' URL table: (method, path pattern) -> handler."""
        login_method = "POST" if self.version >= 9 else "GET"
        routes: list[tuple[str, str, Callable[..., Any]]] = [
            (login_method, r"/user/login", self._login),
            ("POST", r"/user/hash", self._room_hash),
            ("POST", r"/room/?", self._room_add),
            ("GET", r"/room/(\d+)", self._room_get),
            ("GET", r"/room/(\w+)/([^/]+)/([^/]+)", self._room_external),
            ("DELETE", r"/room/(\d+)", self._room_delete),
            ("GET", r"/room/kick/(\d+)", self._room_kick),
            ("GET", r"/info/version", self._version),
        ]
        if self.version >= 5:
            routes.append(("GET", r"/room/count/(\d+)", self._room_count))
        else:
            routes.append(("GET", r"/room/counters", self._room_counters))
        path_matched = False
        for route_method, pattern, handler in routes:
            match = re.fullmatch(pattern, path)
            if match is None:
                continue
            path_matched = True
            if route_method == method:
                args = [int(group) if group.isdigit() else group for group in match.groups()]
                answer = handler(*args, query=query, form=form)
                return (200, answer) if answer is not None else (204, None)
        if path_matched:
            raise HTTPError(405, f"{path} does not take {method}")
        raise HTTPError(404, f"no such service: {path[:100]}")

    # --- sessions --------------------------------------------------------------

    def _check(self, query: dict[str, list[str]]) -> FakeSession:
        """``performCall``: a live SID whose user has the SOAP right, or error.notallowed."""
        sid = (query.get("sid") or [""])[0]
        session = self.sessions.get(sid)
        now = self.clock()
        if session is not None and now - session.last_seen > SID_IDLE:
            del self.sessions[sid]
            session = None
        if session is None or not session.soap:
            raise _ServiceError(NOT_ALLOWED)
        session.last_seen = now
        return session

    def _login(self, *, query: dict[str, list[str]], form: dict[str, str]) -> dict[str, Any]:
        params = form or {key: values[0] for key, values in query.items()}
        if params.get("user") != self.admin_user or params.get("pass") != self.admin_password:
            return _service_result(BAD_CREDENTIALS, "ERROR")
        sid = str(uuid.uuid4())
        self.sessions[sid] = FakeSession(
            sid=sid, login=self.admin_user, soap=self.soap_right, last_seen=self.clock()
        )
        return _service_result(sid)

    def _version(self, **_: Any) -> dict[str, Any]:
        return {"info": {"version": f"{self.version}.0.0", "revision": "fake", "buildDate": ""}}

    # --- hashes ----------------------------------------------------------------

    def _room_hash(self, *, query: dict[str, list[str]], form: dict[str, str]) -> dict[str, Any]:
        session = self._check(query)
        user = _json_param(form, "user")
        options = _json_param(form, "options")
        if not user.get("externalId") or not user.get("externalType"):
            return _service_result("externalId and/or externalType are not set", "ERROR")
        room_id = options.get("roomId")
        secret = str(uuid.uuid4())
        self.hashes[secret] = FakeHash(
            hash=secret,
            sid=session.sid,
            room_id=int(room_id) if room_id is not None else None,
            moderator=bool(options.get("moderator", False)),
            allow_same_url=bool(options.get("allowSameURLMultipleTimes", False)),
            created=self.clock(),
        )
        # Kept on the SID, not on the hash: whoever the SID last made a hash for joins.
        session.external_user = user
        return _service_result(secret)

    def _hash_page(self, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        """``/openmeetings/hash?secure=``: 200 whatever happens; an error is in the page."""
        secret = (query.get("secure") or [""])[0]
        entry = self.hashes.get(secret)
        now = self.clock()
        session = self.sessions.get(entry.sid) if entry else None
        error = ""
        if entry is None:
            error = "Invalid hash"
        elif entry.used and not entry.allow_same_url:
            error = "Invalid hash"
        elif not entry.used and now - entry.created > HASH_LIFETIME:
            del self.hashes[secret]  # "Session-Hashs are deleted 15 minutes after the creation"
            error = "Invalid hash"
        elif session is None or now - session.last_seen > SID_IDLE or not session.external_user:
            error = "Invalid hash"
        elif entry.room_id not in self.rooms:
            error = "Room was not found"
        if error:
            return 200, HTML, self._page("OpenMeetings", f"<h1>{error}</h1>")
        assert entry is not None and session is not None and session.external_user is not None
        user = session.external_user
        entry.used = True
        room = self.rooms[entry.room_id]  # type: ignore[index]
        join = Join(
            room_id=room.id,
            external_id=str(user.get("externalId", "")),
            external_type=str(user.get("externalType", "")),
            firstname=str(user.get("firstname") or ""),
            lastname=str(user.get("lastname") or ""),
            email=str(user.get("email") or ""),
            moderator=entry.moderator,
        )
        self.joins.append(join)
        room.clients.append(f"{join.external_type}:{join.external_id}")
        # The SID now belongs to the external user, who has the ROOM right only.
        session.login, session.soap, session.last_seen = join.external_id, False, now
        who = f"{join.firstname} {join.lastname}".strip() or join.external_id
        role = "moderator" if join.moderator else "participant"
        text = (
            f"<h1>{html.escape(room.dto['name'])}</h1>"
            f'<p class="user" data-external-id="{html.escape(join.external_id)}">'
            f"{html.escape(who)} ({role})</p>"
        )
        return 200, HTML, self._page(room.dto["name"], text)

    @staticmethod
    def _page(title: str, body: str) -> bytes:
        return f"<!DOCTYPE html><title>{html.escape(title)}</title>{body}".encode()

    # --- rooms -----------------------------------------------------------------

    def _room(self, room_id: int) -> FakeRoom:
        room = self.rooms.get(room_id)
        if room is None:
            raise _ServiceError(NO_ROOM)
        return room

    def _room_add(self, *, query: dict[str, list[str]], form: dict[str, str]) -> dict[str, Any]:
        """``POST /room``: adds a room, or overwrites every field of the one its ``id`` names."""
        self._check(query)
        given = _json_param(form, "room")
        if given.get("type") not in ROOM_TYPES:
            raise _ServiceError("Room should have valid type")
        room_id = given.get("id")
        if room_id is not None:
            existing = self._room(int(room_id))
            clients = existing.clients
        else:
            room_id, clients = next(self._ids), []
        dto = {
            "id": int(room_id),
            "name": str(given.get("name") or ""),
            "comment": str(given.get("comment") or ""),
            "type": given["type"],
            "capacity": int(given.get("capacity", 4)),
            "appointment": bool(given.get("appointment", False)),
            "isPublic": bool(given.get("isPublic", False)),
            "demo": False,
            "closed": bool(given.get("closed", False)),
            "moderated": bool(given.get("moderated", False)),
            "waitModerator": bool(given.get("waitModerator", False)),
            "allowUserQuestions": bool(given.get("allowUserQuestions", False)),
            "allowRecording": bool(given.get("allowRecording", False)),
            "waitRecording": False,
            "audioOnly": bool(given.get("audioOnly", False)),
        }
        for key in ("externalId", "externalType", "redirectUrl", "tag"):
            if given.get(key):
                dto[key] = given[key]
        self.rooms[dto["id"]] = FakeRoom(dto=dto, clients=clients)
        return {"roomDTO": dto}

    def _room_external(
        self, room_type: str, external_type: str, external_id: Any, **params: Any
    ) -> dict[str, Any] | None:
        """``getExternal``: the room of that type filed under externalType + externalId;
        without one, a room made from the ``room`` parameter, or null (204, no body)."""
        query = params["query"]
        self._check(query)
        if room_type not in ROOM_TYPES:
            raise _ServiceError(f"No enum constant org.apache.openmeetings.Room.Type.{room_type}")
        wanted = (room_type, external_type, str(external_id))
        for room in self.rooms.values():
            dto = room.dto
            if (dto["type"], dto.get("externalType"), dto.get("externalId")) == wanted:
                return {"roomDTO": dto}
        if not query.get("room"):
            return None
        given = json.loads(query["room"][0]) | {"externalType": external_type}
        form = {"room": json.dumps(given | {"externalId": str(external_id)})}
        return self._room_add(query=query, form=form)

    def _room_get(self, room_id: int, *, query: dict[str, list[str]], **_: Any) -> dict[str, Any]:
        self._check(query)
        return {"roomDTO": self._room(room_id).dto}

    def _room_delete(
        self, room_id: int, *, query: dict[str, list[str]], **_: Any
    ) -> dict[str, Any]:
        self._check(query)
        if self.rooms.pop(room_id, None) is None:
            return _service_result("Not found")
        return _service_result("Deleted")

    def _room_kick(self, room_id: int, *, query: dict[str, list[str]], **_: Any) -> dict[str, Any]:
        self._check(query)
        room = self.rooms.get(room_id)
        if room is not None:
            room.clients.clear()
        return _service_result("Kicked")

    def _room_count(self, room_id: int, *, query: dict[str, list[str]], **_: Any) -> dict[str, Any]:
        """5.0 and later; an unknown room simply has nobody in it."""
        self._check(query)
        room = self.rooms.get(room_id)
        return _service_result(str(len(room.clients) if room else 0))

    def _room_counters(self, *, query: dict[str, list[str]], **_: Any) -> list[dict[str, Any]]:
        """3.x/4.x: ``?id=1&id=2`` -> one entry per room that exists."""
        self._check(query)
        answer = []
        for value in query.get("id", []):
            room = self.rooms.get(int(value)) if value.isdigit() else None
            if room is not None:
                answer.append(
                    {
                        "roomId": room.id,
                        "roomName": room.dto["name"],
                        "maxUser": room.dto["capacity"],
                        "roomCount": len(room.clients),
                    }
                )
        return answer

    # --- control endpoints (JSON) for browser tests and the demo --------------

    def control_actions(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {"/_fake/sessions/expire": self._expire_sessions}

    def _expire_sessions(self, data: dict[str, Any]) -> dict[str, Any]:
        self.expire_sessions()
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        """Everything but SIDs, hashes and passwords, JSON-ready."""
        with self._lock:
            return {
                "mode": self.mode,
                "delay": self.delay,
                "latency": self.latency,
                "version": self.version,
                "now": self.clock().isoformat(),
                "meetings": {
                    str(room_id): room.dto | {"attendees": len(room.clients)}
                    for room_id, room in self.rooms.items()
                },
                "sessions": len(self.sessions),
                "joins": [join.__dict__ for join in self.joins],
                "request_count": len(self.requests),
            }


# What `make run`, the contract tests and the demo data use (conferencing/fakes/__init__.py).
Fake = FakeOpenMeetings
DEMO: dict[str, str] = {"admin_user": "soapuser", "admin_password": "!HansHans1"}
PORT = 8902


def main(argv: list[str] | None = None) -> int:
    parser = arguments("Run a fake Apache OpenMeetings server.", port=PORT)
    parser.add_argument("--admin-user", default="soapuser")
    parser.add_argument("--admin-password", default="!HansHans1")
    parser.add_argument("--version", type=int, default=9, help="server generation (3 to 9)")
    args = parser.parse_args(argv)

    fake = FakeOpenMeetings(
        admin_user=args.admin_user, admin_password=args.admin_password, version=args.version
    )
    return run_fake(
        fake,
        args,
        describe=lambda server: [
            f"fake OpenMeetings server at {server.url}",
            f"  REST services: {server.url}{SERVICES}",
            f"  admin user: {args.admin_user}  password: {args.admin_password}",
        ],
    )


if __name__ == "__main__":
    raise SystemExit(main())
