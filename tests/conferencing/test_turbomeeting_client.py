"""The TurboMeeting client over real HTTP, against the fake server (or a fixed-answer stub)."""

import datetime as dt
import logging
import subprocess
import sys

import pytest
import requests

from conferencing.base import (
    Account,
    BadServerResponse,
    MeetingKind,
    MeetingRequest,
    MeetingStatus,
    Participant,
    ServerRefused,
    ServerUnavailable,
    Unsupported,
    backend_class,
    make_backend,
)
from conferencing.http import Endpoint
from conferencing.turbomeeting import TurboMeeting
from conferencing.turbomeeting.client import PATHS
from conferencing.turbomeeting.returns import build_return

# The fake's defaults, and the conftest clock's start.
PARTNER, CODE, ADMIN_PASSWORD = "demo-partner", "demo-integration", "admin-password"
T0 = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)

ACME = Account(
    company_name="Acme & Sons",
    email="ops@acme.example",
    meeting_rooms=3,
    participants_per_room=25,
)
MEETING_PASSWORD = "meeting-pw-7731"


def one_off(**changes) -> MeetingRequest:
    values = {
        "kind": MeetingKind.MEETING,
        "topic": "Quarterly review </__MeetingTopic__><x>",
        "host_email": "host@acme.example",
        "start": T0 + dt.timedelta(hours=1),
        "end": T0 + dt.timedelta(hours=2),
        "password": MEETING_PASSWORD,
        "call_number": "+1 555 0100",
        "attendee_access_code": "4242#",
    }
    return MeetingRequest(**(values | changes))


def calls(fake, name):
    return [r for r in fake.requests if r.path == PATHS[name].path]


# --- registry and construction -------------------------------------------------


def test_is_registered_and_leaves_cancelling_to_the_meeting_list():
    assert backend_class("turbomeeting") is TurboMeeting
    backend = make_backend("turbomeeting", base_url="http://tm.example", service_company_uid="p")
    assert isinstance(backend, TurboMeeting)
    # The server learns of a cancellation from the portal's meeting list instead.
    with pytest.raises(Unsupported):
        backend.cancel_meeting("123")
    backend.close()


def test_start_and_join_urls_carry_no_password_unless_given():
    tm = TurboMeeting("http://tm.example/", service_company_uid="p")
    start = tm.start_url("42", Participant(email="host@acme.example", host=True))
    assert start == (
        "http://tm.example/as/wapi/goto_downloader?role=host&email=host%40acme.example"
        "&meeting_id=42"
    )
    join = tm.join_url("42", Participant(name="Ada L"), password="pw")
    assert "name=Ada+L" in join and "meeting_id=42" in join and "password=pw" in join


