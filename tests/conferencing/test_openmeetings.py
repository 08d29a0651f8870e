"""The OpenMeetings backend and its fake, over real HTTP."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conferencing.base import (
    BadServerResponse,
    CredentialsRefused,
    MeetingKind,
    MeetingRequest,
    OutcomeUnknown,
    Participant,
    ScheduledMeeting,
    ServerRefused,
    ServerUnavailable,
    Unsupported,
    backend_class,
    make_backend,
)
from conferencing.fakes.openmeetings import NO_ROOM, FakeOpenMeetings, Join
from conferencing.fakes.server import RunningServer, serve
from conferencing.openmeetings import OpenMeetings
from conferencing.openmeetings.services import SID_IDLE_LIMIT

T0 = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)
USER, PASSWORD = "soapuser", "!HansHans1"  # the fake's defaults
ROOM = r"/room/\d+"

HOST = Participant(name="Hannah Host", email="host@acme.example", external_id="host-7", host=True)
ADA = Participant(name="Ada Lovelace", email="ada@example.com", external_id="reg-1")
ALAN = Participant(name="Alan Turing", email="alan@example.com", external_id="reg-2")


def request(**changes) -> MeetingRequest:
    values = {
        "kind": MeetingKind.MEETING,
        "topic": "Quarterly review",
        "host_email": "host@acme.example",
        "start": T0 + dt.timedelta(hours=1),
        "end": T0 + dt.timedelta(hours=2),
    }
    return MeetingRequest(**(values | changes))


class Ticker:
    """The backend's monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def om_fake(clock) -> FakeOpenMeetings:
    return FakeOpenMeetings(clock=clock)


@pytest.fixture
def om_server(om_fake) -> Iterator[RunningServer]:
    with serve(om_fake) as running:
        yield running


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def make_om(om_fake, make_backend, ticker) -> Callable[..., OpenMeetings]:
    """Backends with the fake's credentials, short timeouts, no real sleeping."""
    return lambda url, **options: make_backend(
        OpenMeetings, url, **(om_fake.backend_options() | {"clock": ticker} | options)
    )


@pytest.fixture
def om(om_server, make_om) -> OpenMeetings:
    return make_om(om_server.url)


@pytest.fixture
def routes() -> Iterator[Callable[[dict], RunningServer]]:
    """Serve fixed answers by path, for what the fake never says."""
    with contextlib.ExitStack() as stack:

        def start(table: dict[str, tuple[int, object]]) -> RunningServer:
            def app(environ, start_response):
                status, body = table.get(environ["PATH_INFO"], (404, "no such page"))
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                start_response(f"{status} X", [("Content-Type", "application/json")])
                return [raw]

            return stack.enter_context(serve(app))

        yield start


def ok(message: str) -> dict:
    return {"serviceResult": {"message": message, "type": "SUCCESS"}}


def error(message: str) -> dict:
    return {"serviceResult": {"message": message, "type": "ERROR"}}


SERVICES = "/openmeetings/services"
LOGGED_IN = {f"{SERVICES}/user/login": (200, ok("sid-1"))}
A_ROOM = {"roomDTO": {"id": 5, "name": "R", "type": "CONFERENCE", "capacity": 25}}


def logins(fake: FakeOpenMeetings) -> int:
    return len(fake.calls("/user/login"))


def open_link(url: str) -> str:
    response = requests.get(url, timeout=2)
    assert response.status_code == 200  # even for a bad hash, as the real server does
    return response.text


# --- registry and construction -------------------------------------------------


def test_is_registered_and_signs_in_with_its_credentials(om_server, om_fake):
    assert backend_class("openmeetings") is OpenMeetings
    backend = make_backend("openmeetings", base_url=om_server.url, **om_fake.backend_options())
    assert isinstance(backend, OpenMeetings)
    backend.ping()  # with the credentials it declares (tests/conferencing/test_contract.py
    backend.close()  # runs what each declared capability promises)


