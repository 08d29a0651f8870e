"""A TurboMeeting server in memory, speaking real HTTP.

It validates like a strict server (so client mistakes show up in tests rather
than against a customer's appliance), lets tests break it on purpose
(``mode``: down, slow, late, reset, garbage), moves meetings from scheduled to active to
ended by an injectable clock, and plays the server's side of the callbacks:
``sign_in`` calls the portal's user-authentication URL and then its
scheduled-meeting query URL, the way a TurboMeeting client signing in makes
the server do.

It reuses the client's path table and XML, time and password code, so the
fake and the client cannot drift apart on anything but behaviour.
"""

from __future__ import annotations

import datetime as dt
import hmac
import html
import itertools
import os
import re
import sys
import threading
import time
import uuid
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple
from urllib.parse import urljoin

import requests

from conferencing.base import Account, ConferencingError, ServerUnavailable
from conferencing.fakes.server import (
    HTML,
    Answer,
    FakeServer,
    HTTPError,
    arguments,
    form_params,
    read_body,
    run_fake,
)
from conferencing.turbomeeting.client import PATHS
from conferencing.turbomeeting.passwords import encode_password
from conferencing.turbomeeting.returns import FAILED, SUCCEED, TMReturn, build_return, parse_return
from conferencing.turbomeeting.times import from_server_time, to_server_time, zone

# down: 503 to everything; slow: waits ``delay`` before doing anything; late:
# does the work, then waits ``delay`` before answering (a caller that gave up
# never learns it was done); reset: does the work, then drops the connection
# halfway through the answer; garbage: answers HTML.
SCHEDULED, ACTIVE, ENDED = "scheduled", "active", "ended"
MAX_BODY = 1_000_000
OUTBOUND_TIMEOUT = (3.05, 10.0)

_XML = "text/xml; charset=utf-8"
_INTEGER = re.compile(r"\d+")


class RecordedRequest(NamedTuple):
    method: str
    path: str
    params: dict[str, str]  # the query string for GET, the form body for POST


@dataclass
class FakeMeeting:
    meeting_id: str
    host_email: str
    topic: str
    meeting_type: int
    start: dt.datetime | None
    end: dt.datetime | None
    is_recurring: bool
    password: str = ""
    call_number: str = ""
    attendee_access_code: str = ""
    live_attendees: int | None = None  # set by set_live: active whatever the clock says
    ended_at: dt.datetime | None = None  # set by stop_meeting or set_ended


@dataclass(frozen=True)
class SignIn:
    auth: TMReturn
    meetings: TMReturn | None
    query_url: str


