"""The TrueConf backend over real HTTP, against the fake server (or a fixed-answer stub)."""

import datetime as dt
import json
import logging
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator

import pytest
import requests

from conferencing.base import (
    Account,
    BadServerResponse,
    CredentialsRefused,
    MeetingKind,
    MeetingRequest,
    MeetingRunning,
    OutcomeUnknown,
    Participant,
    ServerRefused,
    ServerUnavailable,
    Unsupported,
    backend_class,
    make_backend,
)
from conferencing.fakes.server import RunningServer, serve
from conferencing.fakes.trueconf import FakeTrueConf
from conferencing.trueconf import TrueConf
from conferencing.trueconf.client import API

T0 = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)  # the conftest clock's start
CONFERENCES = f"{API}/conferences"


def one_off(**changes) -> MeetingRequest:
    values = {
        "kind": MeetingKind.MEETING,
        "topic": 'Quarterly review & "budget" <b>',
        "host_email": "helen@acme.example",
        "start": T0 + dt.timedelta(hours=1),
        "end": T0 + dt.timedelta(hours=2, minutes=30),
        "max_participants": 25,
    }
    return MeetingRequest(**(values | changes))


@pytest.fixture
def tc_fake(clock) -> FakeTrueConf:
    return FakeTrueConf(clock=clock, token_lifetime=3600)


@pytest.fixture
def tc_server(tc_fake: FakeTrueConf) -> Iterator[RunningServer]:
    with serve(tc_fake) as running:
        yield running


@pytest.fixture
def make_tc(tc_fake, clock, make_backend) -> Callable[..., TrueConf]:
    """Backends with the fake's credentials, short timeouts, no real sleeping, and the
    tests' clock (so a token expires for the fake and the backend at the same moment)."""
    ticking = {"clock": lambda: clock.now.timestamp()}
    return lambda url, **options: make_backend(
        TrueConf, url, **(tc_fake.backend_options() | ticking | options)
    )


@pytest.fixture
def tc(tc_server, make_tc) -> TrueConf:
    return make_tc(tc_server.url)


def api_calls(fake: FakeTrueConf, method: str | None = None, path: str | None = None):
    return [
        r
        for r in fake.api_requests()
        if (method is None or r.method == method) and (path is None or r.path == path)
    ]


# --- registry, construction, links ----------------------------------------------


def test_is_registered_by_name(tc_fake):
    assert backend_class("trueconf") is TrueConf
    backend = make_backend("trueconf", base_url="http://tc.example", **tc_fake.backend_options())
    assert isinstance(backend, TrueConf)
    # tests/conferencing/test_contract.py runs what each declared capability promises.
    backend.close()


def test_accounts_are_unsupported_and_ids_come_with_the_conference():
    backend = TrueConf("http://tc.example", client_id="i", client_secret="s")
    account = Account("Acme", "ops@acme.example", 1, 10)
    for call in (
        lambda: backend.create_account(account),
        lambda: backend.update_account(account),
        lambda: backend.delete_account("c"),
        lambda: backend.query_account("c"),
    ):
        with pytest.raises(Unsupported, match="users, not customer accounts"):
            call()
    assert backend.reserve_meeting_id(account_id="c", user_id="u") == ""