def test_conferencing_never_imports_django():
    code = (
        "import sys, conferencing.base, conferencing.turbomeeting.launch, "
        "conferencing.fakes.turbomeeting; "
        "conferencing.base.backend_class('turbomeeting'); "
        "sys.exit('django' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- accounts ------------------------------------------------------------------


def test_account_lifecycle(tm, fake):
    uid = tm.create_account(ACME)
    assert uid in fake.accounts
    assert tm.query_account(uid) == Account(**(ACME.__dict__ | {"account_id": uid}))

    tm.update_account(Account(**(ACME.__dict__ | {"account_id": uid, "meeting_rooms": 5})))
    assert tm.query_account(uid).meeting_rooms == 5

    tm.delete_account(uid)
    with pytest.raises(ServerRefused, match="unknown company_uid"):
        tm.query_account(uid)


def test_account_calls_send_the_spec_parameters_in_the_url(tm, fake):
    uid = tm.create_account(ACME)
    method, path, params = fake.requests[-1]
    assert (method, path) == ("GET", "/as/wapi/service/create_account")
    assert params == {
        "service_company_uid": PARTNER,
        "company_name": "Acme & Sons",
        "email": "ops@acme.example",
        "number_of_meeting_room": "3",
        "number_of_participant": "25",
    }
    tm.delete_account(uid)
    assert fake.requests[-1].params == {"service_company_uid": PARTNER, "company_uid": uid}


def test_a_refusal_carries_the_servers_reason(server, make_client):
    client = make_client(server.url, service_company_uid="someone-else")
    with pytest.raises(ServerRefused) as caught:
        client.create_account(ACME)
    assert caught.value.reason == "unknown partner ID"
    assert caught.value.status == "FAILED"


def test_update_needs_a_company_uid(tm):
    with pytest.raises(ValueError, match="company_uid"):
        tm.update_account(ACME)


# --- meetings ------------------------------------------------------------------


def test_schedule_sends_every_parameter_by_post_in_the_servers_zone(server, fake, make_client):
    client = make_client(server.url, time_zone="Europe/Berlin")
    meeting = client.schedule_meeting(one_off())
    assert meeting.meeting_id in fake.meetings
    assert meeting.topic == "Quarterly review </__MeetingTopic__><x>"
    assert meeting.start == T0 + dt.timedelta(hours=1)

    [(method, _path, params)] = calls(fake, "schedule_meeting")
    assert method == "POST"
    assert params == {
        "meeting_type": "0",
        "email": "host@acme.example",
        "user_password": "",
        "password": MEETING_PASSWORD,
        "is_recurring": "N",
        "meeting_topic": "Quarterly review </__MeetingTopic__><x>",
        "integration_code": CODE,
        "call_number": "+1 555 0100",
        "attendee_access_code": "4242#",
        "start_time": "2030/03/04 11:00",  # 10:00 UTC in Berlin (CET)
        "end_time": "2030/03/04 12:00",
    }


def test_recurring_meetings_have_no_times(tm, fake):
    meeting = tm.schedule_meeting(one_off(is_recurring=True, start=None, end=None))
    [(_, _, params)] = calls(fake, "schedule_meeting")
    assert (params["is_recurring"], params["start_time"], params["end_time"]) == ("Y", "", "")
    assert fake.meetings[meeting.meeting_id].is_recurring


def test_one_off_meetings_need_start_and_end(tm, fake):
    with pytest.raises(ValueError, match="start and an end"):
        tm.schedule_meeting(one_off(end=None))
    with pytest.raises(ValueError, match="naive"):
        tm.schedule_meeting(one_off(start=dt.datetime(2030, 1, 1), end=dt.datetime(2030, 1, 2)))
    assert fake.requests == []


def test_schedule_with_a_meeting_id_reserved_by_remote_schedule(tm, fake):
    uid = tm.create_account(ACME)
    reserved = tm.remote_schedule(company_uid=uid, user_id="u-17")
    assert calls(fake, "remote_schedule")[-1].params == {
        "service_company_uid": PARTNER,
        "company_uid": uid,
        "user_id": "u-17",
    }
    also = tm.reserve_meeting_id(account_id=uid, user_id="u-17")
    assert also != reserved

    meeting = tm.schedule_meeting(one_off(meeting_id=reserved))
    assert meeting.meeting_id == reserved
    assert calls(fake, "schedule_meeting")[-1].params["meeting_id"] == reserved
    # Sending it again updates the meeting (an edit, or a retry whose answer was lost).
    again = tm.schedule_meeting(one_off(meeting_id=reserved, topic="Renamed"))
    assert again.meeting_id == reserved
    assert fake.meetings[reserved].topic == "Renamed"
    assert len(fake.meetings) == 1
    with pytest.raises(ServerRefused, match="unknown meeting_id"):
        tm.schedule_meeting(one_off(meeting_id="never-reserved"))


def test_schedule_refusals(server, make_client):
    wrong_code = make_client(server.url, integration_code="guess")
    with pytest.raises(ServerRefused, match="invalid integration code"):
        wrong_code.schedule_meeting(one_off())
    client = make_client(server.url)
    with pytest.raises(ServerRefused, match="end_time must be after start_time"):
        client.schedule_meeting(one_off(end=T0))


def test_status_follows_the_meeting(tm, fake, clock):
    meeting_id = tm.schedule_meeting(one_off()).meeting_id
    status = tm.meeting_status(meeting_id)
    assert (status.active, status.attendees) == (False, 0)
    assert status.details["State"] == "scheduled"
    assert status.details["MeetingID"] == meeting_id

    clock.advance(minutes=90)
    status = tm.meeting_status(meeting_id)
    assert status.active and status.attendees == fake.state(meeting_id)[1] > 0

    fake.set_live(meeting_id, attendees=7)
    assert tm.meeting_status(meeting_id) == MeetingStatus(
        meeting_id=meeting_id,
        active=True,
        attendees=7,
        topic="Quarterly review </__MeetingTopic__><x>",
        start=T0 + dt.timedelta(hours=1),
        end=T0 + dt.timedelta(hours=2),
        details=status.details | {"NumberOfAttendees": "7"},
    )
    [*_, (method, _, params)] = calls(fake, "meeting_status")
    assert (method, params) == ("POST", {"integration_code": CODE, "meeting_id": meeting_id})


def test_status_of_an_unknown_meeting_is_refused(tm):
    with pytest.raises(ServerRefused, match="unknown meeting_id"):
        tm.meeting_status("999")


def test_stop_meeting(tm, fake):
    meeting_id = tm.schedule_meeting(one_off()).meeting_id
    with pytest.raises(ServerRefused, match="not active"):
        tm.stop_meeting(meeting_id)
    fake.set_live(meeting_id, attendees=3)
    tm.stop_meeting(meeting_id)
    assert fake.state(meeting_id) == ("ended", 0)
    [*_, (method, _, params)] = calls(fake, "stop_meeting")
    assert method == "POST"
    assert params == {
        "meeting_id": meeting_id,
        "email": "admin@example.com",
        "password": ADMIN_PASSWORD,
    }


def test_stop_needs_administrator_credentials(server, fake, make_client):
    with pytest.raises(Unsupported):
        make_client(server.url, admin_password="").stop_meeting("1")
    with pytest.raises(ServerRefused, match="administrator sign-in failed"):
        make_client(server.url, admin_password="wrong").stop_meeting("1")


def test_ping(tm, fake):
    tm.ping()
    assert fake.requests[-1][:2] == ("GET", "/")


# --- failures ------------------------------------------------------------------


def test_down_server_is_unavailable_and_only_reads_are_retried(tm, fake, sleeps):
    meeting_id = tm.schedule_meeting(one_off()).meeting_id
    fake.mode = "down"
    fake.requests.clear()

    with pytest.raises(ServerUnavailable, match="HTTP 503"):
        tm.meeting_status(meeting_id)
    assert len(calls(fake, "meeting_status")) == 3
    assert sleeps == [0.2, 0.4]

    sleeps.clear()
    for write in (
        lambda: tm.create_account(ACME),
        lambda: tm.schedule_meeting(one_off()),
        lambda: tm.stop_meeting(meeting_id),
        lambda: tm.remote_schedule(company_uid="c", user_id="u"),
    ):
        with pytest.raises(ServerUnavailable):
            write()
    assert len(fake.requests) == 3 + 4
    assert sleeps == []

    with pytest.raises(ServerUnavailable):
        tm.ping()
    assert len(fake.requests) == 3 + 4 + 3


def test_garbage_is_a_bad_response_and_not_retried(tm, fake, sleeps):
    fake.mode = "garbage"
    with pytest.raises(BadServerResponse, match="query_account"):
        tm.query_account("x")
    assert len(fake.requests) == 1
    assert sleeps == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        ("404 Not Found", b"<html>no</html>"),
        ("403 Forbidden", build_return("SUCCEED", fields={"CompanyUid": "x"})),
        ("302 Found", b""),
        ("200 OK", build_return("SUCCEED")),  # no CompanyUid
        ("200 OK", build_return("SUCCEED", fields={"CompanyUid": "  "})),
        ("200 OK", build_return("MAYBE", fields={"CompanyUid": "x"})),
        ("200 OK", b"x" * 2000),
    ],
)
def test_unexpected_answers_are_bad_responses(stub, make_client, status, body):
    client = make_client(stub(body, status=status).url, max_body=1000)
    with pytest.raises(BadServerResponse):
        client.create_account(ACME)