def test_methods_outside_its_capabilities_are_unsupported(om, om_fake):
    for call in (
        lambda: om.create_account(None),
        lambda: om.update_account(None),
        lambda: om.delete_account("c"),
        lambda: om.query_account("c"),
    ):
        with pytest.raises(Unsupported, match="no customer accounts"):
            call()
    with pytest.raises(Unsupported, match="SUPPORT"):
        om.schedule_meeting(request(kind=MeetingKind.SUPPORT))
    assert om.reserve_meeting_id(account_id="c", user_id="u") == ""
    assert om_fake.requests == []


def test_importing_the_package_does_not_import_django():
    code = (
        "import sys, conferencing.openmeetings, conferencing.fakes.openmeetings, "
        "conferencing.base; conferencing.base.backend_class('openmeetings'); "
        "sys.exit('django' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- scheduling ----------------------------------------------------------------


def test_schedule_adds_a_room_and_returns_its_id_without_a_join_url(om, om_fake):
    meeting = om.schedule_meeting(request(max_participants=40))
    assert meeting == ScheduledMeeting(
        meeting_id=meeting.meeting_id,
        topic="Quarterly review",
        start=T0 + dt.timedelta(hours=1),
        join_url="",
    )
    room = om_fake.rooms[int(meeting.meeting_id)].dto
    assert (room["name"], room["type"], room["capacity"]) == ("Quarterly review", "CONFERENCE", 40)

    [login] = om_fake.calls("/user/login")
    assert (login.method, login.query, login.form) == ("POST", {}, {"user": USER, "pass": PASSWORD})
    [add] = om_fake.calls("/room")
    assert add.method == "POST"
    assert list(add.query) == ["sid"] and add.query["sid"][0] in om_fake.sessions
    assert "id" not in json.loads(add.form["room"])


@pytest.mark.parametrize(
    ("kind", "room_type"),
    [
        (MeetingKind.MEETING, "CONFERENCE"),
        (MeetingKind.VIDEO_CONFERENCE, "CONFERENCE"),
        (MeetingKind.WEBINAR, "PRESENTATION"),
    ],
)
def test_kinds_map_to_room_types(om, om_fake, kind, room_type):
    meeting_id = om.schedule_meeting(request(kind=kind)).meeting_id
    assert om_fake.rooms[int(meeting_id)].dto["type"] == room_type


def test_a_room_left_at_the_servers_default_is_not_the_dtos_four_seats(om, om_fake):
    meeting_id = om.schedule_meeting(request(max_participants=0)).meeting_id
    assert om_fake.rooms[int(meeting_id)].dto["capacity"] == 25


def test_update_changes_the_room_in_place_and_keeps_what_the_portal_does_not_manage(om, om_fake):
    meeting_id = om.schedule_meeting(request(max_participants=40)).meeting_id
    om_fake.rooms[int(meeting_id)].dto |= {"moderated": True, "redirectUrl": "https://x.example"}

    again = om.schedule_meeting(
        request(meeting_id=meeting_id, topic="Renamed", kind=MeetingKind.WEBINAR)
    )
    assert again.meeting_id == meeting_id
    assert len(om_fake.rooms) == 1
    room = om_fake.rooms[int(meeting_id)].dto
    assert (room["name"], room["type"], room["capacity"]) == ("Renamed", "PRESENTATION", 40)
    assert room["moderated"] is True and room["redirectUrl"] == "https://x.example"
    assert json.loads(om_fake.calls("/room")[-1].form["room"])["id"] == int(meeting_id)


def test_updating_an_unknown_room_is_refused_with_the_servers_reason(om):
    with pytest.raises(ServerRefused) as caught:
        om.schedule_meeting(request(meeting_id="999"))
    assert caught.value.reason == NO_ROOM
    assert not isinstance(caught.value, CredentialsRefused)


def test_meeting_ids_are_room_numbers(om, om_fake):
    with pytest.raises(ValueError, match="number"):
        om.meeting_status("abc")
    assert om_fake.requests == []


def test_cancel_deletes_the_room_and_is_idempotent(om, om_fake):
    meeting_id = om.schedule_meeting(request()).meeting_id
    om.cancel_meeting(meeting_id)
    assert om_fake.rooms == {}
    om.cancel_meeting(meeting_id)  # the server answers SUCCESS "Not found"
    assert [r.method for r in om_fake.calls(ROOM)] == ["DELETE", "DELETE"]


def test_the_session_is_cached(om, om_fake):
    meeting_id = om.schedule_meeting(request()).meeting_id
    om.meeting_status(meeting_id)
    om.cancel_meeting(meeting_id)
    assert logins(om_fake) == 1


# --- join links ----------------------------------------------------------------


def test_start_url_lets_the_host_in_once_as_moderator(om, om_fake, om_server):
    meeting_id = om.schedule_meeting(request()).meeting_id
    url = om.start_url(meeting_id, HOST)
    assert url.startswith(f"{om_server.url}/openmeetings/hash?secure=")

    page = open_link(url)
    assert "Hannah Host (moderator)" in page
    assert om_fake.joins == [
        Join(
            room_id=int(meeting_id),
            external_id="host-7",
            external_type="portal",
            firstname="Hannah",
            lastname="Host",
            email="host@acme.example",
            moderator=True,
        )
    ]
    assert "Invalid hash" in open_link(url)  # single-use
    assert len(om_fake.joins) == 1


def test_registrants_get_their_own_hashes_that_join_as_themselves(om, om_fake):
    meeting_id = om.schedule_meeting(request(kind=MeetingKind.WEBINAR)).meeting_id
    ada_url = om.join_url(meeting_id, ADA)
    alan_url = om.join_url(meeting_id, ALAN)  # made before Ada's is used
    assert ada_url != alan_url

    assert "Ada Lovelace (participant)" in open_link(ada_url)
    assert "Alan Turing (participant)" in open_link(alan_url)
    assert [(j.external_id, j.moderator) for j in om_fake.joins] == [
        ("reg-1", False),
        ("reg-2", False),
    ]
    # Each hash came from its own login, so neither took the other's user ...
    hash_sids = [r.query["sid"][0] for r in om_fake.calls("/user/hash")]
    assert len(set(hash_sids)) == 2
    assert logins(om_fake) == 3
    # ... nor the portal's cached session, which still works after the joins.
    assert om.meeting_status(meeting_id).attendees == 2
    assert logins(om_fake) == 3


def test_the_hash_request_carries_the_person_and_the_room(om, om_fake):
    meeting_id = om.schedule_meeting(request()).meeting_id
    om.join_url(meeting_id, ADA)
    [made] = om_fake.calls("/user/hash")
    assert made.method == "POST"
    assert json.loads(made.form["user"]) == {
        "firstname": "Ada",
        "lastname": "Lovelace",
        "email": "ada@example.com",
        "login": "ada@example.com",
        "externalId": "reg-1",
        "externalType": "portal",
    }
    options = json.loads(made.form["options"])
    assert options["roomId"] == int(meeting_id)
    assert options["moderator"] is False
    assert options["allowSameURLMultipleTimes"] is False


def test_a_hash_expires_fifteen_minutes_after_it_was_made(om, om_fake, clock):
    meeting_id = om.schedule_meeting(request()).meeting_id
    fresh = om.join_url(meeting_id, ADA)
    stale = om.join_url(meeting_id, ALAN)
    clock.advance(minutes=14)
    assert "Ada Lovelace" in open_link(fresh)
    clock.advance(minutes=2)
    assert "Invalid hash" in open_link(stale)
    assert [j.external_id for j in om_fake.joins] == ["reg-1"]


def test_a_person_without_an_external_id_is_known_by_email(om, om_fake):
    meeting_id = om.schedule_meeting(request()).meeting_id
    om.join_url(meeting_id, Participant(name="Cher", email="cher@example.com"))
    user = json.loads(om_fake.calls("/user/hash")[-1].form["user"])
    assert (user["externalId"], user["firstname"], user["lastname"]) == (
        "cher@example.com",
        "Cher",
        "",
    )
    with pytest.raises(ValueError, match="external_id"):
        om.join_url(meeting_id, Participant(name="Nobody"))


def test_language_and_external_type_are_settings(om_server, om_fake, make_om):
    backend = make_om(om_server.url, language=4, external_type="acme-portal")
    meeting_id = backend.schedule_meeting(request()).meeting_id
    url = backend.join_url(meeting_id, ADA)
    assert url.endswith("&language=4")
    open_link(url)
    assert om_fake.joins[-1].external_type == "acme-portal"


def test_a_hash_refused_by_the_server_is_a_refusal(routes, make_om):
    server = routes(LOGGED_IN | {f"{SERVICES}/user/hash": (200, error("error.unknown"))})
    with pytest.raises(ServerRefused) as caught:
        make_om(server.url).join_url("5", ADA)
    assert caught.value.reason == "error.unknown"


# --- live status and stop ------------------------------------------------------


def test_status_counts_the_people_in_the_room(om, om_fake, om_server):
    meeting_id = om.schedule_meeting(request()).meeting_id
    status = om.meeting_status(meeting_id)
    assert (status.active, status.attendees, status.topic) == (False, 0, "Quarterly review")
    assert status.details == {
        "type": "CONFERENCE",
        "capacity": "25",
        "closed": "false",
        "isPublic": "false",
    }

    om_fake.set_live(meeting_id, attendees=7)
    status = om.meeting_status(meeting_id)
    assert (status.active, status.attendees) == (True, 7)

    om_fake.set_ended(meeting_id)
    assert om.meeting_status(meeting_id).active is False

    live = requests.post(
        f"{om_server.url}/_fake/meetings/{meeting_id}/live", json={"attendees": 3}, timeout=2
    )
    assert live.json()["attendees"] == 3
    assert om.meeting_status(meeting_id).attendees == 3
    requests.post(f"{om_server.url}/_fake/meetings/{meeting_id}/end", timeout=2)
    assert om.meeting_status(meeting_id).attendees == 0
    assert len(om_fake.calls(r"/room/count/\d+")) == 5


def test_status_of_an_unknown_room_is_refused(om):
    with pytest.raises(ServerRefused, match="null"):
        om.meeting_status("999")


def test_stop_kicks_everyone_out(om, om_fake):
    meeting_id = om.schedule_meeting(request()).meeting_id
    om_fake.set_live(meeting_id, attendees=4)
    om.stop_meeting(meeting_id)
    assert om.meeting_status(meeting_id).attendees == 0
    assert om_fake.calls(r"/room/kick/\d+")[0].method == "GET"
    assert int(meeting_id) in om_fake.rooms  # the room stays for its next use


def test_a_kick_that_did_not_happen_is_refused(routes, make_om):
    server = routes(LOGGED_IN | {f"{SERVICES}/room/kick/5": (200, ok("Not kicked"))})
    with pytest.raises(ServerRefused, match="Not kicked"):
        make_om(server.url).stop_meeting("5")


def test_an_old_server_logs_in_by_get_and_counts_with_room_counters(clock, sleeps, ticker):
    fake = FakeOpenMeetings(clock=clock, version=3)
    with serve(fake) as server:
        backend = OpenMeetings(
            server.url, **fake.backend_options(), sleep=sleeps.append, clock=ticker
        )
        meeting_id = backend.schedule_meeting(request()).meeting_id
        fake.set_live(meeting_id, attendees=2)
        assert backend.meeting_status(meeting_id).attendees == 2
        assert backend.meeting_status(meeting_id).attendees == 2
        assert backend.join_url(meeting_id, ADA)
        backend.close()
    # POST answered 405 once; every later login went by GET.
    assert [r.method for r in fake.calls("/user/login")] == ["POST", "GET", "GET"]
    # /room/count answered 404 once; /room/counters from then on.
    assert len(fake.calls(r"/room/count/\d+")) == 1
    counters = fake.calls("/room/counters")
    assert len(counters) == 2 and counters[0].query["id"] == [meeting_id]
    assert sleeps == []


@pytest.mark.parametrize(
    "answer",
    [
        [{"roomId": 5, "roomName": "R", "maxUser": 25, "roomCount": 3}],
        {"roomCountDTO": [{"roomId": 5, "roomCount": "3"}]},
        {"roomCountDTO": {"roomId": "5", "roomCount": 3}},  # a one-element list, collapsed
    ],
)
def test_room_counters_in_every_shape_seen(routes, make_om, answer):
    server = routes(
        LOGGED_IN
        | {
            f"{SERVICES}/room/5": (200, A_ROOM),
            f"{SERVICES}/room/counters": (200, answer),
        }
    )
    assert make_om(server.url).meeting_status("5").attendees == 3


# --- sessions and credentials --------------------------------------------------


def test_an_expired_session_is_renewed_exactly_once(om, om_fake, clock):
    meeting_id = om.schedule_meeting(request()).meeting_id
    clock.advance(minutes=31)  # the server dropped the idle SID; the backend does not know
    om_fake.requests.clear()

    assert om.meeting_status(meeting_id).topic == "Quarterly review"
    assert [(r.method, r.path) for r in om_fake.requests] == [
        ("GET", f"/room/{meeting_id}"),  # refused: error.notallowed
        ("POST", "/user/login"),
        ("GET", f"/room/{meeting_id}"),
        ("GET", f"/room/count/{meeting_id}"),
    ]


def test_threads_sharing_a_backend_share_one_session_and_renew_it_once(om, om_fake, clock):
    """The portal shares one backend per server across its poller's threads."""
    ids = [om.schedule_meeting(request(topic=f"Room {n}")).meeting_id for n in range(8)]
    clock.advance(minutes=31)
    with ThreadPoolExecutor(max_workers=8) as pool:
        topics = list(pool.map(lambda meeting_id: om.meeting_status(meeting_id).topic, ids))
    assert topics == [f"Room {n}" for n in range(8)]
    assert logins(om_fake) == 2


def test_a_refused_write_is_sent_again_with_the_new_session(om, om_fake):
    om.schedule_meeting(request())
    om_fake.expire_sessions()
    om.schedule_meeting(request(topic="Second"))
    assert logins(om_fake) == 2
    assert [room.dto["name"] for room in om_fake.rooms.values()] == ["Quarterly review", "Second"]


def test_a_session_idle_too_long_is_renewed_before_use(om, om_fake, ticker):
    meeting_id = om.schedule_meeting(request()).meeting_id
    ticker.now += SID_IDLE_LIMIT + 1
    om_fake.requests.clear()
    om.meeting_status(meeting_id)
    assert [r.path for r in om_fake.requests][:2] == ["/user/login", f"/room/{meeting_id}"]
    assert len(om_fake.requests) == 3  # no refused call first


def test_a_session_refused_twice_is_the_portals_credentials(om, om_fake):
    om_fake.soap_right = False  # the login works, its user may not use the services
    with pytest.raises(CredentialsRefused, match="error.notallowed"):
        om.schedule_meeting(request())
    assert logins(om_fake) == 2
    assert len(om_fake.calls("/room")) == 2
    assert om_fake.rooms == {}

    with pytest.raises(CredentialsRefused, match="SOAP right"):
        om.join_url("1", ADA)


def test_a_bad_password_is_refused_credentials_and_not_retried(om_server, om_fake, make_om):
    backend = make_om(om_server.url, admin_password="wrong")
    with pytest.raises(CredentialsRefused) as caught:
        backend.meeting_status("1")
    assert caught.value.reason == "error.bad.credentials"
    assert [r.path for r in om_fake.requests] == ["/user/login"]


# --- failures ------------------------------------------------------------------


def test_down_server_is_unavailable_and_only_reads_are_retried(om, om_fake, sleeps):
    meeting_id = om.schedule_meeting(request()).meeting_id
    om_fake.mode = "down"
    om_fake.requests.clear()

    with pytest.raises(ServerUnavailable, match="HTTP 503"):
        om.meeting_status(meeting_id)
    assert len(om_fake.calls(ROOM)) == 3
    assert sleeps == [0.2, 0.4]

    sleeps.clear()
    for write in (lambda: om.schedule_meeting(request()), lambda: om.stop_meeting(meeting_id)):
        with pytest.raises(ServerUnavailable) as caught:
            write()
        assert not isinstance(caught.value, OutcomeUnknown)
    assert len(om_fake.calls("/room")) == 1
    assert len(om_fake.calls(r"/room/kick/\d+")) == 1
    assert sleeps == []


def test_garbage_is_a_bad_response_and_not_retried(om, om_fake, sleeps):
    om_fake.mode = "garbage"
    with pytest.raises(BadServerResponse, match="not JSON"):
        om.meeting_status("1")
    assert len(om_fake.requests) == 1
    assert sleeps == []


def test_a_500_that_is_not_a_service_result_is_an_outage(routes, make_om, sleeps):
    server = routes(LOGGED_IN | {f"{SERVICES}/room/5": (500, b"<html>Tomcat</html>")})
    with pytest.raises(ServerUnavailable, match="HTTP 500"):
        make_om(server.url).meeting_status("5")
    assert sleeps == [0.2, 0.4]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({}, "HTTP 404"),  # not an OpenMeetings server (or the wrong context path)
        ({f"{SERVICES}/user/login": (200, {"result": "ok"})}, "not a serviceResult"),
        ({f"{SERVICES}/user/login": (200, ok(""))}, "no SID"),
        (LOGGED_IN | {f"{SERVICES}/room/5": (200, {"room": {}})}, "no roomDTO"),
        (LOGGED_IN | {f"{SERVICES}/room/5": (200, {"roomDTO": {"id": "x"}})}, "numeric id"),
        (
            LOGGED_IN
            | {
                f"{SERVICES}/room/5": (200, A_ROOM),
                f"{SERVICES}/room/count/5": (200, ok("many")),
            },
            "not a number",
        ),
        (
            LOGGED_IN
            | {
                f"{SERVICES}/room/5": (200, A_ROOM),
                f"{SERVICES}/room/count/5": (200, {"serviceResult": {"type": "MAYBE"}}),
            },
            "not a serviceResult",
        ),
        (LOGGED_IN | {f"{SERVICES}/room/5": (307, b"")}, "HTTP 307"),
    ],
)
def test_unexpected_answers_are_bad_responses(routes, make_om, table, message):
    with pytest.raises(BadServerResponse, match=message):
        make_om(routes(table).url).meeting_status("5")