def test_conferencing_never_imports_django():
    code = (
        "import sys, conferencing.base, conferencing.fakes.trueconf; "
        "conferencing.base.backend_class('trueconf'); "
        "sys.exit('django' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_refuses_a_url_that_is_not_http():
    with pytest.raises(ValueError, match="http"):
        TrueConf("tc.example", client_id="i", client_secret="s")
    with pytest.raises(ValueError, match="http"):
        TrueConf("http://tc.example", client_id="i", client_secret="s", web_url="tc.example")


def test_links_are_built_without_asking_the_server(tc, tc_fake, tc_server, make_tc):
    host = Participant(email="helen@acme.example", host=True)
    assert tc.join_url("4219111751", Participant(name="Ada")) == (
        f"{tc_server.url}/webrtc/4219111751"
    )
    assert tc.start_url("4219111751", host) == f"{tc_server.url}/webrtc/4219111751"
    assert tc.join_url("a/b c", Participant()) == f"{tc_server.url}/webrtc/a%2Fb%20c"
    public = make_tc(tc_server.url, web_url="https://video.acme.example/")
    assert public.join_url("42", Participant()) == "https://video.acme.example/webrtc/42"
    assert tc_fake.requests == []
    with pytest.raises(ValueError):
        tc.join_url("", Participant())


def test_owner_is_the_host_emails_local_part():
    assert TrueConf.owner_id("helen@acme.example") == "helen"
    assert TrueConf.owner_id("helen") == "helen"


# --- scheduling ------------------------------------------------------------------


def test_schedule_creates_a_one_time_conference_owned_by_the_host(tc, tc_fake, tc_server):
    meeting = tc.schedule_meeting(one_off())
    assert meeting.meeting_id in tc_fake.conferences
    assert meeting.topic == one_off().topic
    assert meeting.start == T0 + dt.timedelta(hours=1)
    # The server's own web client link, from its answer.
    assert meeting.join_url == f"{tc_server.url}/webrtc/{meeting.meeting_id}"

    [create] = api_calls(tc_fake, "POST", CONFERENCES)
    assert create.query == {}  # the token travels in a header, out of URLs and logs
    assert create.body == {
        "topic": one_off().topic,
        "type": 0,
        "owner": "helen",
        "schedule": {
            "type": 1,
            "start_time": int((T0 + dt.timedelta(hours=1)).timestamp()),
            "duration": 90 * 60,
            "time_offset": 0,
        },
        "invitations": [{"id": "helen"}],
        "allow_guests": True,
        "auto_invite": 0,
        "max_participants": 25,
    }
    conference = tc_fake.conferences[meeting.meeting_id]
    assert conference.owner == "helen@trueconf.example"  # the server's TrueConf ID


def test_kinds_map_to_conference_modes(tc, tc_fake):
    webinar = tc.schedule_meeting(one_off(kind=MeetingKind.WEBINAR))
    video = tc.schedule_meeting(one_off(kind=MeetingKind.VIDEO_CONFERENCE))
    assert tc_fake.conferences[webinar.meeting_id].type == 1  # asymmetric: a presenter, an audience
    assert tc_fake.conferences[video.meeting_id].type == 0  # all on screen
    requests_before = len(tc_fake.requests)
    for kind in (MeetingKind.SUPPORT, MeetingKind.REMOTE_ACCESS):
        with pytest.raises(Unsupported, match=kind.name):
            tc.schedule_meeting(one_off(kind=kind))
    assert len(tc_fake.requests) == requests_before


def test_a_recurring_meeting_is_a_permanent_room(tc, tc_fake):
    meeting = tc.schedule_meeting(
        one_off(is_recurring=True, start=None, end=None, max_participants=0)
    )
    assert tc_fake.conferences[meeting.meeting_id].schedule == {"type": -1}
    assert meeting.start is None
    # 0 participants means the server's default: the field is left out.
    assert "max_participants" not in api_calls(tc_fake, "POST", CONFERENCES)[-1].body


def test_bad_times_are_refused_before_anything_is_sent(tc, tc_fake):
    with pytest.raises(ValueError, match="start and an end"):
        tc.schedule_meeting(one_off(end=None))
    with pytest.raises(ValueError, match="naive"):
        tc.schedule_meeting(one_off(start=dt.datetime(2030, 1, 1), end=dt.datetime(2030, 1, 2)))
    with pytest.raises(ValueError, match="after it starts"):
        tc.schedule_meeting(one_off(end=T0))
    assert tc_fake.requests == []


def test_schedule_with_a_meeting_id_updates_it_in_place(tc, tc_fake):
    meeting_id = tc.schedule_meeting(one_off()).meeting_id
    again = tc.schedule_meeting(
        one_off(meeting_id=meeting_id, topic="Renamed", kind=MeetingKind.WEBINAR)
    )
    assert again.meeting_id == meeting_id
    assert len(tc_fake.conferences) == 1
    conference = tc_fake.conferences[meeting_id]
    assert (conference.topic, conference.type) == ("Renamed", 1)
    [put] = api_calls(tc_fake, "PUT", f"{CONFERENCES}/{meeting_id}")
    assert put.body["topic"] == "Renamed"


def test_a_change_to_a_running_conference_is_not_sent(tc, tc_fake):
    """Only its description may change (the portal sends none): the client reads the
    conference first and sends nothing the server would refuse."""
    meeting_id = tc.schedule_meeting(one_off()).meeting_id
    tc_fake.set_live(meeting_id, attendees=3)
    with pytest.raises(MeetingRunning) as caught:
        tc.schedule_meeting(one_off(meeting_id=meeting_id, topic="Renamed"))
    assert caught.value.reason == "conferenceIsRunning"
    assert tc_fake.conferences[meeting_id].topic == one_off().topic
    assert api_calls(tc_fake, "PUT", f"{CONFERENCES}/{meeting_id}") == []


def test_a_running_conference_that_holds_the_request_already_is_left_alone(tc, tc_fake):
    """A change of what TrueConf does not keep (the portal's password) sends nothing."""
    meeting_id = tc.schedule_meeting(one_off()).meeting_id
    tc_fake.set_live(meeting_id, attendees=3)
    again = tc.schedule_meeting(one_off(meeting_id=meeting_id, password="changed"))
    assert again.meeting_id == meeting_id and again.join_url.endswith(f"/webrtc/{meeting_id}")
    assert api_calls(tc_fake, "PUT", f"{CONFERENCES}/{meeting_id}") == []


def test_the_servers_own_link_is_the_join_link(tc, tc_fake):
    """The web client link at the server's public address, not one built from the API's."""
    tc_fake.public_url = "https://video.acme.example"
    scheduled = tc.schedule_meeting(one_off())
    assert scheduled.join_url == f"https://video.acme.example/webrtc/{scheduled.meeting_id}"


def test_unknown_conferences_are_refused_with_the_servers_reason(tc, tc_fake):
    for call in (
        lambda: tc.meeting_status("55765028992"),
        lambda: tc.schedule_meeting(one_off(meeting_id="55765028992")),
        lambda: tc.stop_meeting("55765028992"),
        lambda: tc.run_conference("55765028992"),
    ):
        with pytest.raises(ServerRefused) as caught:
            call()
        assert caught.value.reason == "conferenceNotFound"
        assert caught.value.status == "404"
        assert not isinstance(caught.value, CredentialsRefused)
        assert "Conference '55765028992' is not found." in caught.value.__notes__


def test_cancel_deletes_the_conference(tc, tc_fake):
    meeting_id = tc.schedule_meeting(one_off()).meeting_id
    tc.cancel_meeting(meeting_id)
    assert tc_fake.conferences == {}
    assert api_calls(tc_fake)[-1][:2] == ("DELETE", f"{CONFERENCES}/{meeting_id}")


@pytest.mark.parametrize("mode", ["late", "reset"])
def test_a_cancel_resent_after_its_answer_was_lost_is_done(tc_server, tc_fake, make_tc, mode):
    """The first delete went through; the resent one finds nothing to delete, and that is
    the outcome wanted, not a refusal that would leave the meeting failed."""
    backend = make_tc(tc_server.url, read_timeout=0.2)
    meeting_id = backend.schedule_meeting(one_off()).meeting_id
    tc_fake.mode, tc_fake.delay = mode, 1.0
    with pytest.raises(OutcomeUnknown):
        backend.cancel_meeting(meeting_id)
    tc_fake.mode = "ok"
    backend.cancel_meeting(meeting_id)
    assert tc_fake.conferences == {}


# --- live status, run, stop ------------------------------------------------------


def test_status_follows_the_conference(tc, tc_fake, clock):
    meeting_id = tc.schedule_meeting(one_off()).meeting_id
    status = tc.meeting_status(meeting_id)
    assert (status.active, status.attendees) == (False, 0)
    assert status.topic == one_off().topic
    assert (status.start, status.end) == (T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=2.5))
    assert status.details["state"] == "stopped"
    # Nobody to count while stopped: one call.
    assert [r.path for r in api_calls(tc_fake, "GET")] == [f"{CONFERENCES}/{meeting_id}"]

    tc_fake.set_live(meeting_id, attendees=4)
    status = tc.meeting_status(meeting_id)
    assert (status.active, status.attendees) == (True, 4)
    assert api_calls(tc_fake, "GET")[-1].path == f"{CONFERENCES}/{meeting_id}/participants"

    tc_fake.set_ended(meeting_id)
    assert tc.meeting_status(meeting_id).active is False