class _Refused(Exception):
    """Answered as ``<__Status__>FAILED`` with this reason."""


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class FakeTurboMeeting(FakeServer):
    """A WSGI app; run it with ``conferencing.fakes.server.serve``."""

    max_body = MAX_BODY
    default_attendees = None  # live: the meeting's own count

    def __init__(
        self,
        *,
        partner_id: str = "demo-partner",
        integration_code: str = "demo-integration",
        admin_email: str = "admin@example.com",
        admin_password: str = "admin-password",  # noqa: S107 (a fake's demo login)
        time_zone: str = "UTC",
        clock: Callable[[], dt.datetime] | None = None,
        portal_auth_url: str = "",
        password_encoding: str = "plain",  # noqa: S107 (a codec name)
        password_key: str = "",
    ) -> None:
        self.partner_id = partner_id
        self.integration_code = integration_code
        self.admin_email = admin_email
        self.admin_password = admin_password
        self.time_zone = time_zone
        self._tz = zone(time_zone)
        self.clock = clock or _utcnow
        self.portal_auth_url = portal_auth_url
        self.password_encoding = password_encoding
        self.password_key = password_key

        self.mode = "ok"
        self.delay = 5.0
        self.latency = 0.0
        self.requests: list[RecordedRequest] = []
        self.accounts: dict[str, Account] = {}
        self.meetings: dict[str, FakeMeeting] = {}
        self.reserved: dict[str, tuple[str, str]] = {}  # meeting ID -> (company_uid, user_id)
        self._lock = threading.RLock()
        self._ids = itertools.count(100_000_001)
        self._routes = {endpoint.path: (name, endpoint) for name, endpoint in PATHS.items()}

    def site_url(self, server_url: str) -> str:
        """The ``base_url`` for a backend: the server's own URL."""
        return server_url

    def backend_options(self) -> dict[str, str]:
        """What a backend pointed at this fake needs besides its URL."""
        return {
            "service_company_uid": self.partner_id,
            "integration_code": self.integration_code,
            "admin_email": self.admin_email,
            "admin_password": self.admin_password,
            # It calls the portal's callbacks from this machine, with its passwords so.
            "callback_allowed_ips": "127.0.0.1, ::1",
            "password_encoding": self.password_encoding,
            "password_key": self.password_key,
        }

    # --- test knobs ------------------------------------------------------------

    def set_live(self, meeting_id: str, *, attendees: int | None = None) -> None:
        """Make a meeting active now; ``attendees`` defaults to its deterministic count."""
        with self._lock:
            meeting = self.meetings[meeting_id]
            meeting.live_attendees = self._attendees(meeting) if attendees is None else attendees
            meeting.ended_at = None

    def set_ended(self, meeting_id: str) -> None:
        with self._lock:
            meeting = self.meetings[meeting_id]
            meeting.live_attendees = None
            meeting.ended_at = self.clock()

    def state(self, meeting_id: str) -> tuple[str, int]:
        """(``scheduled`` | ``active`` | ``ended``, attendees) as of the clock."""
        with self._lock:
            meeting = self.meetings[meeting_id]
            if meeting.ended_at is not None:
                return ENDED, 0
            if meeting.live_attendees is not None:
                return ACTIVE, meeting.live_attendees
            if meeting.is_recurring or meeting.start is None or meeting.end is None:
                return SCHEDULED, 0
            now = self.clock()
            if now < meeting.start:
                return SCHEDULED, 0
            if now < meeting.end:
                return ACTIVE, self._attendees(meeting)
            return ENDED, 0

    @staticmethod
    def _attendees(meeting: FakeMeeting) -> int:
        return 2 + zlib.crc32(meeting.meeting_id.encode()) % 9

    # --- the server's side of the callbacks ------------------------------------

    def sign_in(self, email: str, password: str) -> SignIn:
        """What the server does when someone signs in to a TurboMeeting client."""
        if not self.portal_auth_url:
            raise RuntimeError("this fake server has no portal_auth_url to call")
        token = encode_password(self.password_encoding, self.password_key, password)
        auth = self._fetch(
            self.portal_auth_url,
            {"email": email, "password": token, "service_company_uid": self.partner_id},
        )
        query_url = auth.get("QueryScheduledMeetingURL") if auth.ok else ""
        if query_url:
            query_url = urljoin(self.portal_auth_url, query_url)
        meetings = self.query_meetings(query_url) if query_url else None
        return SignIn(auth=auth, meetings=meetings, query_url=query_url)

    def query_meetings(self, url: str) -> TMReturn:
        """The per-login scheduled-meeting query (spec §11)."""
        return self._fetch(url, {"service_company_uid": self.partner_id})

    def _fetch(self, url: str, params: dict[str, str]) -> TMReturn:
        try:
            response = requests.get(url, params=params, timeout=OUTBOUND_TIMEOUT)
        except requests.RequestException as exc:
            raise ServerUnavailable(f"the portal did not answer: {type(exc).__name__}") from None
        if response.status_code >= 500:
            raise ServerUnavailable(f"the portal answered HTTP {response.status_code}")
        # Like the real server, read the XML whatever the HTTP status.
        return parse_return(response.content)

    # --- WSGI ------------------------------------------------------------------

    def vendor_answer(self, environ: dict[str, Any], path: str) -> Answer:
        status, content_type, body = self._wapi(environ, path)
        return status, content_type, body, []

    def _wapi(self, environ: dict[str, Any], path: str) -> tuple[int, str, bytes]:
        route = self._routes.get(path)
        if route is None:
            raise HTTPError(404, f"no such page: {path[:100]}")
        name, endpoint = route
        method = environ.get("REQUEST_METHOD", "GET").upper()
        allowed = ("GET", "POST") if name == "goto_downloader" else (endpoint.method,)
        if method not in allowed:
            raise HTTPError(405, f"{path} takes {' or '.join(allowed)}")
        query = form_params(environ.get("QUERY_STRING", ""))
        if method == "POST":
            # Strict on purpose: what is sent by POST must not leak into URLs and logs.
            if query:
                raise HTTPError(400, "parameters of a POST call belong in its body")
            params = form_params(read_body(environ, MAX_BODY).decode("latin-1"))
        else:
            params = query
        with self._lock:
            self.requests.append(RecordedRequest(method, path, dict(params)))
        garbage = self.misbehave()
        if garbage:
            return garbage
        handler = getattr(self, f"_do_{name}")
        with self._lock:
            try:
                answer = handler(params)
            except _Refused as exc:
                answer = 200, _XML, build_return(FAILED, reason=str(exc))
        if self.mode == "late":
            time.sleep(self.delay)
        return answer

    # --- validation helpers ----------------------------------------------------

    @staticmethod
    def _param(params: dict[str, str], name: str, *, allow_empty: bool = False) -> str:
        if name not in params:
            raise _Refused(f"missing parameter {name}")
        value = params[name]
        if not value.strip() and not allow_empty:
            raise _Refused(f"parameter {name} is empty")
        return value

    def _integer(self, params: dict[str, str], name: str) -> int:
        value = self._param(params, name).strip()
        if not _INTEGER.fullmatch(value):
            raise _Refused(f"parameter {name} must be an integer")
        return int(value)

    def _time(self, params: dict[str, str], name: str) -> dt.datetime:
        try:
            return from_server_time(self._param(params, name), self._tz)
        except ValueError:
            raise _Refused(f"parameter {name} must be YYYY/MM/DD HH:MM") from None

    def _check_partner(self, params: dict[str, str]) -> None:
        if not _same(self._param(params, "service_company_uid"), self.partner_id):
            raise _Refused("unknown partner ID")

    def _check_integration_code(self, params: dict[str, str]) -> None:
        if not _same(
            self._param(params, "integration_code", allow_empty=True), self.integration_code
        ):
            raise _Refused("invalid integration code")

    def _company(self, params: dict[str, str]) -> str:
        company_uid = self._param(params, "company_uid")
        if company_uid not in self.accounts:
            raise _Refused("unknown company_uid")
        return company_uid

    def _meeting(self, params: dict[str, str]) -> FakeMeeting:
        meeting_id = self._param(params, "meeting_id")
        if meeting_id not in self.meetings:
            raise _Refused("unknown meeting_id")
        return self.meetings[meeting_id]

    def _new_id(self) -> str:
        return str(next(self._ids))

    def _account(self, params: dict[str, str], company_uid: str) -> Account:
        return Account(
            company_name=self._param(params, "company_name"),
            email=self._param(params, "email"),
            meeting_rooms=self._integer(params, "number_of_meeting_room"),
            participants_per_room=self._integer(params, "number_of_participant"),
            account_id=company_uid,
        )

    @staticmethod
    def _ok(status: str = SUCCEED, **fields: str) -> tuple[int, str, bytes]:
        return 200, _XML, build_return(status, fields=fields)

    # --- the wapi calls --------------------------------------------------------

    def _do_ping(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        return 200, "text/plain; charset=utf-8", b"fake TurboMeeting server"

    def _do_create_account(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        self._check_partner(params)
        company_uid = str(uuid.uuid4())
        self.accounts[company_uid] = self._account(params, company_uid)
        return self._ok(CompanyUid=company_uid)

    def _do_update_account(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        self._check_partner(params)
        company_uid = self._company(params)
        self.accounts[company_uid] = self._account(params, company_uid)
        return self._ok()

    def _do_delete_account(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        self._check_partner(params)
        del self.accounts[self._company(params)]
        return self._ok()

    def _do_query_account(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        self._check_partner(params)
        account = self.accounts[self._company(params)]
        return self._ok(
            "SUCCEEDED",  # the spec's spelling for this one call
            CompanyName=account.company_name,
            Email=account.email,
            NumberOfMeetingRoom=str(account.meeting_rooms),
            NumberOfParticipant=str(account.participants_per_room),
        )

    def _do_remote_schedule(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        self._check_partner(params)
        company_uid = self._company(params)
        user_id = self._param(params, "user_id")
        meeting_id = self._new_id()
        self.reserved[meeting_id] = (company_uid, user_id)
        return self._ok(MeetingID=meeting_id)

    def _do_schedule_meeting(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        for name in ("user_password", "password", "call_number", "attendee_access_code"):
            self._param(params, name, allow_empty=True)
        self._check_integration_code(params)
        meeting_type = self._integer(params, "meeting_type")
        if meeting_type > 4:
            raise _Refused("parameter meeting_type must be 0 to 4")
        email = self._param(params, "email")
        topic = self._param(params, "meeting_topic")
        recurring = self._param(params, "is_recurring")
        if recurring not in ("Y", "N"):
            raise _Refused("parameter is_recurring must be Y or N")
        self._param(params, "start_time", allow_empty=True)
        self._param(params, "end_time", allow_empty=True)
        start = end = None
        if recurring == "N":
            start, end = self._time(params, "start_time"), self._time(params, "end_time")
            if end <= start:
                raise _Refused("end_time must be after start_time")
        # A reserved ID is scheduled; a scheduled one is updated in place, so the portal
        # can edit a meeting, or resend a schedule whose answer it never got.
        meeting_id = params.get("meeting_id", "")
        if meeting_id and meeting_id not in self.reserved and meeting_id not in self.meetings:
            raise _Refused("unknown meeting_id")
        self.reserved.pop(meeting_id, None)
        meeting_id = meeting_id or self._new_id()
        previous = self.meetings.get(meeting_id)
        self.meetings[meeting_id] = FakeMeeting(
            meeting_id=meeting_id,
            host_email=email,
            topic=topic,
            meeting_type=meeting_type,
            start=start,
            end=end,
            is_recurring=recurring == "Y",
            password=params["password"],
            call_number=params["call_number"],
            attendee_access_code=params["attendee_access_code"],
            live_attendees=previous.live_attendees if previous else None,
            ended_at=previous.ended_at if previous else None,
        )
        return self._ok(MeetingID=meeting_id)

    def _do_meeting_status(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        self._check_integration_code(params)
        meeting = self._meeting(params)
        state, attendees = self.state(meeting.meeting_id)
        return self._ok(
            MeetingID=meeting.meeting_id,
            IsActive="Y" if state == ACTIVE else "N",
            NumberOfAttendees=str(attendees),
            State=state,
            MeetingTopic=meeting.topic,
            HostEmail=meeting.host_email,
            IsRecurring="Y" if meeting.is_recurring else "N",
            StartTime=to_server_time(meeting.start, self._tz) if meeting.start else "",
            EndTime=to_server_time(meeting.end, self._tz) if meeting.end else "",
        )

    def _do_stop_meeting(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        email = self._param(params, "email")
        password = self._param(params, "password")
        # Both compared, always, so timing does not tell which one was wrong.
        if not (_same(email, self.admin_email) & _same(password, self.admin_password)):
            raise _Refused("administrator sign-in failed")
        meeting = self._meeting(params)
        if self.state(meeting.meeting_id)[0] != ACTIVE:
            raise _Refused("the meeting is not active")
        self.set_ended(meeting.meeting_id)
        return self._ok()

    def _do_goto_downloader(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        role = params.get("role", "").lower()
        if role == "host":
            if not params.get("email"):
                raise HTTPError(400, "starting a meeting needs an email")
            what = f"Starting a meeting for {params['email']}"
        elif role in ("attendee", "attende"):
            if not params.get("meeting_id"):
                raise HTTPError(400, "joining needs a meeting_id")
            what = f"Joining meeting {params['meeting_id']} as {params.get('name', '')}"
        else:
            raise HTTPError(400, "role must be host or attendee")
        page = f"<!DOCTYPE html><title>TurboMeeting</title><h1>{html.escape(what)}</h1>"
        return 200, HTML, page.encode()

    def _do_web_viewer(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        meeting_id = params.get("meeting_id", "")
        if meeting_id not in self.meetings:
            raise HTTPError(404, "unknown meeting")
        state, attendees = self.state(meeting_id)
        text = f"Web viewer: meeting {meeting_id} is {state} with {attendees} attendees"
        page = f"<!DOCTYPE html><title>TurboMeeting web viewer</title><p>{html.escape(text)}</p>"
        return 200, HTML, page.encode()

    # --- control endpoints (JSON) for browser tests and the demo --------------

    def control_actions(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {"/_fake/sign_in": self._sign_in}

    def _sign_in(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            result = self.sign_in(str(data.get("email", "")), str(data.get("password", "")))
        except RuntimeError as exc:
            raise HTTPError(400, str(exc)) from None
        except ConferencingError as exc:
            raise HTTPError(502, f"signing in failed: {exc}") from None
        return asdict(result)

    def snapshot(self) -> dict[str, Any]:
        """Everything but passwords, JSON-ready."""
        with self._lock:
            meetings = {}
            for meeting_id, meeting in self.meetings.items():
                state, attendees = self.state(meeting_id)
                meetings[meeting_id] = {
                    "topic": meeting.topic,
                    "host_email": meeting.host_email,
                    "meeting_type": meeting.meeting_type,
                    "start": meeting.start.isoformat() if meeting.start else None,
                    "end": meeting.end.isoformat() if meeting.end else None,
                    "is_recurring": meeting.is_recurring,
                    "state": state,
                    "attendees": attendees,
                }
            return {
                "mode": self.mode,
                "delay": self.delay,
                "latency": self.latency,
                "now": self.clock().isoformat(),
                "accounts": {uid: asdict(account) for uid, account in self.accounts.items()},
                "meetings": meetings,
                "reserved": sorted(self.reserved),
                "request_count": len(self.requests),
            }


# What `make run`, the contract tests and the demo data use (conferencing/fakes/__init__.py).
#: The fake's demo values as the environment's TurboMeeting server (settings.TM_DEMO_VALUES).
ENVIRONMENT = {
    "TM_SERVICE_COMPANY_UID": "demo-partner",
    "TM_INTEGRATION_CODE": "demo-integration",
    "TM_ADMIN_EMAIL": "admin@example.com",
    "TM_ADMIN_PASSWORD": "admin-password",
}
PORT = 8900
#: A second TurboMeeting server, beside the environment's: ``Fake()``, which `make run`
#: serves on ``OWN_PORT`` (``--own``) and the demo data stores as a server row of its own,
#: with a partner ID and a password key (its sign-ins are Fernet tokens) of its own.
DEMO: dict[str, str] = {
    "service_company_uid": "demo-partner-2",
    "integration_code": "demo-integration-2",
    "admin_email": "admin@example.com",
    "admin_password": "admin-password",
    "callback_allowed_ips": "127.0.0.1, ::1",
    "password_encoding": "fernet",
    "password_key": "ZGVtby1vbmx5LXR1cmJvbWVldGluZy1wYXNzd29yZHM=",
}
OWN_PORT = 8905


def Fake() -> FakeTurboMeeting:  # noqa: N802  (the class every fake module names)
    """The fake that accepts ``DEMO``'s credentials."""
    return FakeTurboMeeting(
        partner_id=DEMO["service_company_uid"],
        integration_code=DEMO["integration_code"],
        admin_email=DEMO["admin_email"],
        admin_password=DEMO["admin_password"],
        password_encoding=DEMO["password_encoding"],
        password_key=DEMO["password_key"],
    )


def portal_environment(url: str) -> dict[str, str]:
    """The settings that make the fake at ``url`` the portal's environment-managed server
    (passwords come to /tm/auth in clear, as this fake sends them by default)."""
    return {"TM_SERVER_URL": url, "TM_PASSWORD_ENCODING": "plain"}


_OWN = {
    "TM_SERVICE_COMPANY_UID": "service_company_uid",
    "TM_INTEGRATION_CODE": "integration_code",
    "TM_ADMIN_EMAIL": "admin_email",
    "TM_ADMIN_PASSWORD": "admin_password",
}


def main(argv: list[str] | None = None) -> int:
    parser = arguments("Run a fake TurboMeeting server.", port=PORT)
    own = "--own" in (sys.argv[1:] if argv is None else argv)
    parser.add_argument(
        "--own", action="store_true", help="with DEMO's values: a server of its own, not the "
        "environment's (it calls /tm/servers/<id>/auth: see --portal-auth-url)",
    )  # fmt: skip
    # By default the values the portal of this environment expects (`make run`).
    setting = {name: os.environ.get(name, value) for name, value in ENVIRONMENT.items()}
    if own:
        setting = {env: DEMO[name] for env, name in _OWN.items()}
    parser.add_argument("--partner-id", default=setting["TM_SERVICE_COMPANY_UID"])
    parser.add_argument("--integration-code", default=setting["TM_INTEGRATION_CODE"])
    parser.add_argument("--admin-email", default=setting["TM_ADMIN_EMAIL"])
    parser.add_argument("--admin-password", default=setting["TM_ADMIN_PASSWORD"])
    portal = os.environ.get("PORTAL_URL", "").rstrip("/")
    auth = f"{portal}/tm/auth" if portal and not own else ""
    parser.add_argument("--portal-auth-url", default=auth)
    encoding, key = (DEMO["password_encoding"], DEMO["password_key"]) if own else ("plain", "")
    parser.add_argument("--password-encoding", default=encoding)
    parser.add_argument("--password-key", default=key)
    parser.add_argument("--time-zone", default="UTC")
    args = parser.parse_args(argv)

    fake = FakeTurboMeeting(
        partner_id=args.partner_id,
        integration_code=args.integration_code,
        admin_email=args.admin_email,
        admin_password=args.admin_password,
        time_zone=args.time_zone,
        portal_auth_url=args.portal_auth_url,
        password_encoding=args.password_encoding,
        password_key=args.password_key,
    )
    return run_fake(
        fake,
        args,
        describe=lambda server: [f"fake TurboMeeting server at {server.url}"],
    )


if __name__ == "__main__":
    raise SystemExit(main())
