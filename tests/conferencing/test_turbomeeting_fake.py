"""The fake TurboMeeting server: strict validation, lifecycle by clock, knobs, callbacks."""

import datetime as dt
import signal
import threading
import time
from urllib.parse import parse_qs

import pytest
import requests
from cryptography.fernet import Fernet

from conferencing.base import Account, ServerUnavailable
from conferencing.fakes.server import serve
from conferencing.fakes.turbomeeting import FakeTurboMeeting
from conferencing.turbomeeting import TurboMeeting
from conferencing.turbomeeting.client import PATHS
from conferencing.turbomeeting.passwords import decode_password
from conferencing.turbomeeting.returns import build_return, parse_return


def wapi(server, name, params, *, method=None):
    endpoint = PATHS[name]
    method = method or endpoint.method
    url = server.url + endpoint.path
    if method == "GET":
        response = requests.get(url, params=params, timeout=2)
    else:
        response = requests.post(url, data=params, timeout=2)
    assert response.status_code == 200, response.text
    return parse_return(response.content)


ACCOUNT = {
    "service_company_uid": "demo-partner",
    "company_name": "Acme",
    "email": "ops@acme.example",
    "number_of_meeting_room": "2",
    "number_of_participant": "10",
}


def schedule_params(**changes):
    return {
        "meeting_type": "0",
        "email": "host@acme.example",
        "user_password": "",
        "password": "",
        "is_recurring": "N",
        "meeting_topic": "Demo",
        "integration_code": "demo-integration",
        "call_number": "",
        "attendee_access_code": "",
        "start_time": "2030/03/04 10:00",
        "end_time": "2030/03/04 11:00",
    } | changes


@pytest.fixture
def company(server):
    return wapi(server, "create_account", ACCOUNT).get("CompanyUid")


def without(params, name):
    return {key: value for key, value in params.items() if key != name}


@pytest.mark.parametrize(
    ("name", "params", "reason"),
    [
        ("create_account", ACCOUNT | {"service_company_uid": "other"}, "unknown partner ID"),
        ("create_account", without(ACCOUNT, "number_of_participant"), "missing parameter"),
        ("create_account", ACCOUNT | {"number_of_meeting_room": "two"}, "must be an integer"),
        ("create_account", ACCOUNT | {"number_of_meeting_room": "-1"}, "must be an integer"),
        ("create_account", ACCOUNT | {"company_name": " "}, "company_name is empty"),
        ("update_account", ACCOUNT | {"company_uid": "nope"}, "unknown company_uid"),
        (
            "delete_account",
            {"service_company_uid": "demo-partner"},
            "missing parameter company_uid",
        ),
        ("query_account", {"service_company_uid": "x", "company_uid": "nope"}, "unknown partner"),
        (
            "remote_schedule",
            {"service_company_uid": "demo-partner", "company_uid": "nope", "user_id": "u"},
            "unknown company_uid",
        ),
        ("schedule_meeting", schedule_params(integration_code="x"), "invalid integration code"),
        ("schedule_meeting", without(schedule_params(), "call_number"), "missing parameter"),
        ("schedule_meeting", schedule_params(meeting_type="9"), "meeting_type must be 0 to 4"),
        ("schedule_meeting", schedule_params(is_recurring="yes"), "is_recurring must be Y or N"),
        ("schedule_meeting", schedule_params(start_time="2030-03-04 10:00"), "YYYY/MM/DD HH:MM"),
        ("schedule_meeting", schedule_params(end_time="2030/03/04 09:00"), "after start_time"),
        ("schedule_meeting", schedule_params(meeting_id="555"), "unknown meeting_id"),
        ("meeting_status", {"integration_code": "x", "meeting_id": "1"}, "invalid integration"),
        ("meeting_status", {"integration_code": "demo-integration", "meeting_id": "1"}, "unknown"),
        (
            "stop_meeting",
            {"meeting_id": "1", "email": "admin@example.com", "password": "x"},
            "administrator sign-in failed",
        ),
    ],
)
def test_refuses_like_a_strict_server(server, name, params, reason):
    ret = wapi(server, name, params)
    assert ret.status == "FAILED"
    assert reason in ret.reason


def test_query_account_answers_with_the_specs_spelling(server, company):
    response = requests.get(
        server.url + PATHS["query_account"].path,
        params={"service_company_uid": "demo-partner", "company_uid": company},
        timeout=2,
    )
    assert b"<__Status__>SUCCEEDED</__Status__>" in response.content
    assert (
        b"<__Status__>SUCCEED</__Status__>"
        in requests.get(
            server.url + PATHS["delete_account"].path,
            params={"service_company_uid": "demo-partner", "company_uid": company},
            timeout=2,
        ).content
    )


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/as/wapi/service/create_account", 405),
        ("GET", "/as/wapi/schedule_meeting", 405),
        ("GET", "/as/wapi/nothing", 404),
        ("GET", "/as/wapi/goto_downloader?role=admin", 400),
        ("GET", "/as/wapi/web_viewer?meeting_id=1", 404),
    ],
)
def test_http_level_errors(server, method, path, status):
    assert requests.request(method, server.url + path, timeout=2).status_code == status