def test_a_scheduled_conference_runs_on_its_own_at_its_time(tc, tc_fake, clock):
    meeting_id = tc.schedule_meeting(one_off()).meeting_id
    clock.advance(minutes=61)
    status = tc.meeting_status(meeting_id)
    assert (status.active, status.attendees) == (True, 0)
    clock.advance(hours=2)
    assert not tc.meeting_status(meeting_id).active


def test_run_and_stop(tc, tc_fake):
    meeting_id = tc.schedule_meeting(one_off(is_recurring=True, start=None, end=None)).meeting_id
    assert tc.run_conference(meeting_id) == "running"
    assert tc_fake.state(meeting_id) == "running"
    assert tc.meeting_status(meeting_id).active
    tc.stop_meeting(meeting_id)
    assert tc_fake.state(meeting_id) == "stopped"
    assert [r[:2] for r in api_calls(tc_fake, "POST")[-2:]] == [
        ("POST", f"{CONFERENCES}/{meeting_id}/run"),
        ("POST", f"{CONFERENCES}/{meeting_id}/stop"),
    ]


@pytest.mark.parametrize(
    ("answer", "count"),
    [
        ({"participants": [{"id": "a"}, {"id": "b"}]}, 2),
        ({"list": [{"id": "a"}], "cnt": 7}, 7),
        ([{"id": "a"}, {"id": "b"}, {"id": "c"}], 3),
    ],
)
def test_participant_lists_of_every_shape_are_counted(stub_api, answer, count):
    backend = stub_api({f"{CONFERENCES}/1/participants": answer})
    status = backend.meeting_status("1")
    assert (status.active, status.attendees) == (True, count)


