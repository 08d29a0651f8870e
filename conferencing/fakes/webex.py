"""A Webex Meetings site in memory, answering the URL API over real HTTP.

It serves ``/<site>/p.php`` (``AT=LI``, ``LO``) and ``/<site>/m.php``
(``AT=SM``, ``HM``, ``JM``, and ``LM``: the signed-in host's meetings, where real
Webex lets them open one and change it) by GET or POST, keeps the browser's Webex login in
a cookie, and answers every command the way Webex does: a redirect to the
back URL ``BU`` with ``AT``, ``ST=SUCCESS|FAIL``, ``RS`` and, after scheduling,
``MK``. Without a back URL it shows a small page instead (the site's home
page after success, the reason after a failure).

A backend points at it with ``base_url=fake.site_url(server.url)``, that is
``http://127.0.0.1:PORT/<site>``; ``backend_options()`` is empty because the
URL API needs no credentials (the fake's time zone, UTC by default, must
match the backend's ``time_zone``).

Login tickets (``TK``) are minted with ``issue_ticket`` (or ``POST
/_fake/tickets``), are single-use and expire after ``ticket_lifetime`` by
the injectable clock (real Webex mints them through its XML API; their
lifetime there is not confirmed). A meeting is in progress only once its
host starts it (``AT=HM``) or a test says so (``set_live``), until
``set_ended``. Where Webex's reason for a failure is not published (a bad
``AT=SM`` field, an unknown command) the fake answers ``InvalidDataFormat``,
its own invention.
"""

from __future__ import annotations

import datetime as dt
import hmac
import html
import random
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from typing import Any, NamedTuple
from urllib.parse import urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from conferencing.fakes.server import (
    HTML,
    TEXT,
    Answer,
    FakeServer,
    HTTPError,
    arguments,
    form_params,
    read_body,
    run_fake,
)
from conferencing.webex.launch import COMMANDS, PAGES

MODES = ("ok", "down", "slow", "garbage")
COOKIE = "WBXSESSION"
MAX_BODY = 100_000
DEMO_USER, DEMO_PASSWORD = "demo-host", "demo-password"
#: What `make run` tells a newcomer about this fake.
BANNER = f"hosts sign in to Webex as {DEMO_USER} / {DEMO_PASSWORD}"

_INTEGER = re.compile(r"\d{1,4}")


class RecordedRequest(NamedTuple):
    method: str
    path: str
    query: dict[str, str]  # the query string
    form: dict[str, str]  # the POST body

    @property
    def params(self) -> dict[str, str]:
        return self.query | self.form


@dataclass
class FakeUser:
    webex_id: str
    password: str
    locked: bool = False


@dataclass
class FakeMeeting:
    key: str
    host: str  # the Webex ID that scheduled it
    topic: str
    start: dt.datetime
    minutes: int
    password: str = ""
    live: bool = False
    ended: bool = False
    locked: bool = False
    joins: list[tuple[str, str]] = field(default_factory=list)  # (AN, AE) per join


class _Fail(Exception):
    """Redirect to the back URL with ``ST=FAIL&RS=<reason>``."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def with_result(back_url: str, **result: str) -> str:
    """The back URL with Webex's answer added to whatever query it already has."""
    parts = urlsplit(back_url)
    extra = urlencode({key: value for key, value in result.items() if value})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


