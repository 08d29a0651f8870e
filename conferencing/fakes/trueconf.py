"""A TrueConf Server in memory, speaking real HTTP: OAuth tokens and the v3 conference API.

Built to the shapes in seed 003 and VENDORS.md: ``POST /oauth2/v1/token``
(client credentials, form or JSON) issues tokens that expire by the fake's clock;
``/api/v3.x/conferences`` takes them as ``?access_token=`` (or a Bearer header)
and answers ``{"conference": {...}}`` objects with ``state``, ``url`` and
``webclient_url``; errors are ``{"error": {"code", "message", "errors":
[{"reason", "message", ...}]}}`` with the HTTP status. Confirmed reasons:
``conferenceNotFound`` (404), ``uniqueValueAlreadyInUse`` (400), ``forbidden``
(403), ``accessTokenInvalid``. The reasons this fake gives for other refusals
(``conferenceIsRunning``, ``invalidParameter``) are its own: the public material
does not name them.

A conference is ``running`` after ``run``, ``set_live`` or, like a real scheduled
conference, between its one-time schedule's start and end by the clock; it is
``stopped`` otherwise. While it runs only its description may change.

Test knobs: ``mode`` (ok, down, slow, late, reset, garbage, as in the TurboMeeting
fake), ``set_live``/``set_ended``, ``revoke_tokens`` (every token issued so far
stops working: the next call is refused once), ``reject_tokens`` (every token is
refused: renewing does not help), ``token_refusal_status`` (401, or 403 as some
servers send), ``public_url`` (the external address the server puts in its
links, when people reach it elsewhere than the API), ``chosen_ids`` (False: a
create's ``id`` is ignored, as the public documentation, written for servers
4.3.9 and later, leaves possible for older ones), and the JSON control endpoints
under ``/_fake/``.
"""

from __future__ import annotations

import datetime as dt
import hmac
import html
import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from conferencing.fakes.server import HTML, Answer, FakeServer, arguments, read_body, run_fake
from conferencing.trueconf.answers import TOKEN_INVALID
from conferencing.trueconf.client import PATHS, RUNNING, STOPPED

MAX_BODY = 1_000_000
TYPES = (0, 1, 3)  # all on screen, asymmetric, role-based
SCOPE = (
    "conferences conferences:read conferences:write conferences.participants "
    "conferences.participants:read conferences.participants:write"
)

_JSON = "application/json; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    503: "Service Unavailable",
}
_API_PATH = re.compile(r"/api/v3\.\d+(/conferences(?:/([^/]+)(?:/(run|stop|participants))?)?)")
_WEB_PATH = re.compile(r"/(?:webrtc|c)/([^/]+)")