# --- the token -------------------------------------------------------------------


def test_the_token_is_fetched_once_and_sent_with_every_call(tc, tc_fake):
    meeting_id = tc.schedule_meeting(one_off()).meeting_id
    tc.meeting_status(meeting_id)
    tc.cancel_meeting(meeting_id)
    [token_request] = tc_fake.token_requests()
    assert token_request.method == "POST"
    assert token_request.query == {}
    assert token_request.body == {
        "grant_type": "client_credentials",
        "client_id": "demo-client",
        "client_secret": "demo-secret",
    }
    [token] = tc_fake.tokens
    assert {r.token for r in api_calls(tc_fake)} == {token}


def test_the_token_is_renewed_shortly_before_it_expires(tc, tc_fake, clock):
    meeting_id = tc.schedule_meeting(one_off()).meeting_id
    clock.advance(seconds=3500)
    tc.meeting_status(meeting_id)
    assert len(tc_fake.token_requests()) == 1
    clock.advance(seconds=45)  # 3545 s: within the last minute of an hour's token
    tc.meeting_status(meeting_id)
    assert len(tc_fake.token_requests()) == 2
    assert [r.path for r in tc_fake.requests].count(f"{CONFERENCES}/{meeting_id}") == 2


@pytest.mark.parametrize("refusal", [401, 403])
def test_a_refused_token_is_renewed_once_and_the_call_succeeds(tc, tc_fake, refusal):
    """Some servers refuse a dead token with 403 ``accessTokenInvalid`` instead of 401."""
    tc_fake.token_refusal_status = refusal
    tc.ping()  # no token spent
    first = tc.schedule_meeting(one_off()).meeting_id
    tc_fake.revoke_tokens()  # the backend still believes its token is good

    second = tc.schedule_meeting(one_off(topic="After a server restart")).meeting_id
    assert len(tc_fake.token_requests()) == 2
    # The create was refused before the server did anything, so sending it again is safe.
    assert len(api_calls(tc_fake, "POST", CONFERENCES)) == 3
    assert set(tc_fake.conferences) == {first, second}