# --- secrets and timeouts ------------------------------------------------------


def test_secrets_never_reach_logs_or_error_messages(om_server, om_fake, make_om, caplog, sleeps):
    caplog.set_level(logging.DEBUG)
    backend = make_om(om_server.url)
    meeting_id = backend.schedule_meeting(request()).meeting_id
    link = backend.join_url(meeting_id, ADA)
    backend.meeting_status(meeting_id)
    errors = []
    om_fake.expire_sessions()
    om_fake.soap_right = False
    with pytest.raises(CredentialsRefused) as caught:
        backend.meeting_status(meeting_id)
    errors.append(str(caught.value))
    om_fake.soap_right = True
    om_fake.mode, om_fake.delay = "slow", 1.0
    with pytest.raises(OutcomeUnknown) as caught:
        make_om(om_server.url, read_timeout=0.05, retries=0).meeting_status(meeting_id)
    errors.append(str(caught.value))
    errors.append(repr(caught.value.__cause__) + repr(caught.value.__context__))

    # urllib3's own DEBUG lines print request URLs, and OpenMeetings wants the SID in
    # the query string: the portal's logging keeps urllib3 above DEBUG. Ours never do.
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("conferencing"))
    text = ours + "\n".join(errors)
    assert "POST /room -> HTTP 200" in ours
    sids = {r.query["sid"][0] for r in om_fake.requests if "sid" in r.query}
    secrets = [PASSWORD, link.split("secure=")[1], *sids]
    assert len(sids) == 3  # the cached one, the hash's own, the renewed one
    for secret in secrets:
        assert secret not in text


