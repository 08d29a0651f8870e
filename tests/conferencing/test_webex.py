"""Webex URL API: links built by the backend, followed by a browser against the fake site.

A ``requests.Session`` plays the browser: it keeps the Webex cookie and follows
Webex's redirect to the back URL, which is a tiny stand-in for the portal's
view. What lands there is read with ``parse_back_url``, as the portal would.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
from collections.abc import Iterator
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import requests

from conferencing.base import (
    Account,
    MeetingKind,
    MeetingRequest,
    Participant,
    ServerRefused,
    ServerUnavailable,
    Unsupported,
    make_backend,
)
from conferencing.fakes.server import RunningServer, serve
from conferencing.fakes.webex import DEMO_PASSWORD, DEMO_USER, FakeWebex
from conferencing.webex import Webex, WebexResult, parse_back_url
from conferencing.webex.launch import redact
from conferencing.webex.results import UNKNOWN_REASON

START = dt.datetime(2030, 3, 5, 15, 0, tzinfo=dt.UTC)


@pytest.fixture
def site(clock) -> FakeWebex:
    return FakeWebex(clock=clock, seed=7)


@pytest.fixture
def site_server(site: FakeWebex) -> Iterator[RunningServer]:
    with serve(site) as running:
        yield running


@pytest.fixture
def portal() -> Iterator[RunningServer]:
    """Where Webex sends the browser back: answers 200 to anything."""

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"back at the portal"]

    with serve(app) as running:
        yield running


@pytest.fixture
def back_url(portal: RunningServer) -> str:
    return portal.url + "/webex/back?next=%2Fdashboard%2F"


@pytest.fixture
def webex(site: FakeWebex, site_server: RunningServer, back_url: str) -> Iterator[Webex]:
    backend = make_backend(
        "webex",
        base_url=site.site_url(site_server.url),
        back_url=back_url,
        read_timeout=1.0,
        **site.backend_options(),
    )
    yield backend
    backend.close()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def open_link(session: requests.Session, url: str, portal: RunningServer) -> WebexResult:
    """Open a Webex link and read the answer off the back URL the browser ends up on."""
    response = session.get(url, timeout=2)
    assert response.status_code == 200, response.text
    assert response.url.startswith(portal.url + "/webex/back?"), response.url
    return parse_back_url(dict(parse_qsl(urlsplit(response.url).query)))


def meeting(**changes) -> MeetingRequest:
    values = {
        "kind": MeetingKind.MEETING,
        "topic": "Quarterly review",
        "host_email": "host@acme.example",
        "start": START,
        "end": START + dt.timedelta(minutes=45),
        "password": "s3cret",
    }
    return MeetingRequest(**(values | changes))


def log_in(webex, site, session, portal, back_url) -> None:
    ticket = site.issue_ticket(DEMO_USER)
    result = open_link(
        session, webex.login_url(DEMO_USER, ticket=ticket, back_url=back_url), portal
    )
    assert (result.command, result.ok) == ("LI", True)


def schedule(webex, session, portal, back_url, **changes) -> str:
    result = open_link(session, webex.schedule_url(meeting(**changes), back_url), portal)
    assert (result.command, result.ok) == ("SM", True), result
    return result.meeting_key


# --- what the backend declares ----------------------------------------------------


def test_is_registered_and_needs_no_credentials():
    backend = make_backend("webex", base_url="https://acme.webex.com/acme")
    assert isinstance(backend, Webex)
    assert backend.name == "webex"


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda b: b.schedule_meeting(meeting()), "schedule_url"),
        (lambda b: b.meeting_status("123456789"), "live"),
        (lambda b: b.stop_meeting("123456789"), "ending"),
        (lambda b: b.cancel_meeting("123456789"), "cancelling"),
        (lambda b: b.create_account(Account("Acme", "a@acme.example", 1, 10)), "accounts"),
        (lambda b: b.update_account(Account("Acme", "a@acme.example", 1, 10, "x")), "accounts"),
        (lambda b: b.delete_account("x"), "accounts"),
        (lambda b: b.query_account("x"), "accounts"),
    ],
)
def test_what_the_url_api_cannot_do_is_unsupported_with_a_reason(call, words):
    backend = Webex("https://acme.webex.com/acme")
    with pytest.raises(Unsupported, match=words):
        call(backend)
    assert backend.reserve_meeting_id(account_id="c", user_id="u") == ""


@pytest.mark.parametrize(
    "changes",
    [{"kind": MeetingKind.WEBINAR}, {"is_recurring": True, "start": None, "end": None}],
)
def test_only_single_meetings_can_be_scheduled(changes):
    with pytest.raises(Unsupported):
        Webex("https://acme.webex.com/acme").schedule_url(meeting(**changes), "")


@pytest.mark.parametrize(
    "base_url",
    ["https://acme.webex.com", "https://acme.webex.com/", "acme.webex.com/acme", "ftp://x/acme"],
)
def test_the_site_url_must_name_the_site(base_url):
    with pytest.raises(ValueError, match="site"):
        Webex(base_url)


def test_importing_the_backend_and_its_fake_imports_no_django():
    code = (
        "import sys, conferencing.webex, conferencing.fakes.webex; "
        "sys.exit('django' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- a host's and an attendee's round trip ------------------------------------------


def test_login_schedule_host_and_join_round_trip(site, webex, session, portal, back_url):
    log_in(webex, site, session, portal, back_url)

    key = schedule(webex, session, portal, back_url)
    assert key.isdigit() and 9 <= len(key) <= 10
    scheduled = site.meetings[key]
    assert (scheduled.topic, scheduled.start, scheduled.minutes) == ("Quarterly review", START, 45)
    assert scheduled.host == DEMO_USER

    ada = Participant(name="Ada Lovelace", email="ada@example.com")
    join = webex.join_url(key, ada, password="s3cret")
    with requests.Session() as attendee:  # another person's session, not logged in to Webex
        early = open_link(attendee, join, portal)
        assert (early.command, early.ok, early.reason) == ("JM", False, "MeetingNotInProgress")
        assert early.message == "The meeting has not started yet."

        started = open_link(session, webex.start_url(key, Participant(host=True)), portal)
        assert (started.command, started.ok, started.meeting_key) == ("HM", True, key)

        no_password = open_link(attendee, webex.join_url(key, ada), portal)
        assert no_password.reason == "InvalidMeetingKeyOrPassword"
        joined = open_link(attendee, join, portal)
        assert (joined.command, joined.ok, joined.meeting_key) == ("JM", True, key)
    assert site.joins(key) == [("Ada Lovelace", "ada@example.com")]
    sent = site.requests[-1]
    assert (sent.query["AT"], sent.query["AN"], sent.query["AE"]) == (
        "JM",
        "Ada Lovelace",
        "ada@example.com",
    )


def test_the_back_url_keeps_its_own_query(site, webex, session, portal, back_url):
    log_in(webex, site, session, portal, back_url)
    response = session.get(webex.schedule_url(meeting(), back_url), timeout=2)
    query = parse_qs(urlsplit(response.url).query)
    assert query["next"] == ["/dashboard/"]
    assert query["AT"] == ["SM"] and query["ST"] == ["SUCCESS"] and len(query["MK"]) == 1


def test_scheduled_meeting_from_the_back_url(site, webex, session, portal, back_url):
    log_in(webex, site, session, portal, back_url)
    result = open_link(session, webex.schedule_url(meeting(), back_url), portal)
    scheduled = webex.scheduled_meeting(meeting(), result)
    assert scheduled.meeting_id == result.meeting_key
    assert (scheduled.topic, scheduled.start) == ("Quarterly review", START)
    assert f"MK={result.meeting_key}" in scheduled.join_url
    refused = WebexResult(command="SM", ok=False, reason="AccessDenied", message="x")
    with pytest.raises(ServerRefused, match="AccessDenied"):
        webex.scheduled_meeting(meeting(), refused)


def test_times_are_sent_in_the_site_time_zone_and_minutes_round_up(clock, portal, back_url):
    site = FakeWebex(clock=clock, time_zone="America/New_York")
    with serve(site) as server, requests.Session() as session:
        webex = Webex(site.site_url(server.url), time_zone="America/New_York")
        log_in(webex, site, session, portal, back_url)
        request = meeting(end=START + dt.timedelta(minutes=90, seconds=1))
        url = webex.schedule_url(request, back_url)
        query = parse_qs(urlsplit(url).query)
        assert (query["HO"], query["MI"], query["DU"]) == (["10"], ["0"], ["91"])  # EST, UTC-5
        key = open_link(session, url, portal).meeting_key
        assert site.meetings[key].start == START


def test_a_login_can_lead_straight_to_starting_the_meeting(site, webex, session, portal, back_url):
    log_in(webex, site, session, portal, back_url)
    key = schedule(webex, session, portal, back_url)
    assert open_link(session, webex.logout_url(back_url), portal).ok

    ticket = site.issue_ticket(DEMO_USER)
    url = webex.login_url(DEMO_USER, ticket=ticket, back_url=back_url, then=webex.host_url(key))
    result = open_link(session, url, portal)
    assert (result.command, result.ok, result.meeting_key) == ("HM", True, key)
    assert site.meetings[key].live


# --- logging in ----------------------------------------------------------------------


def test_an_expired_or_reused_ticket_is_refused(site, webex, session, portal, back_url, clock):
    ticket = site.issue_ticket(DEMO_USER)
    clock.advance(minutes=5)
    expired = open_link(
        session, webex.login_url(DEMO_USER, ticket=ticket, back_url=back_url), portal
    )
    assert (expired.command, expired.ok, expired.reason) == ("LI", False, "InvalidTicket")
    assert "expired" in expired.message

    ticket = site.issue_ticket(DEMO_USER)
    assert open_link(
        session, webex.login_url(DEMO_USER, ticket=ticket, back_url=back_url), portal
    ).ok
    assert open_link(session, webex.logout_url(back_url), portal).ok
    reused = open_link(
        session, webex.login_url(DEMO_USER, ticket=ticket, back_url=back_url), portal
    )
    assert reused.reason == "InvalidTicket"


def test_a_ticket_wins_over_a_password_and_passwords_are_redacted(webex, back_url):
    url = webex.login_url(DEMO_USER, ticket="t1", password="hunter2", back_url=back_url)
    assert "hunter2" not in url and parse_qs(urlsplit(url).query)["TK"] == ["t1"]
    with_password = webex.login_url(DEMO_USER, password="hunter2", back_url=back_url)
    assert "hunter2" in with_password
    assert "hunter2" not in redact(with_password) and "PW=%2A%2A%2A" in redact(with_password)
    with pytest.raises(ValueError, match="ticket"):
        webex.login_url(DEMO_USER, back_url=back_url)


def test_a_password_login_by_post_keeps_it_out_of_the_url(site, webex, session, portal, back_url):
    form = webex.login_form(DEMO_USER, password="wrong", back_url=back_url)
    denied = session.post(form.action, data=form.fields, timeout=2)
    result = parse_back_url(dict(parse_qsl(urlsplit(denied.url).query)))
    assert (result.command, result.ok, result.reason) == ("LI", False, "AccessDenied")
    assert result.message == "Webex did not accept that Webex ID or password."

    form = webex.login_form(DEMO_USER, password=DEMO_PASSWORD, back_url=back_url)
    response = session.post(form.action, data=form.fields, timeout=2)
    assert parse_back_url(dict(parse_qsl(urlsplit(response.url).query))).ok
    sent = site.requests[-1]
    assert sent.method == "POST" and "PW" not in sent.query and sent.form["PW"] == DEMO_PASSWORD
    assert DEMO_PASSWORD not in response.url


def test_locked_accounts_and_second_logins(site, webex, session, portal, back_url):
    site.add_user("locked-host", "pw", locked=True)
    locked = open_link(
        session,
        webex.login_url("locked-host", ticket=site.issue_ticket("locked-host"), back_url=back_url),
        portal,
    )
    assert (locked.reason, locked.message) == (
        "AccountLocked",
        "Your Webex account is locked; ask your Webex site administrator.",
    )
    log_in(webex, site, session, portal, back_url)
    again = webex.login_url(DEMO_USER, ticket=site.issue_ticket(DEMO_USER), back_url=back_url)
    assert open_link(session, again, portal).reason == "AlreadyLogon"


def test_scheduling_or_hosting_without_a_login_is_denied(site, webex, session, portal, back_url):
    result = open_link(session, webex.schedule_url(meeting(), back_url), portal)
    assert (result.command, result.ok, result.reason) == ("SM", False, "AccessDenied")
    assert "sign in to Webex" in result.message and not site.meetings

    log_in(webex, site, session, portal, back_url)
    key = schedule(webex, session, portal, back_url)
    assert open_link(session, webex.logout_url(back_url), portal).ok
    hosted = open_link(session, webex.host_url(key, back_url), portal)
    assert (hosted.command, hosted.reason) == ("HM", "AccessDenied")
    assert not site.meetings[key].live


# --- joining ---------------------------------------------------------------------------


def test_join_failures_in_words(site, webex, session, portal, back_url):
    log_in(webex, site, session, portal, back_url)
    key = schedule(webex, session, portal, back_url, password="")
    guest = Participant(name="Guest")
    unknown = open_link(session, webex.join_url("999 999 999", guest), portal)
    assert (unknown.reason, unknown.message) == (
        "InvalidMeetingKey",
        "There is no meeting with that number.",
    )
    site.set_live(key)
    site.set_locked(key)
    assert open_link(session, webex.join_url(key, guest), portal).reason == "MeetingLocked"
    site.set_locked(key, False)
    assert open_link(session, webex.join_url(key, guest), portal).ok
    site.set_ended(key)
    ended = open_link(session, webex.join_url(key, guest), portal)
    assert ended.reason == "MeetingNotInProgress"


# --- nothing a person types escapes its parameter -----------------------------------


def test_topic_and_names_stay_inside_their_parameters(site, webex, session, portal, back_url):
    topic = "Q&A\r\nSet-Cookie: x=1&PW=stolen&BU=https://evil.example/#"
    url = webex.schedule_url(meeting(topic=topic, password="pw&MK=1"), back_url)
    assert "\r" not in url and "\n" not in url and "evil.example" not in urlsplit(url).netloc
    query = parse_qs(urlsplit(url).query)
    assert query["MN"] == ["Q&A Set-Cookie: x=1&PW=stolen&BU=https://evil.example/#"]
    assert query["PW"] == ["pw&MK=1"] and query["BU"] == [back_url]
    assert all(len(values) == 1 for values in query.values())

    log_in(webex, site, session, portal, back_url)
    key = open_link(session, url, portal).meeting_key
    assert site.meetings[key].topic == query["MN"][0]

    site.set_live(key)
    who = Participant(name="Eve&AE=boss@example.com\r\nX-Evil: 1", email="eve@example.com")
    join = webex.join_url(key, who, password="pw&MK=1")
    query = parse_qs(urlsplit(join).query)
    assert query["AE"] == ["eve@example.com"] and query["MK"] == [key]
    assert query["AN"] == ["Eve&AE=boss@example.com X-Evil: 1"] and query["PW"] == ["pw&MK=1"]
    assert open_link(session, join, portal).ok
    assert site.joins(key) == [("Eve&AE=boss@example.com X-Evil: 1", "eve@example.com")]


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "/relative/back", "https://p.example/a b", "https://x/\r\n"]
)
def test_back_urls_must_be_absolute_http_urls(webex, bad):
    with pytest.raises(ValueError, match="back URL"):
        webex.host_url("123456789", bad)


@pytest.mark.parametrize("key", ["12345678a", "123&AT=LO", "", "1" * 13])
def test_meeting_keys_are_digits(webex, key):
    with pytest.raises(ValueError, match="digits"):
        webex.join_url(key, Participant(name="x"))


# --- reading the back URL never fails -----------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"AT": "SM"},
        {"ST": "SUCCESS"},
        {"AT": "<script>", "ST": "SUCCESS"},
        {"AT": "JM", "ST": "MAYBE"},
        {"AT": "SM", "ST": "SUCCESS"},
        {"AT": "SM", "ST": "SUCCESS", "MK": "12;DROP TABLE"},
        {"AT": ["SM", "JM"], "ST": ["SUCCESS"]},
        {"AT": None, "ST": 3, "RS": object()},
        {"AT": "JM", "ST": "FAIL"},
    ],
)
def test_garbage_on_the_back_url_is_a_failure_with_words(query):
    result = parse_back_url(query)
    assert result.ok is False
    assert result.message and "<" not in result.message
    assert result.meeting_key == "" or result.meeting_key.isdigit()


def test_unknown_reasons_are_kept_as_plain_text_and_not_put_into_sentences():
    """The message is a message id the portal translates (never a sentence built around
    the reason); the reason, cut to plain characters, is for the log."""
    result = parse_back_url({"AT": "JM", "ST": "FAIL", "RS": "<img src=x onerror=alert(1)>Quota"})
    assert result.reason == "img srcx onerroralert1Quota"
    assert result.message == UNKNOWN_REASON and "Quota" not in result.message
    assert parse_back_url({"AT": "JM", "ST": "FAIL", "RS": "x" * 500}).reason == "x" * 80
    plain = parse_back_url({"AT": "jm", "ST": "fail", "RS": "MeetingNotInProgress"})
    assert plain == WebexResult(
        command="JM",
        ok=False,
        reason="MeetingNotInProgress",
        message="The meeting has not started yet.",
    )
    assert Webex.parse_back_url({"AT": "LO", "ST": "SUCCESS"}).ok


# --- the site as a server: ping, modes, knobs, CLI ------------------------------------


def test_ping_and_the_fakes_modes(site, site_server, webex):
    webex.ping()
    site.mode = "down"
    with pytest.raises(ServerUnavailable, match="HTTP 503"):
        webex.ping()
    site.mode, site.delay = "slow", 1.0
    fast = Webex(site.site_url(site_server.url), read_timeout=0.2)
    with pytest.raises(ServerUnavailable):
        fast.ping()
    fast.close()


def test_ping_a_closed_port(closed_port):
    with pytest.raises(ServerUnavailable, match="could not connect"):
        Webex(f"http://127.0.0.1:{closed_port}/demo", connect_timeout=0.5).ping()


def test_control_endpoints(site, site_server, webex, session, portal, back_url):
    ticket = requests.post(
        site_server.url + "/_fake/tickets", json={"webex_id": DEMO_USER}, timeout=2
    ).json()["ticket"]
    assert open_link(
        session, webex.login_url(DEMO_USER, ticket=ticket, back_url=back_url), portal
    ).ok
    key = schedule(webex, session, portal, back_url)
    live = requests.post(f"{site_server.url}/_fake/meetings/{key}/live", timeout=2).json()
    assert live["state"] == "live"
    end = requests.post(f"{site_server.url}/_fake/meetings/{key}/end", timeout=2).json()
    assert end["state"] == "ended"
    assert requests.post(site_server.url + "/_fake/meetings/1/live", timeout=2).status_code == 404

    mode = requests.post(site_server.url + "/_fake/mode", json={"mode": "garbage"}, timeout=2)
    assert mode.json()["mode"] == "garbage"
    page = session.get(webex.schedule_url(meeting(), back_url), timeout=2)
    assert page.status_code == 200 and page.url.startswith(site_server.url)  # no way back
    bad = requests.post(site_server.url + "/_fake/mode", json={"mode": "sideways"}, timeout=2)
    assert bad.status_code == 400
    state = requests.get(site_server.url + "/_fake/state", timeout=2).json()
    assert state["signed_in"] == [DEMO_USER] and key in state["meetings"]
    assert "password" not in str(state) and ticket not in str(state)


def test_the_cli_serves_a_site_and_prints_the_demo_user(fake_process):
    process = fake_process("conferencing.fakes.webex", "--site", "acme")
    first, second = process.stdout.readline(), process.stdout.readline()
    site_url = first.rsplit(" ", 1)[-1].strip()
    assert site_url.endswith("/acme") and DEMO_USER in second
    Webex(site_url).ping()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0