def test_a_token_refused_twice_is_a_credentials_problem(tc, tc_fake, sleeps):
    tc_fake.reject_tokens = True
    with pytest.raises(CredentialsRefused, match="permissions"):
        tc.meeting_status("1")
    assert len(tc_fake.token_requests()) == 2
    assert len(api_calls(tc_fake)) == 2
    assert sleeps == []


def test_wrong_client_credentials_are_refused(tc_server, tc_fake, make_tc):
    backend = make_tc(tc_server.url, client_secret="guessed")
    with pytest.raises(CredentialsRefused) as caught:
        backend.meeting_status("1")
    assert caught.value.reason == "The client credentials are invalid"
    assert len(tc_fake.token_requests()) == 1  # a refusal is not retried
    assert api_calls(tc_fake) == []


def test_a_forbidden_call_is_a_credentials_problem(stub_api):
    body = {"error": {"code": 403, "message": "Forbidden", "errors": [{"reason": "forbidden"}]}}
    backend = stub_api({f"{CONFERENCES}/1": (403, body)})
    with pytest.raises(CredentialsRefused) as caught:
        backend.meeting_status("1")
    assert caught.value.reason == "forbidden"


def test_a_uniqueness_refusal_carries_its_reason(stub_api):
    body = {
        "error": {
            "code": 400,
            "message": "Bad Request",
            "errors": [
                {"reason": "uniqueValueAlreadyInUse", "message": "Value is already in use."}
            ],
        }
    }
    backend = stub_api({CONFERENCES: (400, body)})
    with pytest.raises(ServerRefused) as caught:
        backend.schedule_meeting(one_off())
    assert (caught.value.reason, caught.value.status) == ("uniqueValueAlreadyInUse", "400")


def test_ping_needs_no_token(tc, tc_fake):
    tc.ping()
    assert [r[:2] for r in tc_fake.requests] == [("GET", CONFERENCES)]
    assert tc_fake.token_requests() == []


# --- failures --------------------------------------------------------------------


def test_down_server_is_unavailable_and_only_reads_are_retried(tc, tc_fake, sleeps):
    meeting_id = tc.schedule_meeting(one_off()).meeting_id
    tc_fake.mode = "down"
    tc_fake.requests.clear()

    with pytest.raises(ServerUnavailable, match="HTTP 503"):
        tc.meeting_status(meeting_id)
    assert len(tc_fake.requests) == 3
    assert sleeps == [0.2, 0.4]

    sleeps.clear()
    for write in (
        lambda: tc.schedule_meeting(one_off()),
        lambda: tc.schedule_meeting(one_off(meeting_id=meeting_id)),
        lambda: tc.cancel_meeting(meeting_id),
        lambda: tc.stop_meeting(meeting_id),
        lambda: tc.run_conference(meeting_id),
    ):
        with pytest.raises(ServerUnavailable) as caught:
            write()
        assert not isinstance(caught.value, OutcomeUnknown)  # a 503: not done
    # Four writes sent once each; a change first reads the conference (a read: 3 tries).
    assert len(tc_fake.requests) == 3 + 4 + 3
    assert sleeps == [0.2, 0.4]

    with pytest.raises(ServerUnavailable):
        tc.ping()
    assert len(tc_fake.requests) == 3 + 4 + 3 + 3


def test_a_down_token_endpoint_is_unavailable_and_retried(tc, tc_fake, sleeps):
    tc_fake.mode = "down"
    with pytest.raises(ServerUnavailable):
        tc.schedule_meeting(one_off())
    assert len(tc_fake.token_requests()) == 3
    assert api_calls(tc_fake) == []