# --- the fake itself -----------------------------------------------------------


def test_the_fake_keeps_the_user_on_the_sid_as_the_real_server_does(om_server, om_fake):
    """Why the backend logs in afresh per hash: two hashes from one SID join as the later user."""
    base = om_server.url + SERVICES
    sid = requests.post(
        f"{base}/user/login", data={"user": USER, "pass": PASSWORD}, timeout=2
    ).json()["serviceResult"]["message"]
    room = {"name": "R", "type": "CONFERENCE"}
    room_id = requests.post(
        f"{base}/room", params={"sid": sid}, data={"room": json.dumps(room)}, timeout=2
    ).json()["roomDTO"]["id"]

    def make_hash(external_id):
        user = {"firstname": external_id, "externalId": external_id, "externalType": "t"}
        answer = requests.post(
            f"{base}/user/hash",
            params={"sid": sid},
            data={"user": json.dumps(user), "options": json.dumps({"roomId": room_id})},
            timeout=2,
        )
        return answer.json()["serviceResult"]["message"]

    first, second = make_hash("first"), make_hash("second")
    open_link(f"{om_server.url}/openmeetings/hash?secure={first}")
    assert om_fake.joins[0].external_id == "second"
    # The SID is now the external user's: it may not call the services any more.
    refused = requests.get(f"{base}/room/{room_id}", params={"sid": sid}, timeout=2)
    assert refused.status_code == 500
    assert refused.json() == {"serviceResult": {"message": "error.notallowed", "type": "ERROR"}}
    assert "Invalid hash" in open_link(f"{om_server.url}/openmeetings/hash?secure=bogus")
    assert second in om_fake.hashes