class FakeWebex(FakeServer):
    """A WSGI app; run it with ``conferencing.fakes.server.serve``."""

    modes = MODES
    max_body = MAX_BODY
    meeting_id_pattern = r"\d+"

    def __init__(
        self,
        *,
        site: str = "demo",
        time_zone: str = "UTC",
        clock: Callable[[], dt.datetime] | None = None,
        ticket_lifetime: dt.timedelta = dt.timedelta(minutes=5),
        seed: int | None = None,
    ) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", site):
            raise ValueError(f"a site name is letters, digits, - and _: {site!r}")
        self.site = site
        self.time_zone = time_zone
        self._tz = ZoneInfo(time_zone)
        self.clock = clock or _utcnow
        self.ticket_lifetime = ticket_lifetime
        self.mode = "ok"
        self.delay = 5.0
        self.requests: list[RecordedRequest] = []
        self.users: dict[str, FakeUser] = {}
        self.meetings: dict[str, FakeMeeting] = {}
        self.sessions: dict[str, str] = {}  # cookie value -> Webex ID
        self.tickets: dict[str, tuple[str, dt.datetime]] = {}  # ticket -> (Webex ID, expiry)
        self._random = random.Random(seed)
        self._lock = threading.RLock()
        self.add_user(DEMO_USER, DEMO_PASSWORD)

    # --- wiring ----------------------------------------------------------------

    def site_url(self, server_url: str) -> str:
        """The ``base_url`` for a backend: the server's URL and the site's path."""
        return f"{server_url.rstrip('/')}/{self.site}"

    def backend_options(self) -> dict[str, Any]:
        """Nothing beyond ``base_url=self.site_url(server.url)``: the URL API has no credentials."""
        return {}

    # --- test knobs ------------------------------------------------------------

    def add_user(self, webex_id: str, password: str = "", *, locked: bool = False) -> FakeUser:
        with self._lock:
            user = FakeUser(webex_id, password or secrets.token_urlsafe(12), locked)
            self.users[webex_id] = user
            return user

    def issue_ticket(self, webex_id: str) -> str:
        """A single-use login ticket for ``AT=LI&TK=``, valid for ``ticket_lifetime``."""
        with self._lock:
            if webex_id not in self.users:
                raise KeyError(webex_id)
            ticket = secrets.token_urlsafe(24)
            self.tickets[ticket] = (webex_id, self.clock() + self.ticket_lifetime)
            return ticket

    def set_live(self, key: str) -> None:
        with self._lock:
            meeting = self.meetings[key]
            meeting.live, meeting.ended = True, False

    def set_ended(self, key: str) -> None:
        with self._lock:
            meeting = self.meetings[key]
            meeting.live, meeting.ended = False, True

    def set_locked(self, key: str, locked: bool = True) -> None:
        with self._lock:
            self.meetings[key].locked = locked

    def joins(self, key: str) -> list[tuple[str, str]]:
        with self._lock:
            return list(self.meetings[key].joins)

    # --- WSGI ------------------------------------------------------------------

    def vendor_answer(self, environ: dict[str, Any], path: str) -> Answer:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("GET", "POST"):
            raise HTTPError(405, "GET or POST")
        query = form_params(environ.get("QUERY_STRING", ""))
        form = (
            form_params(read_body(environ, MAX_BODY).decode("latin-1")) if method == "POST" else {}
        )
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, form))
        garbage = self.misbehave("the Webex site")
        if garbage:
            return (*garbage, [])
        if path in ("/", f"/{self.site}", f"/{self.site}/"):
            return 200, HTML, self._page("Webex site", f"Welcome to {self.site}."), []
        page = path.removeprefix(f"/{self.site}/")
        if page not in PAGES.values():
            raise HTTPError(404, f"no such page: {path[:100]}")
        params = query | form
        command = params.get("AT", "").upper()
        if COMMANDS.get(command) is None or PAGES[COMMANDS[command]] != page:
            raise HTTPError(400, f"{page} does not take AT={command[:10]!r} in this fake")
        back_url = params.get("BU", "")
        if back_url:
            parts = urlsplit(back_url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise HTTPError(400, "BU must be an absolute http(s) URL")
        user = self._user(environ)
        with self._lock:
            try:
                result, cookie, go_to = getattr(self, f"_do_{command}")(params, user)
            except _Fail as exc:
                result, cookie, go_to = {"ST": "FAIL", "RS": str(exc)}, None, ""
        headers = [("Set-Cookie", cookie)] if cookie else []
        answer = {"AT": command, **result}
        if go_to:
            return 302, TEXT, b"", [*headers, ("Location", go_to)]
        if back_url:
            return 302, TEXT, b"", [*headers, ("Location", with_result(back_url, **answer))]
        text = ", ".join(f"{key}={value}" for key, value in answer.items())
        return 200, HTML, self._page("Webex", text), headers

    def _user(self, environ: dict[str, Any]) -> str:
        """The Webex ID the browser's session cookie belongs to, or ""."""
        cookies: SimpleCookie = SimpleCookie()
        try:
            cookies.load(environ.get("HTTP_COOKIE", ""))
        except CookieError:
            return ""
        morsel = cookies.get(COOKIE)
        with self._lock:
            return self.sessions.get(morsel.value, "") if morsel else ""

    def _cookie(self, value: str, *, clear: bool = False) -> str:
        age = "; Max-Age=0" if clear else ""
        return f"{COOKIE}={value}; Path=/{self.site}/; HttpOnly; SameSite=Lax{age}"

    @staticmethod
    def _page(title: str, text: str) -> bytes:
        return (
            f"<!DOCTYPE html><title>{html.escape(title)}</title><p>{html.escape(text)}</p>"
        ).encode()

    # --- the commands: each answers (result, Set-Cookie or None, redirect or "") -----

    def _do_LI(self, params: dict[str, str], current: str) -> tuple[dict, str | None, str]:
        go_to = params.get("MU", "")  # where to go once logged in; "GoBack": the back URL
        if go_to == "GoBack":
            go_to = ""
        elif go_to and not urlsplit(go_to).path.startswith(f"/{self.site}/"):
            raise HTTPError(400, "MU must be a page of this site, or GoBack")
        user = self.users.get(params.get("WID", "").strip())
        if current:
            raise _Fail("AlreadyLogon")
        if user is None:
            raise _Fail("AccessDenied")
        if user.locked:
            raise _Fail("AccountLocked")
        ticket = params.get("TK", "")
        if ticket:
            owner, expires = self.tickets.pop(ticket, ("", self.clock()))
            if not _same(owner, user.webex_id) or self.clock() >= expires:
                raise _Fail("InvalidTicket")
        elif not _same(params.get("PW", ""), user.password):
            raise _Fail("AccessDenied")
        token = secrets.token_urlsafe(24)
        self.sessions[token] = user.webex_id
        return {"ST": "SUCCESS"}, self._cookie(token), go_to

    def _do_LO(self, params: dict[str, str], current: str) -> tuple[dict, str | None, str]:
        for token, webex_id in list(self.sessions.items()):
            if webex_id == current:
                del self.sessions[token]
        return {"ST": "SUCCESS"}, self._cookie("", clear=True), ""

    def _do_SM(self, params: dict[str, str], current: str) -> tuple[dict, str | None, str]:
        if not current:
            raise _Fail("AccessDenied")
        topic = params.get("MN", "").strip()
        fields = [params.get(name, "") for name in ("YE", "MO", "DA", "HO", "MI", "DU")]
        if not topic or not all(_INTEGER.fullmatch(value) for value in fields):
            raise _Fail("InvalidDataFormat")
        year, month, day, hour, minute, minutes = (int(value) for value in fields)
        try:
            start = dt.datetime(year, month, day, hour, minute, tzinfo=self._tz)
        except ValueError:
            raise _Fail("InvalidDataFormat") from None
        if minutes <= 0:
            raise _Fail("InvalidDataFormat")
        key = self._new_key()
        self.meetings[key] = FakeMeeting(
            key=key,
            host=current,
            topic=topic,
            start=start,
            minutes=minutes,
            password=params.get("PW", ""),
        )
        return {"ST": "SUCCESS", "MK": key}, None, ""

    def _do_HM(self, params: dict[str, str], current: str) -> tuple[dict, str | None, str]:
        if not current:
            raise _Fail("AccessDenied")
        meeting = self.meetings.get(params.get("MK", "").strip())
        if meeting is None:
            raise _Fail("InvalidMeetingKey")
        if meeting.host != current:
            raise _Fail("AccessDenied")
        meeting.live, meeting.ended = True, False
        return {"ST": "SUCCESS", "MK": meeting.key}, None, ""

    def _do_JM(self, params: dict[str, str], current: str) -> tuple[dict, str | None, str]:
        meeting = self.meetings.get(params.get("MK", "").strip())
        if meeting is None:
            raise _Fail("InvalidMeetingKey")
        if meeting.password and not _same(params.get("PW", ""), meeting.password):
            raise _Fail("InvalidMeetingKeyOrPassword")
        if not meeting.live or meeting.ended:
            raise _Fail("MeetingNotInProgress")
        if meeting.locked:
            raise _Fail("MeetingLocked")
        meeting.joins.append((params.get("AN", ""), params.get("AE", "")))
        return {"ST": "SUCCESS", "MK": meeting.key}, None, ""

    def _do_LM(self, params: dict[str, str], current: str) -> tuple[dict, str | None, str]:
        """The signed-in host's meetings: a page on Webex (here, their keys)."""
        if not current:
            raise _Fail("AccessDenied")
        keys = sorted(key for key, meeting in self.meetings.items() if meeting.host == current)
        return {"ST": "SUCCESS", "MK": " ".join(keys)}, None, ""

    def _new_key(self) -> str:
        while True:
            key = str(self._random.randint(100_000_000, 9_999_999_999))  # 9 or 10 digits
            if key not in self.meetings:
                return key

    # --- control endpoints (JSON) for browser tests and the demo --------------

    def go_live(self, meeting_id: str, data: dict[str, Any]) -> None:
        self.set_live(meeting_id)  # a Webex site says nothing of who is in a meeting

    def control_actions(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {"/_fake/tickets": self._ticket}

    def _ticket(self, data: dict[str, Any]) -> dict[str, Any]:
        try:
            return {"ticket": self.issue_ticket(str(data.get("webex_id", "")))}
        except KeyError:
            raise HTTPError(404, "unknown Webex ID") from None

    def snapshot(self) -> dict[str, Any]:
        """Everything but passwords, tickets and session cookies, JSON-ready."""
        with self._lock:
            meetings = {
                key: {
                    "topic": meeting.topic,
                    "host": meeting.host,
                    "start": meeting.start.isoformat(),
                    "minutes": meeting.minutes,
                    "state": "ended" if meeting.ended else "live" if meeting.live else "scheduled",
                    "locked": meeting.locked,
                    "joins": [{"name": name, "email": email} for name, email in meeting.joins],
                }
                for key, meeting in self.meetings.items()
            }
            return {
                "site": self.site,
                "mode": self.mode,
                "delay": self.delay,
                "now": self.clock().isoformat(),
                "users": sorted(self.users),
                "signed_in": sorted(set(self.sessions.values())),
                "meetings": meetings,
                "request_count": len(self.requests),
            }


# What `make run`, the contract tests and the demo data use (conferencing/fakes/__init__.py).
Fake = FakeWebex
DEMO: dict[str, str] = {}
PORT = 8903


def main(argv: list[str] | None = None) -> int:
    parser = arguments("Run a fake Webex Meetings site (URL API).", port=PORT, latency=False)
    parser.add_argument("--site", default="demo")
    parser.add_argument("--time-zone", default="UTC")
    args = parser.parse_args(argv)

    fake = FakeWebex(site=args.site, time_zone=args.time_zone)
    return run_fake(
        fake,
        args,
        describe=lambda server: [
            f"fake Webex site at {fake.site_url(server.url)}",
            f"demo user: {DEMO_USER} / {DEMO_PASSWORD}",
            f'login tickets: POST {server.url}/_fake/tickets {{"webex_id": "{DEMO_USER}"}}',
        ],
    )


if __name__ == "__main__":
    raise SystemExit(main())