def test_garbage_is_a_bad_response_and_not_retried(tc, tc_fake, sleeps):
    tc.schedule_meeting(one_off())  # the token is cached
    tc_fake.mode = "garbage"
    tc_fake.requests.clear()
    with pytest.raises(BadServerResponse, match="not JSON"):
        tc.meeting_status("1")
    assert len(tc_fake.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, b"<html>ok</html>"),
        (200, b'{"id": "1"}'),  # no conference object
        (200, b'{"conference": {"topic": "x"}}'),  # no id
        (200, b"[1, 2]"),
        (404, b"<html>no</html>"),  # not an error object
        (400, b'{"error": {"code": 400}}'),  # no reason
        (302, b""),
        (200, b'{"conference": {"id": "' + b"x" * 2000 + b'"}}'),  # larger than max_body
    ],
)
def test_unexpected_answers_are_bad_responses(stub_api, status, body):
    backend = stub_api({CONFERENCES: (status, body)}, max_body=1000)
    with pytest.raises(BadServerResponse):
        backend.schedule_meeting(one_off())


@pytest.mark.parametrize(
    "token_answer",
    [
        b"<html></html>",
        b'{"expires_in": 3600}',
        b'{"access_token": "t", "expires_in": "soon"}',
        b'{"access_token": "", "expires_in": 3600}',
    ],
)
def test_a_bad_token_answer_is_a_bad_response(stub_api, token_answer):
    backend = stub_api({"/oauth2/v1/token": (200, token_answer)})
    with pytest.raises(BadServerResponse, match="token"):
        backend.meeting_status("1")


@pytest.mark.parametrize("state", ["starting", ""])
def test_an_unknown_state_is_a_bad_response(stub_api, state):
    backend = stub_api({f"{CONFERENCES}/1": {"conference": {"id": "1", "state": state}}})
    with pytest.raises(BadServerResponse, match="state"):
        backend.meeting_status("1")


# --- secrets ---------------------------------------------------------------------