def _token(environ: dict[str, Any], query: dict[str, str]) -> str:
    """The access token a request carries: ``?access_token=``, else a Bearer header."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    bearer = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
    return query.get("access_token", "") or bearer


class RecordedRequest(NamedTuple):
    method: str
    path: str
    query: dict[str, str]
    body: Any  # the JSON or form body, parsed; None when empty
    token: str = ""  # the access token it carried, in the query or a Bearer header


@dataclass
class FakeConference:
    id: str
    topic: str
    owner: str
    type: int = 0
    description: str = ""
    max_participants: int = 36
    schedule: dict[str, Any] = field(default_factory=lambda: {"type": -1})
    invitations: list[dict[str, Any]] = field(default_factory=list)
    allow_guests: bool = False
    auto_invite: int = 0
    created_at: int = 0
    forced: str | None = None  # running/stopped by run, stop, set_live, set_ended
    attendees: int = 0


class _Answer(Exception):
    """Answer at once with this status and body (an error object, or plain text)."""

    def __init__(self, status: int, body: bytes, content_type: str = _JSON) -> None:
        super().__init__(status)
        self.status, self.body, self.content_type = status, body, content_type


def _error(status: int, reason: str, message: str, location: str = "") -> _Answer:
    detail: dict[str, str] = {"reason": reason, "message": message}
    if location:
        detail |= {"locationType": "parameter", "location": location}
    phrase = _REASONS.get(status, "Error")
    payload = {"error": {"code": status, "message": phrase, "errors": [detail]}}
    return _Answer(status, json.dumps(payload).encode())


def _plain(status: int, text: str) -> _Answer:
    return _Answer(status, text.encode(), _TEXT)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class FakeTrueConf(FakeServer):
    """A WSGI app; run it with ``conferencing.fakes.server.serve``."""

    max_body = MAX_BODY

    def __init__(
        self,
        *,
        client_id: str = "demo-client",
        client_secret: str = "demo-secret",  # noqa: S107 (a fake's demo credentials)
        token_lifetime: int = 3600,
        server_name: str = "trueconf.example",
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self.server_name = server_name  # the domain of TrueConf IDs (``helen@server_name``)
        self.clock = clock or _utcnow

        self.mode = "ok"
        self.delay = 5.0
        self.latency = 0.0
        self.token_refusal_status = 401
        self.reject_tokens = False
        self.chosen_ids = True  # False: a server that ignores a create's ``id``
        self.public_url = ""  # the external address in ``url`` and ``webclient_url``
        self.requests: list[RecordedRequest] = []
        self.conferences: dict[str, FakeConference] = {}
        self.tokens: dict[str, dt.datetime] = {}  # token -> when it expires
        self._lock = threading.RLock()
        self._ids = itertools.count(4219111751)

    def site_url(self, server_url: str) -> str:
        """The ``base_url`` for a backend: the server's own URL."""
        return server_url

    def backend_options(self) -> dict[str, str]:
        """The constructor keywords a ``trueconf`` backend pointed at this fake needs."""
        return {"client_id": self.client_id, "client_secret": self.client_secret}

    # --- test knobs ------------------------------------------------------------

    def set_live(self, meeting_id: str, *, attendees: int = 2) -> None:
        """Run a conference now with ``attendees`` people connected."""
        with self._lock:
            conference = self.conferences[meeting_id]
            conference.forced, conference.attendees = RUNNING, attendees

    def set_ended(self, meeting_id: str) -> None:
        with self._lock:
            conference = self.conferences[meeting_id]
            conference.forced, conference.attendees = STOPPED, 0

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (a restart; a revoked application)."""
        with self._lock:
            self.tokens.clear()

    def state(self, meeting_id: str) -> str:
        """``running`` or ``stopped`` as of the clock."""
        with self._lock:
            conference = self.conferences[meeting_id]
            if conference.forced is not None:
                return conference.forced
            schedule = conference.schedule
            if schedule.get("type") == 1:
                now = self.clock().timestamp()
                start = schedule["start_time"]
                if start <= now < start + schedule["duration"]:
                    return RUNNING
            return STOPPED

    def token_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == PATHS["token"].path]

    def api_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith("/api/")]

    # --- WSGI ------------------------------------------------------------------

    def vendor_answer(self, environ: dict[str, Any], path: str) -> Answer:
        try:
            status, content_type, body = self._serve(environ, path)
        except _Answer as answer:
            status, content_type, body = answer.status, answer.content_type, answer.body
        return status, content_type, body, []

    def _serve(self, environ: dict[str, Any], path: str) -> tuple[int, str, bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        raw = read_body(environ, MAX_BODY)
        body = self._parse(environ, raw)
        with self._lock:
            token = _token(environ, query)
            self.requests.append(RecordedRequest(method, path, query, body, token))
        garbage = self.misbehave("the TrueConf server")
        if garbage:
            return garbage
        with self._lock:
            answer = self._route(environ, method, path, query, body)
        if self.mode == "late":
            time.sleep(self.delay)
        return answer

    def _route(
        self, environ: dict[str, Any], method: str, path: str, query: dict[str, str], body: Any
    ) -> tuple[int, str, bytes]:
        if path == PATHS["token"].path:
            self._allow(method, "POST")
            return self._json(self._issue_token(body))
        web = _WEB_PATH.fullmatch(path)
        if web is not None:
            self._allow(method, "GET")
            return self._web_client(web.group(1))
        api = _API_PATH.fullmatch(path)
        if api is None:
            raise _plain(404, f"no such page: {path[:100]}")
        self._authorize(environ, query)
        _, conference_id, action = api.groups()
        base = self._base(environ)
        if conference_id is None:
            self._allow(method, "GET", "POST")
            if method == "GET":
                return self._json(self._list(query, base))
            return self._json({"conference": self._create(body, base)})
        conference = self.conferences.get(conference_id)
        if conference is None:
            raise _error(404, "conferenceNotFound", f"Conference '{conference_id}' is not found.")
        if action is None:
            self._allow(method, "GET", "PUT", "DELETE")
            if method == "DELETE":
                del self.conferences[conference_id]
                return self._json({"id": conference_id})
            if method == "PUT":
                self._update(conference, body)
            return self._json({"conference": self._object(conference, base)})
        if action == "participants":
            self._allow(method, "GET")
            return self._json({"participants": self._participants(conference)})
        self._allow(method, "POST")
        conference.forced = RUNNING if action == "run" else STOPPED
        if action == "stop":
            conference.attendees = 0
        state = {"id": conference.id, "owner": conference.owner, "state": conference.forced}
        return self._json(state)

    # --- OAuth -----------------------------------------------------------------

    def _issue_token(self, body: Any) -> dict[str, Any]:
        form = body if isinstance(body, dict) else {}
        if form.get("grant_type") != "client_credentials":
            raise _Answer(
                400,
                json.dumps(
                    {
                        "error": "unsupported_grant_type",
                        "error_description": "Grant type is not supported",
                    }
                ).encode(),
            )
        # Both compared, always, so timing does not tell which one was wrong.
        id_ok = _same(str(form.get("client_id", "")), self.client_id)
        secret_ok = _same(str(form.get("client_secret", "")), self.client_secret)
        if not (id_ok & secret_ok):
            raise _Answer(
                400,
                json.dumps(
                    {
                        "error": "invalid_client",
                        "error_description": "The client credentials are invalid",
                    }
                ).encode(),
            )
        token = secrets.token_hex(20)
        self.tokens[token] = self.clock() + dt.timedelta(seconds=self.token_lifetime)
        return {
            "access_token": token,
            "expires_in": self.token_lifetime,
            "token_type": "Bearer",
            "scope": SCOPE,
        }

    def _authorize(self, environ: dict[str, Any], query: dict[str, str]) -> None:
        token = _token(environ, query)
        expires = self.tokens.get(token)
        if self.reject_tokens or expires is None or self.clock() >= expires:
            status = self.token_refusal_status
            raise _error(status, TOKEN_INVALID, "The access token provided is invalid")

    # --- conferences -----------------------------------------------------------

    def _list(self, query: dict[str, str], base: str) -> dict[str, Any]:
        wanted = query.get("state")
        items = [
            self._object(c, base)
            for c in self.conferences.values()
            if not wanted or self.state(c.id) == wanted
        ]
        try:
            size = max(1, int(query.get("page_size", "50")))
            page = max(0, int(query.get("page_id", "1")) - 1)
        except ValueError:
            raise _error(400, "invalidParameter", "page_size and page_id are integers") from None
        return {"conferences": items[page * size : (page + 1) * size], "cnt": len(items)}

    def _create(self, body: Any, base: str) -> dict[str, Any]:
        data = self._json_object(body)
        conference_id = (self.chosen_ids and data.get("id")) or str(next(self._ids))
        if not isinstance(conference_id, str) or not re.fullmatch(r"\w{1,128}", conference_id):
            raise _error(400, "invalidParameter", "id: digits, Latin letters, underscores", "id")
        if conference_id in self.conferences:
            raise _error(
                400, "uniqueValueAlreadyInUse", "Value is already in use. Please try another.", "id"
            )
        for name in ("topic", "owner"):
            if name not in data:
                raise _error(400, "requiredParameterMissing", f"{name} is required", name)
        conference = FakeConference(
            id=conference_id,
            topic="",
            owner="",
            created_at=int(self.clock().timestamp()),
        )
        self._apply(conference, data)
        self.conferences[conference_id] = conference
        return self._object(conference, base)

    def _update(self, conference: FakeConference, body: Any) -> None:
        data = self._json_object(body)
        if self.state(conference.id) == RUNNING:
            current = self._object(conference, "")
            changed = [
                key
                for key, value in data.items()
                if key != "description" and self._normal(key, value) != current.get(key)
            ]
            if changed:
                raise _error(
                    400,
                    "conferenceIsRunning",
                    "Only the description can be changed while the conference is running.",
                    changed[0],
                )
        self._apply(conference, data)

    def _normal(self, key: str, value: Any) -> Any:
        """A request value as the conference object shows it."""
        if key == "owner" and isinstance(value, str):
            return self._user_id(value)
        if key == "invitations" and isinstance(value, list):
            return [self._invitation(item) for item in value]
        return value

    def _apply(self, conference: FakeConference, data: dict[str, Any]) -> None:
        """Check every field first, then change the conference (all or nothing)."""
        changes: dict[str, Any] = {}
        for key in ("topic", "owner", "description"):
            if key in data:
                value = data[key]
                limit = {"topic": 240, "owner": 64, "description": 4000}[key]
                if not isinstance(value, str) or not (key == "description" or value.strip()):
                    raise _error(400, "invalidParameter", f"{key} must be a non-empty string", key)
                if len(value) > limit:
                    raise _error(400, "invalidParameter", f"{key}: at most {limit} characters", key)
                changes[key] = self._user_id(value) if key == "owner" else value
        if "type" in data:
            if data["type"] not in TYPES or isinstance(data["type"], bool):
                raise _error(400, "invalidParameter", "type must be 0, 1 or 3", "type")
            changes["type"] = data["type"]
        if "max_participants" in data:
            value = data["max_participants"]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise _error(400, "invalidParameter", "max_participants: a positive integer")
            changes["max_participants"] = value
        if "schedule" in data:
            changes["schedule"] = self._schedule(data["schedule"])
        if "invitations" in data:
            if not isinstance(data["invitations"], list):
                raise _error(400, "invalidParameter", "invitations must be a list", "invitations")
            changes["invitations"] = [self._invitation(item) for item in data["invitations"]]
        for key, kind in (("allow_guests", bool), ("auto_invite", int)):
            if key in data:
                if not isinstance(data[key], kind):
                    raise _error(400, "invalidParameter", f"{key} has the wrong type", key)
                changes[key] = data[key]
        for key, value in changes.items():
            setattr(conference, key, value)

    @staticmethod
    def _schedule(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict) or value.get("type") not in (-1, 0, 1):
            raise _error(400, "invalidParameter", "schedule.type must be -1, 0 or 1", "schedule")
        if value["type"] == 1:
            for key in ("start_time", "duration"):
                number = value.get(key)
                if isinstance(number, bool) or not isinstance(number, int) or number < 1:
                    raise _error(400, "invalidParameter", f"schedule.{key}: seconds", "schedule")
            return {
                "type": 1,
                "start_time": value["start_time"],
                "duration": value["duration"],
                "time_offset": value.get("time_offset", 0),
            }
        return dict(value)

    def _invitation(self, item: Any) -> dict[str, Any]:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise _error(400, "invalidParameter", 'an invitation is {"id": user}', "invitations")
        return {"id": self._user_id(item["id"]), "display_name": item.get("display_name")}

    def _user_id(self, login: str) -> str:
        """A TrueConf ID: the server answers ``helen@server`` for ``helen``."""
        return login if "@" in login else f"{login}@{self.server_name}"

    def _participants(self, conference: FakeConference) -> list[dict[str, Any]]:
        if self.state(conference.id) != RUNNING:
            return []
        joined = int(self.clock().timestamp())
        return [
            {
                "id": f"guest_{n}@{self.server_name}",
                "display_name": f"Guest {n}",
                "join_time": joined,
                "is_owner": False,
            }
            for n in range(1, conference.attendees + 1)
        ]

    def _object(self, conference: FakeConference, base: str) -> dict[str, Any]:
        return {
            "id": conference.id,
            "type": conference.type,
            "topic": conference.topic,
            "owner": conference.owner,
            "description": conference.description,
            "max_podiums": conference.max_participants,
            "max_participants": conference.max_participants,
            "schedule": dict(conference.schedule),
            "invitations": list(conference.invitations),
            "allow_guests": conference.allow_guests,
            "auto_invite": conference.auto_invite,
            "state": self.state(conference.id),
            "url": f"{base}/c/{conference.id}",
            "webclient_url": f"{base}/webrtc/{conference.id}",
            "created_at": conference.created_at,
            "multicast_enable": False,
            "tags": [],
            "recording": 0,
        }

    def _web_client(self, conference_id: str) -> tuple[int, str, bytes]:
        """What a browser opening a join link sees (the real one is the WebRTC client)."""
        conference = self.conferences.get(conference_id)
        if conference is None:
            raise _plain(404, "unknown conference")
        state = self.state(conference_id)
        text = f"TrueConf web client: {conference.topic} ({conference_id}) is {state}"
        page = f"<!DOCTYPE html><title>TrueConf</title><h1>{html.escape(text)}</h1>"
        return 200, HTML, page.encode()

    # --- helpers ---------------------------------------------------------------

    @staticmethod
    def _allow(method: str, *methods: str) -> None:
        if method not in methods:
            raise _plain(405, f"takes {' or '.join(methods)}")

    def _base(self, environ: dict[str, Any]) -> str:
        """The server's own address, as the real one puts its external name in URLs:
        ``public_url`` when set (a server whose API is reached at another address than
        its web client), else the address the request came to."""
        if self.public_url:
            return self.public_url.rstrip("/")
        scheme = environ.get("wsgi.url_scheme", "http")
        return f"{scheme}://{environ.get('HTTP_HOST') or environ.get('SERVER_NAME', 'localhost')}"

    @staticmethod
    def _parse(environ: dict[str, Any], raw: bytes) -> Any:
        if not raw:
            return None
        if "json" in environ.get("CONTENT_TYPE", ""):
            try:
                return json.loads(raw)
            except ValueError:
                raise _error(400, "invalidJson", "the body is not JSON") from None
        try:
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        except UnicodeDecodeError:
            raise _plain(400, "the body is not UTF-8") from None

    @staticmethod
    def _json_object(body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _error(400, "invalidJson", "the body must be a JSON object")
        return body

    @staticmethod
    def _json(data: Any) -> tuple[int, str, bytes]:
        return 200, _JSON, json.dumps(data).encode()

    # --- control endpoints (JSON) for browser tests and the demo --------------

    def control_actions(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {"/_fake/tokens/revoke": self._revoke_tokens}

    def _revoke_tokens(self, data: dict[str, Any]) -> dict[str, Any]:
        self.revoke_tokens()
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        """Everything but secrets, JSON-ready."""
        with self._lock:
            meetings = {
                conference_id: {
                    "topic": c.topic,
                    "owner": c.owner,
                    "type": c.type,
                    "schedule": c.schedule,
                    "state": self.state(conference_id),
                    "attendees": c.attendees if self.state(conference_id) == RUNNING else 0,
                }
                for conference_id, c in self.conferences.items()
            }
            return {
                "mode": self.mode,
                "delay": self.delay,
                "latency": self.latency,
                "now": self.clock().isoformat(),
                "meetings": meetings,
                "tokens": len(self.tokens),
                "request_count": len(self.requests),
            }


# What `make run`, the contract tests and the demo data use (conferencing/fakes/__init__.py).
Fake = FakeTrueConf
DEMO: dict[str, str] = {"client_id": "demo-client", "client_secret": "demo-secret"}
PORT = 8901


def main(argv: list[str] | None = None) -> int:
    parser = arguments("Run a fake TrueConf Server.", port=PORT)
    parser.add_argument("--client-id", default="demo-client")
    parser.add_argument("--client-secret", default="demo-secret")
    parser.add_argument("--token-lifetime", type=int, default=3600, help="seconds")
    args = parser.parse_args(argv)

    fake = FakeTrueConf(
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_lifetime=args.token_lifetime,
    )
    return run_fake(
        fake,
        args,
        describe=lambda server: [
            f"fake TrueConf server at {server.url}",
            f"OAuth client_id={fake.client_id} client_secret={fake.client_secret}",
        ],
    )


if __name__ == "__main__":
    raise SystemExit(main())