@pytest.mark.parametrize(
    "fields",
    [
        {
            "CompanyName": "A",
            "Email": "e",
            "NumberOfMeetingRoom": "many",
            "NumberOfParticipant": "1",
        },
        {
            "CompanyName": "A",
            "Email": "e",
            "NumberOfMeetingRoom": "1_000",
            "NumberOfParticipant": "1",
        },
        {"CompanyName": "A", "Email": "e", "NumberOfMeetingRoom": "1"},
    ],
)
def test_query_account_needs_integers(stub, make_client, fields):
    client = make_client(stub(build_return("SUCCEEDED", fields=fields)).url)
    with pytest.raises(BadServerResponse, match="NumberOf"):
        client.query_account("x")


def test_query_account_reads_whitespace_padded_answers(stub, make_client):
    body = b"""<__Return__>
      <__Status__>
        SUCCEEDED
      </__Status__>
      <__Reason__></__Reason__>
      <__CompanyName__>
        Acme
      </__CompanyName__>
      <__Email__> a@acme.example </__Email__>
      <__NumberOfMeetingRoom__>
        2
      </__NumberOfMeetingRoom__>
      <__NumberOfParticipant__>10</__NumberOfParticipant__>
    </__Return__>"""
    client = make_client(stub(body).url)
    assert client.query_account("c1") == Account("Acme", "a@acme.example", 2, 10, "c1")