def chain_text(error: BaseException) -> str:
    """An error as a log would show it, with every error chained to it: a chained requests
    error would name the URL, token and all."""
    parts = []
    while error is not None:
        parts += traceback.format_exception_only(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    return "".join(parts)


@pytest.mark.parametrize("token_in", ["query", "header"])
def test_secrets_never_reach_logs_or_error_messages(tc_server, tc_fake, make_tc, caplog, token_in):
    """Neither this client's log nor its errors name a token or the secret. With the
    token in the query (v3's way), urllib3's own DEBUG log does print it in URLs: only
    the header keeps it out of every log."""
    caplog.set_level(logging.DEBUG)
    backend = make_tc(tc_server.url, token_in=token_in)
    meeting_id = backend.schedule_meeting(one_off()).meeting_id
    tc_fake.set_live(meeting_id)
    backend.meeting_status(meeting_id)
    [token] = tc_fake.tokens
    errors = []
    tc_fake.revoke_tokens()
    tc_fake.reject_tokens = True
    for call in (
        lambda: backend.meeting_status(meeting_id),
        lambda: make_tc(tc_server.url, client_secret="wrong-secret").stop_meeting(meeting_id),
    ):
        with pytest.raises(CredentialsRefused) as caught:
            call()
        errors.append(chain_text(caught.value))
    tc_fake.reject_tokens = False
    backend.meeting_status(meeting_id)
    for mode in ("down", "slow", "reset"):
        tc_fake.mode, tc_fake.delay = mode, 2.0
        with pytest.raises(ServerUnavailable) as caught:
            backend.stop_meeting(meeting_id)
        errors.append(chain_text(caught.value))
    tc_fake.mode = "ok"
    # A server gone away (connection refused): requests' message names the whole URL.
    with serve(tc_fake) as short_lived:
        gone = make_tc(short_lived.url, token_in=token_in)
        gone.meeting_status(meeting_id)
    with pytest.raises(ServerUnavailable) as caught:
        gone.stop_meeting(meeting_id)
    errors.append(chain_text(caught.value))

    ours = [r.getMessage() for r in caplog.records if r.name.startswith("conferencing.")]
    text = "\n".join(ours + errors) + caplog.text
    assert f"POST {CONFERENCES} -> HTTP 200" in text
    for secret in [token, *tc_fake.tokens, "demo-secret", "wrong-secret"]:
        assert secret not in text
    if token_in == "header":
        assert all("access_token" not in r.query for r in tc_fake.requests)
    # With the token in the query, urllib3's DEBUG line would hold it: the portal's
    # LOGGING keeps urllib3 at INFO (portal/settings.py), so no log line does.


def test_the_client_secret_travels_only_in_the_token_requests_body(tc, tc_fake):
    meeting_id = tc.schedule_meeting(one_off()).meeting_id
    tc.meeting_status(meeting_id)
    for request in tc_fake.requests:
        assert "demo-secret" not in json.dumps(request.query)
        if request.path != "/oauth2/v1/token":
            assert "demo-secret" not in json.dumps(request.body)


# --- the fake itself ---------------------------------------------------------------


def test_the_fake_serves_the_web_client_and_its_controls(tc, tc_server, tc_fake):
    meeting = tc.schedule_meeting(one_off())
    page = requests.get(meeting.join_url, timeout=2)
    assert page.status_code == 200 and "is stopped" in page.text
    live = requests.post(
        f"{tc_server.url}/_fake/meetings/{meeting.meeting_id}/live",
        json={"attendees": 5},
        timeout=2,
    )
    assert live.json()["state"] == "running" and live.json()["attendees"] == 5
    assert tc.meeting_status(meeting.meeting_id).attendees == 5
    requests.post(f"{tc_server.url}/_fake/meetings/{meeting.meeting_id}/end", timeout=2)
    assert not tc.meeting_status(meeting.meeting_id).active

    requests.post(f"{tc_server.url}/_fake/tokens/revoke", timeout=2)
    assert tc.meeting_status(meeting.meeting_id).topic == one_off().topic
    mode = requests.post(f"{tc_server.url}/_fake/mode", json={"mode": "down"}, timeout=2)
    assert mode.json()["mode"] == "down"
    assert requests.get(f"{tc_server.url}/_fake/state", timeout=2).json()["mode"] == "down"
    assert (
        requests.post(f"{tc_server.url}/_fake/mode", json={"mode": "?"}, timeout=2).status_code
        == 400
    )


def test_the_fake_speaks_trueconfs_error_shape_and_lists_conferences(tc, tc_server, tc_fake):
    tc.schedule_meeting(one_off())
    [token] = tc_fake.tokens
    listing = requests.get(
        f"{tc_server.url}{CONFERENCES}", params={"access_token": token, "page_size": 1}, timeout=2
    ).json()
    assert listing["cnt"] == 1 and len(listing["conferences"]) == 1
    missing = requests.get(f"{tc_server.url}{CONFERENCES}/nope", params={"access_token": token})
    assert missing.status_code == 404
    assert missing.json()["error"]["errors"][0]["reason"] == "conferenceNotFound"
    taken = requests.post(
        f"{tc_server.url}{CONFERENCES}",
        params={"access_token": token},
        json={"id": listing["conferences"][0]["id"], "topic": "t", "owner": "o"},
        timeout=2,
    )
    assert taken.json()["error"]["errors"][0]["reason"] == "uniqueValueAlreadyInUse"
    # Any v3.x path answers, and a Bearer header does as well as the query parameter.
    bearer = requests.get(
        f"{tc_server.url}/api/v3.8/conferences",
        headers={"Authorization": f"Bearer {token}"},
        timeout=2,
    )
    assert bearer.status_code == 200


def test_the_fake_runs_from_the_command_line(fake_process):
    process = fake_process("conferencing.fakes.trueconf")
    url = process.stdout.readline().split(" at ")[1].strip()
    credentials = process.stdout.readline()
    assert "client_id=demo-client" in credentials
    backend = TrueConf(url, client_id="demo-client", client_secret="demo-secret")
    meeting = backend.schedule_meeting(one_off(start=None, end=None, is_recurring=True))
    assert backend.meeting_status(meeting.meeting_id).active is False
    backend.close()


# --- a fixed-answer server, for what the fake never says ---------------------------


@pytest.fixture
def stub_api(make_tc) -> Iterator[Callable[..., TrueConf]]:
    """A server answering fixed JSON per path (``answer`` or ``(status, answer)``), with a
    working token endpoint and a running conference "1" unless told otherwise."""
    servers = []

    def start(routes: dict, **options: object) -> TrueConf:
        answers = {
            "/oauth2/v1/token": {"access_token": "stub-token", "expires_in": 3600},
            f"{CONFERENCES}/1": {"conference": {"id": "1", "state": "running"}},
            f"{CONFERENCES}/1/participants": {"participants": []},
        } | routes

        def app(environ, start_response):
            answer = answers.get(environ["PATH_INFO"], (404, b"not here"))
            status, body = answer if isinstance(answer, tuple) else (200, answer)
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
            start_response(f"{status} X", [("Content-Type", "application/json")])
            return [body]

        context = serve(app)
        servers.append(context)
        return make_tc(context.__enter__().url, **options)

    yield start
    for context in servers:
        context.__exit__(None, None, None)


@pytest.mark.parametrize("mode", ["late", "reset"])
def test_a_create_resent_after_its_answer_was_lost_makes_no_second_conference(
    tc_server, tc_fake, make_tc, mode
):
    """The portal chooses the conference ID from its own key for the meeting, so the
    resent create finds the first one ("already in use"), brings it in step and reads
    it back."""
    backend = make_tc(tc_server.url, read_timeout=0.2)
    backend.ping()
    backend.meeting_status(backend.schedule_meeting(one_off()).meeting_id)  # token cached
    tc_fake.mode, tc_fake.delay = mode, 1.0
    with pytest.raises(OutcomeUnknown):
        backend.schedule_meeting(one_off(topic="Lost answer", external_id="meeting-7@portal"))
    tc_fake.mode = "ok"
    scheduled = backend.schedule_meeting(one_off(topic="Resent", external_id="meeting-7@portal"))
    assert [c.topic for c in tc_fake.conferences.values()] == [one_off().topic, "Resent"]
    assert scheduled.meeting_id == backend.conference_id("meeting-7@portal")
    assert tc_fake.conferences[scheduled.meeting_id].topic == "Resent"
    assert scheduled.join_url.endswith(f"/webrtc/{scheduled.meeting_id}")


def test_a_chosen_conference_id_cannot_be_worked_out_without_the_client_secret(tc_server):
    one = TrueConf(tc_server.url, client_id="portal", client_secret="one secret")
    other = TrueConf(tc_server.url, client_id="portal", client_secret="another secret")
    chosen = one.conference_id("meeting-7@portal.example")
    assert chosen == one.conference_id("meeting-7@portal.example")  # the same every time
    assert chosen != other.conference_id("meeting-7@portal.example")
    assert chosen != one.conference_id("meeting-8@portal.example")
    assert len(chosen) == 32 and chosen.isalnum()


def test_a_server_that_ignores_the_chosen_conference_id_is_told_in_the_log(tc, tc_fake, caplog):
    """Creating still works; but a lost answer there could not be told from a new create,
    and an operator should know."""
    tc_fake.chosen_ids = False
    with caplog.at_level(logging.WARNING, logger="conferencing.trueconf.client"):
        scheduled = tc.schedule_meeting(one_off(external_id="meeting-7@portal"))
    assert scheduled.meeting_id in tc_fake.conferences
    assert scheduled.meeting_id != tc.conference_id("meeting-7@portal")
    assert "ignored the conference ID the portal chose" in caplog.text
    caplog.clear()
    tc_fake.chosen_ids = True
    with caplog.at_level(logging.WARNING, logger="conferencing.trueconf.client"):
        tc.schedule_meeting(one_off(external_id="meeting-8@portal"))
    assert caplog.text == ""