def test_the_fake_answers_like_openmeetings(om_server, om_fake):
    base = om_server.url + SERVICES
    bad = requests.post(f"{base}/user/login", data={"user": USER, "pass": "no"}, timeout=2)
    assert (bad.status_code, bad.json()) == (200, error("error.bad.credentials"))
    assert requests.get(f"{base}/user/login", timeout=2).status_code == 405  # 9.x: POST only
    assert requests.get(f"{base}/room/counters", timeout=2).status_code == 404
    assert requests.get(f"{base}/nothing", timeout=2).status_code == 404
    no_sid = requests.get(f"{base}/room/1", timeout=2)
    assert (no_sid.status_code, no_sid.json()) == (500, error("error.notallowed"))
    version = requests.get(f"{base}/info/version", timeout=2).json()
    assert version["info"]["version"] == "9.0.0"


def test_the_fakes_sessions_expire_after_thirty_idle_minutes(om, om_fake, clock):
    om.cancel_meeting("1")
    clock.advance(minutes=29)
    om.cancel_meeting("1")
    clock.advance(minutes=29)
    om.cancel_meeting("1")
    assert logins(om_fake) == 1
    clock.advance(minutes=31)
    om.cancel_meeting("1")
    assert logins(om_fake) == 2


def test_the_fakes_control_endpoints(om_server, om_fake, om):
    meeting_id = om.schedule_meeting(request()).meeting_id
    url = om_server.url
    answer = requests.post(f"{url}/_fake/mode", json={"mode": "down", "delay": 0.5}, timeout=2)
    assert answer.json()["mode"] == "down" and om_fake.delay == 0.5
    assert requests.get(f"{url}{SERVICES}/info/version", timeout=2).status_code == 503
    assert requests.post(f"{url}/_fake/mode", json={"mode": "odd"}, timeout=2).status_code == 400
    requests.post(f"{url}/_fake/mode", json={"mode": "ok"}, timeout=2)
    state = requests.get(f"{url}/_fake/state", timeout=2).json()
    assert state["meetings"][meeting_id]["name"] == "Quarterly review"
    assert requests.post(f"{url}/_fake/meetings/999/live", timeout=2).status_code == 404
    requests.post(f"{url}/_fake/sessions/expire", timeout=2)
    assert om_fake.sessions == {}