@pytest.mark.parametrize(
    ("flag", "active"), [("Y", True), ("yes", True), ("TRUE", True), ("1", True), ("N", False)]
)
def test_status_flags(stub, make_client, flag, active):
    body = build_return("SUCCEED", fields={"IsActive": flag, "NumberOfAttendees": "4"})
    assert make_client(stub(body).url).meeting_status("1").active is active


@pytest.mark.parametrize(
    "fields",
    [
        {"IsActive": "perhaps"},
        {"NumberOfAttendees": "3"},
        {"IsActive": "Y", "NumberOfAttendees": "3.5"},
    ],
)
def test_status_needs_a_flag_and_an_integer(stub, make_client, fields):
    with pytest.raises(BadServerResponse):
        make_client(stub(build_return("SUCCEED", fields=fields)).url).meeting_status("1")


def test_redirects_are_not_followed(stub, make_client):
    target = stub(build_return("SUCCEED", fields={"IsActive": "Y"}))
    redirect = stub(b"", status="307 Temporary Redirect", headers=[("Location", target.url + "/x")])
    with pytest.raises(BadServerResponse, match="HTTP 307"):
        make_client(redirect.url).meeting_status("1")


# --- secrets -------------------------------------------------------------------


def test_secrets_travel_only_in_post_bodies(tm, fake):
    uid = tm.create_account(ACME)
    tm.remote_schedule(company_uid=uid, user_id="u")
    meeting_id = tm.schedule_meeting(one_off()).meeting_id
    fake.set_live(meeting_id)
    tm.meeting_status(meeting_id)
    tm.stop_meeting(meeting_id)
    secrets = {MEETING_PASSWORD, CODE, ADMIN_PASSWORD}
    for method, path, params in fake.requests:
        if method == "GET":
            assert not secrets & set(params.values()), path
    posted = {
        value
        for method, _, params in fake.requests
        if method == "POST"
        for value in params.values()
    }
    assert secrets <= posted


def test_the_fake_refuses_parameters_in_the_url_of_a_post_call(server):
    url = server.url + PATHS["schedule_meeting"].path + "?password=x"
    assert requests.post(url, data={"a": "b"}, timeout=2).status_code == 400


def test_secrets_never_reach_logs_or_error_messages(server, fake, make_client, caplog, sleeps):
    caplog.set_level(logging.DEBUG)
    client = make_client(server.url)
    meeting_id = client.schedule_meeting(one_off()).meeting_id
    fake.set_live(meeting_id)
    client.meeting_status(meeting_id)
    client.stop_meeting(meeting_id)
    wrong_code = make_client(server.url, integration_code="wrong-" + CODE)
    wrong_admin = make_client(server.url, admin_password="wrong-" + ADMIN_PASSWORD)
    errors = []
    for call in (
        lambda: wrong_code.schedule_meeting(one_off()),
        lambda: wrong_code.meeting_status(meeting_id),
        lambda: wrong_admin.stop_meeting(meeting_id),
    ):
        with pytest.raises(ServerRefused) as caught:
            call()
        errors.append(str(caught.value))
    fake.mode = "down"
    with pytest.raises(ServerUnavailable) as caught:
        client.meeting_status(meeting_id)
    errors.append(str(caught.value))

    text = caplog.text + "\n".join(errors)
    assert "POST /as/wapi/schedule_meeting -> HTTP 200" in caplog.text
    for secret in (MEETING_PASSWORD, CODE, ADMIN_PASSWORD, PARTNER):
        assert secret not in text


def test_a_reason_echoing_a_secret_is_redacted(stub, make_client):
    body = build_return("FAILED", reason=f"bad code {CODE}")
    with pytest.raises(ServerRefused) as caught:
        make_client(stub(body).url).meeting_status("1")
    assert caught.value.reason == "bad code ***"


# --- the retry rule ------------------------------------------------------------


def test_the_path_table_is_the_one_place_to_adapt(server, fake, make_client, monkeypatch):
    monkeypatch.setitem(PATHS, "query_account", Endpoint("/elsewhere", retry_safe=True))
    with pytest.raises(BadServerResponse, match="HTTP 404"):
        make_client(server.url).query_account("x")