def test_lifecycle_follows_the_clock(server, fake, clock):
    meeting_id = wapi(server, "schedule_meeting", schedule_params()).get("MeetingID")
    status = {"integration_code": "demo-integration", "meeting_id": meeting_id}
    seen = []
    for minutes in (0, 60, 30, 29, 1):
        clock.advance(minutes=minutes)
        ret = wapi(server, "meeting_status", status)
        seen.append((ret.get("State"), ret.get("IsActive"), ret.get("NumberOfAttendees")))
    # The attendee count is deterministic: the same every time the meeting is active.
    assert seen == [
        ("scheduled", "N", "0"),
        ("active", "Y", seen[1][2]),
        ("active", "Y", seen[1][2]),
        ("active", "Y", seen[1][2]),
        ("ended", "N", "0"),
    ]
    assert int(seen[1][2]) > 0
    assert fake.state(meeting_id) == ("ended", 0)
    ret = wapi(server, "meeting_status", status)
    assert (ret.get("StartTime"), ret.get("EndTime")) == ("2030/03/04 10:00", "2030/03/04 11:00")


def test_set_live_and_set_ended_override_the_clock(fake, server):
    meeting_id = wapi(server, "schedule_meeting", schedule_params()).get("MeetingID")
    fake.set_live(meeting_id, attendees=12)
    assert fake.state(meeting_id) == ("active", 12)
    fake.set_ended(meeting_id)
    assert fake.state(meeting_id) == ("ended", 0)
    fake.set_live(meeting_id)
    assert fake.state(meeting_id)[0] == "active"
    with pytest.raises(KeyError):
        fake.set_live("404")


def test_recurring_meetings_stay_scheduled_until_set_live(fake, server, clock):
    params = schedule_params(is_recurring="Y", start_time="", end_time="")
    meeting_id = wapi(server, "schedule_meeting", params).get("MeetingID")
    clock.advance(days=30)
    assert fake.state(meeting_id) == ("scheduled", 0)


def test_account_state_is_kept(server, fake, company):
    assert fake.accounts[company] == Account("Acme", "ops@acme.example", 2, 10, company)
    update = ACCOUNT | {"company_uid": company, "number_of_participant": "50"}
    assert wapi(server, "update_account", update).ok
    assert fake.accounts[company].participants_per_room == 50


def test_records_requests_with_their_secrets(server, fake):
    wapi(server, "schedule_meeting", schedule_params(password="pw"))
    assert fake.requests[-1] == (
        "POST",
        "/as/wapi/schedule_meeting",
        schedule_params(password="pw"),
    )


def test_launch_pages(server, fake):
    meeting_id = wapi(server, "schedule_meeting", schedule_params()).get("MeetingID")
    join = requests.get(
        server.url + "/as/wapi/goto_downloader",
        params={"role": "attende", "name": "Ann <b>", "meeting_id": meeting_id},
        timeout=2,
    )
    assert join.status_code == 200
    assert f"Joining meeting {meeting_id} as Ann &lt;b&gt;" in join.text
    start = requests.post(
        server.url + "/as/wapi/goto_downloader",
        data={"role": "host", "email": "h@example.com", "user_password": "pw"},
        timeout=2,
    )
    assert "Starting a meeting for h@example.com" in start.text
    assert "pw" not in start.text
    viewer = requests.get(
        server.url + "/as/wapi/web_viewer", params={"meeting_id": meeting_id}, timeout=2
    )
    assert f"meeting {meeting_id} is scheduled" in viewer.text


def test_latency_is_added_to_every_call(server, fake):
    fake.latency = 0.2
    started = time.monotonic()
    assert requests.get(server.url + "/", timeout=2).ok
    assert time.monotonic() - started >= 0.2


