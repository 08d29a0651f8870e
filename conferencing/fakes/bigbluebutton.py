"""A BigBlueButton server in memory, speaking real HTTP.

It answers on BigBlueButton's own paths (``/bigbluebutton/api/<call>``) with the
XML its API reference documents: ``<response><returncode>SUCCESS|FAILED</returncode>
...<messageKey>..</messageKey><message>..</message></response>``, with HTTP 200
for failures too, and the reference's message keys (``checksumError``,
``notFound``, ``invalidMeetingIdentifier``, ``idNotUnique``, ``invalidPassword``,
``missingParamMeetingID``, ``unsupportedRequest``, ``duplicateWarning``,
``noRecordings``, ...).

Every call's checksum is checked, as the server does: a hash of the call's name,
the query string as received without its checksum, and the shared secret, in the
algorithm the checksum's length names, among ``algorithms`` (a server's
``supportedChecksumAlgorithms``). Its code is its own, not the client's, and it is
checked against an independent client too (tests/conferencing/bigbluebutton_js.cjs).

A meeting exists from ``create`` until it ends (``end``, or ``set_ended``); it runs
once someone joined. A recorded meeting leaves a published recording when it ends.
A ``join`` link opens the fake's own client page (``/html5client/join``), which
says who joined what, as whom.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import html
import itertools
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from conferencing.fakes.server import (
    HTML,
    TEXT,
    FakeServer,
    HTTPError,
    arguments,
    read_body,
    run_fake,
)

ROOT = "/bigbluebutton"
API = ROOT + "/api"
CLIENT_PAGE = "/html5client/join"
PLAYBACK = "/playback/presentation/2.3/"
MAX_BODY = 100_000
#: The secret of `make run`'s demo server (the API reference's example secret).
DEMO_SECRET = "8cd8ef52e8e101574e400365b55e11a6"
ALGORITHMS = ("sha1", "sha256", "sha384", "sha512")
_BY_LENGTH = {hashlib.new(name).digest_size * 2: name for name in ALGORITHMS}

_XML = "text/xml; charset=utf-8"

# The reference's messages, by key.
MESSAGES = {
    "checksumError": "You did not pass the checksum security check",
    "notFound": "We could not find a meeting with that meeting ID - perhaps the meeting "
    "is not yet running?",
    "invalidMeetingIdentifier": "The meeting ID that you supplied did not match any "
    "existing meetings",
    "idNotUnique": "A meeting already exists with that meeting ID.  Please use a different "
    "meeting ID.",
    "invalidPassword": "You either did not supply a password or the password supplied is "
    "neither the attendee or moderator password for this conference.",
    "missingParamMeetingID": "You must specify a meeting ID for the meeting.",
    "missingParamFullName": "You must specify a name for the attendee who will be joining "
    "the meeting.",
    "unsupportedRequest": "This request is not supported.",
    "duplicateWarning": "This conference was already in existence and may currently be in "
    "progress.",
    "sentEndMeetingRequest": "A request to end the meeting was sent.  Please wait a few "
    "seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that "
    "it was ended.",
    "noRecordings": "There are no recordings for the meeting(s).",
    "successfullyJoined": "You have joined successfully.",
}


class _Failed(Exception):
    """A FAILED answer with this message key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class FakeUser:
    user_id: str
    full_name: str
    role: str  # MODERATOR or VIEWER


@dataclass
class FakeMeeting:
    meeting_id: str
    name: str
    moderator_pw: str
    attendee_pw: str
    created: dt.datetime
    record: bool = False
    max_participants: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    users: list[FakeUser] = field(default_factory=list)
    started: dt.datetime | None = None
    internal_id: str = field(default_factory=lambda: secrets.token_hex(20))
    voice_bridge: str = field(default_factory=lambda: str(70000 + secrets.randbelow(9999)))

    @property
    def running(self) -> bool:
        return bool(self.users)


@dataclass
class FakeRecording:
    record_id: str
    meeting_id: str
    name: str
    start: dt.datetime
    end: dt.datetime
    published: bool = True
    participants: int = 0


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _millis(when: dt.datetime | None) -> int:
    return int(when.timestamp() * 1000) if when else 0