def test_the_fake_runs_as_a_process_and_stops_on_sigterm(fake_process):
    process = fake_process("conferencing.fakes.openmeetings")
    line = process.stdout.readline()
    assert line.startswith("fake OpenMeetings server at http://127.0.0.1:")
    url = line.split(" at ")[1].strip()
    assert "/openmeetings/services" in process.stdout.readline()
    assert f"admin user: {USER}" in process.stdout.readline()
    backend = OpenMeetings(url, admin_user=USER, admin_password=PASSWORD, read_timeout=2)
    meeting_id = backend.schedule_meeting(request()).meeting_id
    assert backend.meeting_status(meeting_id).topic == "Quarterly review"
    backend.close()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0


@pytest.mark.parametrize("mode", ["late", "reset"])
def test_a_create_resent_after_its_answer_was_lost_finds_the_room_it_made(
    om_server, om_fake, make_om, mode
):
    """Rooms carry the portal's key (externalId, externalType); a create finds or adds
    in one call (RoomWebService.getExternal), so the resent one changes the room the
    lost answer was about instead of adding a second."""
    backend = make_om(om_server.url, read_timeout=0.2)
    backend.cancel_meeting("1")  # logs in while the server is well
    om_fake.mode, om_fake.delay = mode, 1.0
    with pytest.raises(OutcomeUnknown):
        backend.schedule_meeting(request(external_id="meeting-7@portal"))
    om_fake.mode = "ok"
    scheduled = backend.schedule_meeting(request(topic="Resent", external_id="meeting-7@portal"))
    [room] = om_fake.rooms.values()
    assert str(room.id) == scheduled.meeting_id
    assert (room.dto["name"], room.dto["externalId"], room.dto["externalType"]) == (
        "Resent",
        "meeting-7@portal",
        "portal",
    )
    # Resent by the client itself too (3 tries under the fault): each found the one room.
    assert len(om_fake.calls(r"/room/CONFERENCE/portal/meeting-7@portal", "GET")) == 4
    [update] = om_fake.calls("/room", "POST")  # the found room, brought in step
    assert json.loads(update.form["room"])["id"] == room.id