def test_is_thread_safe_under_concurrent_clients(server, fake, make_client):
    client = make_client(server.url)
    uids = []

    def create(n):
        uids.append(client.create_account(Account(f"Company {n}", f"{n}@example.com", 1, 5)))

    threads = [threading.Thread(target=create, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(uids)) == 24
    assert set(fake.accounts) == set(uids)


# --- control endpoints ---------------------------------------------------------


def test_control_endpoints(server, fake):
    meeting_id = wapi(server, "schedule_meeting", schedule_params()).get("MeetingID")
    control = server.url + "/_fake"

    live = requests.post(f"{control}/meetings/{meeting_id}/live", json={"attendees": 4}, timeout=2)
    assert live.json()["state"] == "active"
    assert live.json()["attendees"] == 4
    ended = requests.post(f"{control}/meetings/{meeting_id}/end", timeout=2)
    assert ended.json()["state"] == "ended"
    assert requests.post(f"{control}/meetings/nope/end", timeout=2).status_code == 404

    mode = requests.post(f"{control}/mode", json={"mode": "down", "delay": 0.5}, timeout=2)
    assert (mode.json()["mode"], fake.mode, fake.delay) == ("down", "down", 0.5)
    assert requests.get(server.url + "/", timeout=2).status_code == 503
    assert requests.get(f"{control}/state", timeout=2).status_code == 200  # never affected
    assert requests.post(f"{control}/mode", json={"mode": "broken"}, timeout=2).status_code == 400
    requests.post(f"{control}/mode", json={"mode": "garbage"}, timeout=2)
    assert b"<__Return__>" not in requests.get(server.url + "/", timeout=2).content

    state = requests.get(f"{control}/state", timeout=2).json()
    assert state["meetings"][meeting_id]["topic"] == "Demo"
    assert state["now"] == "2030-03-04T09:00:00+00:00"
    assert "password" not in str(state["meetings"])


# --- callbacks: the server's side of sign-in -----------------------------------


class Portal:
    """A tiny stand-in for the portal's callbacks (the real one is tested with Django)."""

    def __init__(self, key=""):
        self.key = key
        self.calls = []
        self.expired = False
        self.url = ""

    def __call__(self, environ, start_response):
        params = {k: v[0] for k, v in parse_qs(environ["QUERY_STRING"]).items()}
        path = environ["PATH_INFO"]
        self.calls.append((environ["REQUEST_METHOD"], path, params))
        if path == "/tm/auth":
            password = decode_password(
                "fernet" if self.key else "plain", self.key, params["password"]
            )
            if password != "right":
                body = build_return("FAILED", reason="wrong email or password")
            else:
                body = build_return(
                    "SUCCEED",
                    fields={
                        "CompanyUid": "c-1",
                        "FirstName": "Ann",
                        "LastName": "Lee",
                        "UserID": "u-1",
                        "QueryScheduledMeetingURL": "/tm/meetings/tok-123",
                    },
                )
        elif self.expired:
            body = build_return("FAILED", reason="session expired")
        else:
            meeting = {
                "MeetingId": "123",
                "ScheduledStartTime": "2030/03/04 10:00",
                "MeetingTopic": "Demo",
                "JoinMeetingURL": "https://portal.example/j/123",
            }
            body = build_return("SUCCEED", meetings=[meeting])
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [body]


def test_sign_in_authenticates_then_lists_meetings_until_the_session_expires():
    key = Fernet.generate_key().decode()
    portal = Portal(key)
    with serve(portal) as portal_server:
        fake = FakeTurboMeeting(
            portal_auth_url=portal_server.url + "/tm/auth",
            password_encoding="fernet",
            password_key=key,
        )
        signed_in = fake.sign_in("ann@acme.example", "right")
        assert signed_in.auth.ok
        assert signed_in.auth.get("UserId") == "u-1"
        assert signed_in.query_url == portal_server.url + "/tm/meetings/tok-123"
        assert signed_in.meetings.meetings[0]["MeetingTopic"] == "Demo"

        method, path, params = portal.calls[0]
        assert (method, path) == ("GET", "/tm/auth")
        assert params["email"] == "ann@acme.example"
        assert params["service_company_uid"] == "demo-partner"
        assert params["password"] != "right"  # encrypted with the shared key

        portal.expired = True
        again = fake.query_meetings(signed_in.query_url)
        assert (again.status, again.reason) == ("FAILED", "session expired")

        refused = fake.sign_in("ann@acme.example", "wrong")
        assert refused.auth.status == "FAILED"
        assert (refused.meetings, refused.query_url) == (None, "")


def test_sign_in_through_the_control_endpoint():
    portal = Portal()
    with serve(portal) as portal_server:
        fake = FakeTurboMeeting(portal_auth_url=portal_server.url + "/tm/auth")
        with serve(fake) as server:
            response = requests.post(
                server.url + "/_fake/sign_in",
                json={"email": "ann@acme.example", "password": "right"},
                timeout=5,
            )
    data = response.json()
    assert data["auth"]["status"] == "SUCCEED"
    assert data["meetings"]["meetings"][0]["MeetingId"] == "123"


def test_sign_in_needs_a_reachable_portal(closed_port):
    with pytest.raises(RuntimeError):
        FakeTurboMeeting().sign_in("a", "b")
    fake = FakeTurboMeeting(portal_auth_url=f"http://127.0.0.1:{closed_port}/tm/auth")
    with pytest.raises(ServerUnavailable):
        fake.sign_in("a", "b")


# --- the shared server runner and the command line ------------------------------


def test_serve_stops_cleanly_and_frees_the_port(closed_port):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hi"]

    with serve(app) as running:
        assert requests.get(running.url, timeout=2).text == "hi"
        running.stop()
        running.stop()  # idempotent
        with pytest.raises(requests.ConnectionError):
            requests.get(running.url, timeout=2)


def test_runs_as_a_process_and_stops_on_sigterm(fake_process):
    process = fake_process("conferencing.fakes.turbomeeting", "--latency", "0")
    line = process.stdout.readline()
    assert line.startswith("fake TurboMeeting server at http://127.0.0.1:")
    url = line.split(" at ")[1].strip()
    client = TurboMeeting(url, service_company_uid="demo-partner", read_timeout=2)
    uid = client.create_account(Account("Acme", "a@example.com", 1, 2))
    assert client.query_account(uid).company_name == "Acme"
    client.close()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0


def test_clock_defaults_to_now():
    fake = FakeTurboMeeting()
    assert abs(fake.clock() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