def response(returncode: str = "SUCCESS", /, **fields: object) -> bytes:
    """An answer as the server writes it: ``<response>`` with an element per field, in
    order (a list repeats it, a dict nests, None leaves it out)."""
    root = ET.Element("response")
    ET.SubElement(root, "returncode").text = returncode
    _fill(root, fields)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _fill(parent: ET.Element, fields: dict[str, object]) -> None:
    for name, value in fields.items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            child = ET.SubElement(parent, name)
            if isinstance(item, dict):
                _fill(child, item)
            elif isinstance(item, bool):
                child.text = "true" if item else "false"
            else:
                child.text = str(item)


class FakeBigBlueButton(FakeServer):
    """A WSGI app; run it with ``conferencing.fakes.server.serve``."""

    max_body = MAX_BODY

    def __init__(
        self,
        *,
        secret: str = DEMO_SECRET,
        algorithms: tuple[str, ...] = ALGORITHMS,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.secret = secret
        self.algorithms = algorithms
        self.clock = clock or _utcnow
        self.mode = "ok"
        self.delay = 5.0
        self.latency = 0.0
        self.calls: list[tuple[str, dict[str, str]]] = []  # (call, params) as received
        self.meetings: dict[str, FakeMeeting] = {}
        self.recordings: dict[str, FakeRecording] = {}
        self.created = 0  # meetings created (a duplicate create makes none)
        self._sessions: dict[str, tuple[str, FakeUser]] = {}  # client page token -> who
        self._lock = threading.RLock()
        self._users = itertools.count(1)

    def site_url(self, served: str) -> str:
        """The base URL a backend is given: the server's BigBlueButton root."""
        return served.rstrip("/") + ROOT

    def backend_options(self) -> dict[str, str]:
        """The constructor keywords a ``bigbluebutton`` backend pointed at this fake needs."""
        return {"secret": self.secret}

    # --- test knobs ------------------------------------------------------------

    def set_live(self, meeting_id: str, *, attendees: int = 2) -> None:
        """``attendees`` people in the meeting now (created, as its host would, if need be)."""
        with self._lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is None:
                meeting = self._new_meeting(meeting_id, meeting_id, "mp", "ap", {})
            meeting.users = [
                FakeUser(f"w_{n}", f"Attendee {n}", "MODERATOR" if n == 1 else "VIEWER")
                for n in range(1, attendees + 1)
            ]
            meeting.started = meeting.started or self.clock()

    def set_ended(self, meeting_id: str) -> None:
        """The meeting ends (everyone left, or it timed out): the server forgets it."""
        with self._lock:
            self._end(meeting_id)

    def add_recording(
        self, meeting_id: str, *, name: str = "", minutes: int = 30, published: bool = True
    ) -> FakeRecording:
        """A recording of ``meeting_id`` that ended a moment ago."""
        with self._lock:
            end = self.clock()
            recording = FakeRecording(
                record_id=f"{hashlib.sha256(meeting_id.encode()).hexdigest()[:40]}-{_millis(end)}"
                f"{len(self.recordings)}",
                meeting_id=meeting_id,
                name=name or meeting_id,
                start=end - dt.timedelta(minutes=minutes),
                end=end,
                published=published,
            )
            self.recordings[recording.record_id] = recording
            return recording

    def calls_to(self, call: str) -> list[dict[str, str]]:
        with self._lock:
            return [params for name, params in self.calls if name == call]

    # --- WSGI ------------------------------------------------------------------

    def vendor_answer(
        self, environ: dict[str, Any], path: str
    ) -> tuple[int, str, bytes, list[tuple[str, str]]]:
        raw_query = environ.get("QUERY_STRING", "")
        if path == CLIENT_PAGE:
            return 200, HTML, self._client_page(raw_query), []
        if path.startswith(PLAYBACK):
            return 200, HTML, self._playback_page(path[len(PLAYBACK) :]), []
        if path.rstrip("/") == API:
            call = ""
        elif path.startswith(API + "/"):
            call = path[len(API) + 1 :]
        else:
            raise HTTPError(404, f"no such page: {path[:100]}")
        if environ.get("REQUEST_METHOD", "GET").upper() not in ("GET", "HEAD", "POST"):
            raise HTTPError(405, "GET or POST")
        read_body(environ, MAX_BODY)  # BigBlueButton reads its parameters from the query
        params = {k: v[0] for k, v in parse_qs(raw_query, keep_blank_values=True).items()}
        with self._lock:
            self.calls.append((call, params))
        garbage = self.misbehave()
        if garbage:
            return (*garbage, [])
        with self._lock:
            try:
                answer = self._route(call, raw_query, params, environ)
            except _Failed as exc:
                answer = 200, _XML, self._failed(exc.key), []
        if self.mode == "late":
            time.sleep(self.delay)
        return answer

    @staticmethod
    def _failed(key: str) -> bytes:
        return response("FAILED", messageKey=key, message=MESSAGES.get(key, key))

    def _route(
        self, call: str, raw_query: str, params: dict[str, str], environ: dict[str, Any]
    ) -> tuple[int, str, bytes, list[tuple[str, str]]]:
        if call == "":
            return 200, _XML, response(version="2.0", apiVersion="2.0", bbbVersion="3.0.0"), []
        if not self._checksum_ok(call, raw_query):
            raise _Failed("checksumError")
        handlers: dict[str, Callable[[dict[str, str]], bytes]] = {
            "create": self._create,
            "isMeetingRunning": self._is_running,
            "getMeetingInfo": self._meeting_info,
            "getMeetings": self._get_meetings,
            "end": self._end_call,
            "publishRecordings": self._publish_recordings,
        }
        if call == "join":
            return self._join(params, environ)
        if call == "getRecordings":  # playback links point at this server
            return 200, _XML, self._get_recordings(params, self._host(environ)), []
        if call not in handlers:
            raise _Failed("unsupportedRequest")
        return 200, _XML, handlers[call](params), []

    def _checksum_ok(self, call: str, raw_query: str) -> bool:
        """As the server checks it: over the query as received, less the checksum."""
        pairs = raw_query.split("&") if raw_query else []
        given = [p[len("checksum=") :] for p in pairs if p.startswith("checksum=")]
        if len(given) != 1:
            return False
        algorithm = _BY_LENGTH.get(len(given[0]))
        if algorithm not in self.algorithms:
            return False
        query = "&".join(p for p in pairs if not p.startswith("checksum="))
        expected = hashlib.new(algorithm, (call + query + self.secret).encode()).hexdigest()
        return hmac.compare_digest(expected, given[0].lower())

    # --- the calls -------------------------------------------------------------

    @staticmethod
    def _meeting_id(params: dict[str, str]) -> str:
        meeting_id = params.get("meetingID", "").strip()
        if not meeting_id:
            raise _Failed("missingParamMeetingID")
        return meeting_id

    def _new_meeting(
        self, meeting_id: str, name: str, moderator_pw: str, attendee_pw: str, params: dict
    ) -> FakeMeeting:
        meeting = FakeMeeting(
            meeting_id=meeting_id,
            name=name,
            moderator_pw=moderator_pw,
            attendee_pw=attendee_pw,
            created=self.clock(),
            record=params.get("record") == "true",
            max_participants=int(params.get("maxParticipants", "0") or 0),
            metadata={k[5:]: v for k, v in params.items() if k.startswith("meta_")},
        )
        self.meetings[meeting_id] = meeting
        self.created += 1
        return meeting

    def _create(self, params: dict[str, str]) -> bytes:
        meeting_id = self._meeting_id(params)
        meeting = self.meetings.get(meeting_id)
        key = message = None
        if meeting is None:
            meeting = self._new_meeting(
                meeting_id,
                params.get("name") or meeting_id,
                params.get("moderatorPW") or secrets.token_hex(4),
                params.get("attendeePW") or secrets.token_hex(4),
                params,
            )
        else:
            # The same ID again is the same meeting, unless its passwords say otherwise.
            for given, kept in (
                (params.get("moderatorPW"), meeting.moderator_pw),
                (params.get("attendeePW"), meeting.attendee_pw),
            ):
                if given and given != kept:
                    raise _Failed("idNotUnique")
            key, message = "duplicateWarning", MESSAGES["duplicateWarning"]
        return response(
            meetingID=meeting.meeting_id,
            internalMeetingID=meeting.internal_id,
            parentMeetingID="bbb-none",
            attendeePW=meeting.attendee_pw,
            moderatorPW=meeting.moderator_pw,
            createTime=_millis(meeting.created),
            voiceBridge=meeting.voice_bridge,
            dialNumber="613-555-1234",
            createDate=meeting.created.strftime("%a %b %d %H:%M:%S %Z %Y"),
            hasUserJoined=bool(meeting.started),
            duration=0,
            hasBeenForciblyEnded=False,
            messageKey=key,
            message=message,
        )

    def _join(
        self, params: dict[str, str], environ: dict[str, Any]
    ) -> tuple[int, str, bytes, list[tuple[str, str]]]:
        meeting_id = self._meeting_id(params)
        full_name = params.get("fullName", "").strip()
        if not full_name:
            raise _Failed("missingParamFullName")
        meeting = self.meetings.get(meeting_id)
        if meeting is None:
            raise _Failed("invalidMeetingIdentifier")
        role = params.get("role", "").upper()
        if role not in ("MODERATOR", "VIEWER"):  # before 2.6: the password says who
            password = params.get("password", "")
            role = {meeting.moderator_pw: "MODERATOR", meeting.attendee_pw: "VIEWER"}.get(
                password, ""
            )
            if not role:
                raise _Failed("invalidPassword")
        user = FakeUser(params.get("userID") or f"w_{next(self._users)}", full_name, role)
        meeting.users.append(user)
        meeting.started = meeting.started or self.clock()
        token = secrets.token_hex(8)
        self._sessions[token] = (meeting.meeting_id, user)
        url = f"{self._host(environ)}{CLIENT_PAGE}?{urlencode({'sessionToken': token})}"
        if params.get("redirect", "true") == "false":
            return (
                200,
                _XML,
                response(
                    messageKey="successfullyJoined",
                    message=MESSAGES["successfullyJoined"],
                    meeting_id=meeting.internal_id,
                    user_id=user.user_id,
                    auth_token=secrets.token_hex(6),
                    session_token=token,
                    url=url,
                ),
                [],
            )
        return 302, TEXT, b"", [("Location", url)]

    @staticmethod
    def _host(environ: dict[str, Any]) -> str:
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"

    def _is_running(self, params: dict[str, str]) -> bytes:
        meeting = self.meetings.get(self._meeting_id(params))
        return response(running=bool(meeting and meeting.running))

    def _meeting_info(self, params: dict[str, str]) -> bytes:
        meeting = self.meetings.get(self._meeting_id(params))
        if meeting is None:
            raise _Failed("notFound")
        return response(**self._meeting_fields(meeting))

    def _meeting_fields(self, meeting: FakeMeeting) -> dict[str, object]:
        moderators = sum(u.role == "MODERATOR" for u in meeting.users)
        return {
            "meetingName": meeting.name,
            "meetingID": meeting.meeting_id,
            "internalMeetingID": meeting.internal_id,
            "createTime": _millis(meeting.created),
            "createDate": meeting.created.strftime("%a %b %d %H:%M:%S %Z %Y"),
            "voiceBridge": meeting.voice_bridge,
            "dialNumber": "613-555-1234",
            "attendeePW": meeting.attendee_pw,
            "moderatorPW": meeting.moderator_pw,
            "running": meeting.running,
            "duration": 0,
            "hasUserJoined": bool(meeting.started),
            "recording": False,
            "hasBeenForciblyEnded": False,
            "startTime": _millis(meeting.started),
            "endTime": 0,
            "participantCount": len(meeting.users),
            "listenerCount": 0,
            "voiceParticipantCount": 0,
            "videoCount": 0,
            "maxUsers": meeting.max_participants,
            "moderatorCount": moderators,
            "attendees": {
                "attendee": [
                    {
                        "userID": u.user_id,
                        "fullName": u.full_name,
                        "role": u.role,
                        "isPresenter": u.role == "MODERATOR",
                        "isListeningOnly": False,
                        "hasJoinedVoice": False,
                        "hasVideo": False,
                        "clientType": "HTML5",
                    }
                    for u in meeting.users
                ]
            },
            "metadata": meeting.metadata,
            "isBreakout": False,
        }

    def _get_meetings(self, params: dict[str, str]) -> bytes:
        meetings = [self._meeting_fields(m) for m in self.meetings.values()]
        if not meetings:
            return response(
                meetings="",
                messageKey="noMeetings",
                message="no meetings were found on this server",
            )
        return response(meetings={"meeting": meetings})

    def _end_call(self, params: dict[str, str]) -> bytes:
        meeting = self.meetings.get(self._meeting_id(params))
        if meeting is None:
            raise _Failed("notFound")
        password = params.get("password")
        if password is not None and password != meeting.moderator_pw:
            raise _Failed("invalidPassword")
        self._end(meeting.meeting_id)
        return response(
            messageKey="sentEndMeetingRequest", message=MESSAGES["sentEndMeetingRequest"]
        )

    def _end(self, meeting_id: str) -> None:
        meeting = self.meetings.pop(meeting_id, None)
        if meeting is not None and meeting.record and meeting.started:
            recording = self.add_recording(meeting_id, name=meeting.name)
            recording.start = meeting.started
            recording.participants = len(meeting.users)

    def _get_recordings(self, params: dict[str, str], host: str) -> bytes:
        wanted = {m for m in params.get("meetingID", "").split(",") if m}
        ids = {r for r in params.get("recordID", "").split(",") if r}
        found = [
            r
            for r in self.recordings.values()
            if (not wanted or r.meeting_id in wanted) and (not ids or r.record_id in ids)
        ]
        if not found:
            return response(
                recordings="", messageKey="noRecordings", message=MESSAGES["noRecordings"]
            )
        records = [self._recording_fields(r, host) for r in found]
        return response(recordings={"recording": records})

    def _recording_fields(self, r: FakeRecording, host: str) -> dict[str, object]:
        return {
            "recordID": r.record_id,
            "meetingID": r.meeting_id,
            "internalMeetingID": r.record_id,
            "name": r.name,
            "isBreakout": False,
            "published": r.published,
            "state": "published" if r.published else "unpublished",
            "startTime": _millis(r.start),
            "endTime": _millis(r.end),
            "participants": r.participants,
            "rawSize": 951067,
            "metadata": {"isBreakout": "false", "meetingName": r.name},
            "playback": {
                "format": {
                    "type": "presentation",
                    "url": f"{host}{PLAYBACK}{r.record_id}",
                    "processingTime": 7177,
                    "length": max(0, int((r.end - r.start).total_seconds() // 60)),
                }
            },
            "data": "",
        }

    def _publish_recordings(self, params: dict[str, str]) -> bytes:
        ids = [r for r in params.get("recordID", "").split(",") if r]
        if not ids or any(r not in self.recordings for r in ids):
            raise _Failed("notFound")
        publish = params.get("publish") == "true"
        for record_id in ids:
            self.recordings[record_id].published = publish
        return response(published=publish)

    # --- pages -------------------------------------------------------------------

    def _client_page(self, raw_query: str) -> bytes:
        token = parse_qs(raw_query).get("sessionToken", [""])[0]
        with self._lock:
            found = self._sessions.get(token)
            meeting = self.meetings.get(found[0]) if found else None
        if found is None or meeting is None:
            return b"<!doctype html><title>BigBlueButton</title><p>Your session has ended.</p>"
        user = found[1]
        title = html.escape(meeting.name)
        return (
            f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><h1>{title}</h1><p id='who'>{html.escape(user.full_name)}</p>"
            f"<p id='role'>{user.role}</p>"
            f"<p id='count'>{len(meeting.users)} in the meeting</p></body></html>"
        ).encode()

    def _playback_page(self, record_id: str) -> bytes:
        recording = self.recordings.get(record_id)
        if recording is None or not recording.published:
            raise HTTPError(404, "no such recording")
        title = html.escape(recording.name)
        return f"<!doctype html><title>{title}</title><h1>Playback: {title}</h1>".encode()

    # --- control endpoints (JSON) for browser tests and the demo --------------

    def meeting_state(self, meeting_id: str) -> Any:
        return self.snapshot()  # an ended meeting is forgotten: the whole server

    def snapshot(self) -> dict[str, Any]:
        """Everything but the secret and the passwords, JSON-ready."""
        with self._lock:
            return {
                "mode": self.mode,
                "delay": self.delay,
                "latency": self.latency,
                "now": self.clock().isoformat(),
                "meetings": {
                    m.meeting_id: {
                        "name": m.name,
                        "running": m.running,
                        "attendees": [u.__dict__ for u in m.users],
                    }
                    for m in self.meetings.values()
                },
                "recordings": {r.record_id: r.meeting_id for r in self.recordings.values()},
                "request_count": len(self.calls),
            }


# What `make run`, the contract tests and the demo data use (conferencing/fakes/__init__.py).
Fake = FakeBigBlueButton
DEMO: dict[str, str] = {"secret": DEMO_SECRET}
PORT = 8904


def main(argv: list[str] | None = None) -> int:
    parser = arguments("Run a fake BigBlueButton server.", port=PORT)
    parser.add_argument("--secret", default=DEMO_SECRET)
    args = parser.parse_args(argv)
    fake = FakeBigBlueButton(secret=args.secret)
    return run_fake(
        fake,
        args,
        describe=lambda server: [
            f"fake BigBlueButton server at {fake.site_url(server.url)}",
            f"  API: {server.url}{API}   secret: {args.secret}",
        ],
    )


if __name__ == "__main__":
    raise SystemExit(main())