def test_a_create_the_server_is_still_working_on_is_found_not_made_again(
    om_server, om_fake, make_om
):
    """A slow server acts after the portal gave up waiting; the retry meanwhile must not
    have added a room of its own."""
    import threading

    backend = make_om(om_server.url, read_timeout=0.2, retries=0)
    backend.cancel_meeting("1")  # logs in while the server is well
    om_fake.mode, om_fake.delay = "slow", 0.6
    with pytest.raises(OutcomeUnknown):
        backend.schedule_meeting(request(external_id="meeting-7@portal"))
    om_fake.mode = "ok"
    retried = backend.schedule_meeting(request(external_id="meeting-7@portal"))
    threading.Event().wait(0.8)  # the slow request has been served by now
    assert list(om_fake.rooms) == [int(retried.meeting_id)]


def test_a_room_filed_under_another_key_or_type_is_not_taken(om, om_fake):
    first = om.schedule_meeting(request(external_id="meeting-1@portal"))
    webinar = om.schedule_meeting(request(kind=MeetingKind.WEBINAR, external_id="meeting-1@portal"))
    other = om.schedule_meeting(request(external_id="meeting-2@portal"))
    assert len({first.meeting_id, webinar.meeting_id, other.meeting_id}) == 3
    assert om.schedule_meeting(request(external_id="meeting-2@portal")) == other
