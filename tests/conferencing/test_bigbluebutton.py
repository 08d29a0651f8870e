"""The BigBlueButton client against its fake over real HTTP: checksums, idempotent
create, signed links, live state, end, recordings and the typed errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from conferencing.base import (
    BadServerResponse,
    CredentialsRefused,
    MeetingKind,
    MeetingRequest,
    Participant,
    ServerRefused,
    ServerUnavailable,
)
from conferencing.bigbluebutton import BigBlueButton
from conferencing.bigbluebutton.protocol import MeetingNotRunning, checksum, signed_query
from conferencing.fakes.bigbluebutton import FakeBigBlueButton
from conferencing.fakes.server import RunningServer, serve

HOST = Participant(name="Helen Host", email="helen@acme.example", external_id="host-1", host=True)
GUEST = Participant(name="Gus Guest", external_id="registration-7")


@pytest.fixture
def fake() -> FakeBigBlueButton:
    return FakeBigBlueButton(secret="s3cret-shared")


@pytest.fixture
def server(fake) -> Iterator[RunningServer]:
    with serve(fake) as running:
        yield running


@pytest.fixture
def make(fake, server, make_backend):
    def make(**options) -> BigBlueButton:
        settings = {"secret": fake.secret, "read_timeout": 0.5}
        return make_backend(BigBlueButton, fake.site_url(server.url), **(settings | options))

    return make


@pytest.fixture
def bbb(make) -> BigBlueButton:
    return make()


def opened(bbb: BigBlueButton, topic: str = "Quarterly review") -> str:
    meeting_id = bbb.reserve_meeting_id(account_id="", user_id="1")
    bbb.open_meeting(
        MeetingRequest(kind=MeetingKind.MEETING, topic=topic, host_email="", meeting_id=meeting_id)
    )
    return meeting_id


def enter(url: str) -> requests.Response:
    """What a browser does with a join link: follow it to the client."""
    return requests.get(url, timeout=5)


def test_the_checksum_is_the_api_references_example():
    query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
    secret = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
    assert checksum("create", query, secret, "sha1") == "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    params = dict(parse_qsl(query))
    assert signed_query("create", params, secret, "sha1") == (
        query + "&checksum=1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"
    )
    assert len(signed_query("create", params, secret, "sha256").rpartition("=")[2]) == 64


def test_the_meeting_is_not_on_the_server_until_it_is_opened(bbb, fake):
    meeting_id = bbb.reserve_meeting_id(account_id="", user_id="1")
    assert fake.calls == []  # the portal names meetings: no call
    assert bbb.meeting_status(meeting_id).active is False
    assert meeting_id not in fake.meetings


def test_create_is_idempotent_per_meeting_id(bbb, fake):
    meeting_id = opened(bbb)
    again = bbb.open_meeting(
        MeetingRequest(
            kind=MeetingKind.MEETING, topic="Quarterly review", host_email="", meeting_id=meeting_id
        )
    )
    assert again.meeting_id == meeting_id
    assert fake.created == 1 and len(fake.calls_to("create")) == 2


def test_the_host_enters_as_moderator_and_a_guest_as_viewer(bbb, fake):
    meeting_id = opened(bbb)
    page = enter(bbb.start_url(meeting_id, HOST))
    assert page.status_code == 200 and urlsplit(page.url).path == "/html5client/join"
    assert "Helen Host" in page.text and "MODERATOR" in page.text
    page = enter(bbb.join_url(meeting_id, GUEST))
    assert "Gus Guest" in page.text and "VIEWER" in page.text
    roles = {u.user_id: u.role for u in fake.meetings[meeting_id].users}
    assert roles == {"host-1": "MODERATOR", "registration-7": "VIEWER"}


def test_a_join_link_changed_by_hand_is_refused(bbb, fake):
    meeting_id = opened(bbb)
    url = bbb.join_url(meeting_id, GUEST)
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query)) | {"role": "MODERATOR"}
    forged = parts._replace(query=urlencode(params)).geturl()
    answer = enter(forged)
    assert "<messageKey>checksumError</messageKey>" in answer.text
    assert fake.meetings[meeting_id].users == []


def test_a_join_before_the_meeting_exists_is_refused(bbb):
    answer = enter(bbb.join_url("not-started", GUEST))
    assert "<messageKey>invalidMeetingIdentifier</messageKey>" in answer.text


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha512"])
def test_each_checksum_algorithm_the_server_allows_works(make, algorithm):
    bbb = make(checksum=algorithm)
    meeting_id = opened(bbb)
    assert "MODERATOR" in enter(bbb.start_url(meeting_id, HOST)).text
    assert bbb.is_running(meeting_id) is True


def test_an_algorithm_the_server_does_not_allow_is_a_credentials_problem(make, fake):
    fake.algorithms = ("sha1",)  # a server before 2.6, or one set so
    with pytest.raises(CredentialsRefused, match="checksum"):
        make(checksum="sha256").is_running("x")
    assert make(checksum="sha1").is_running("x") is False


def test_unset_it_signs_with_sha256_and_falls_back_to_sha1_once(make, fake):
    modern = make()
    modern.is_running("x")
    assert modern.checksum == "sha256"
    fake.algorithms = ("sha1",)
    older = make()
    meeting_id = opened(older)
    assert older.checksum == "sha1"
    assert "MODERATOR" in enter(older.start_url(meeting_id, HOST)).text  # links follow suit
    with pytest.raises(CredentialsRefused):
        make(secret="wrong").is_running("x")  # a wrong secret is still reported


def test_a_wrong_secret_is_refused_credentials_and_never_shown(make, fake):
    with pytest.raises(CredentialsRefused) as raised:
        make(secret="not-the-secret").meeting_status("x")
    assert len(fake.calls_to("getMeetingInfo")) == 2  # SHA-256, then SHA-1 once
    assert raised.value.status == "checksumError"
    assert "not-the-secret" not in str(raised.value) and "checksum=" not in str(raised.value)


def test_live_state_and_participant_count(bbb, fake):
    meeting_id = opened(bbb)
    assert bbb.is_running(meeting_id) is False  # created, nobody in it yet
    enter(bbb.start_url(meeting_id, HOST))
    enter(bbb.join_url(meeting_id, GUEST))
    status = bbb.meeting_status(meeting_id)
    assert status.active is True and status.attendees == 2
    assert status.topic == "Quarterly review" and status.start is not None
    assert status.details["moderatorCount"] == "1"
    assert bbb.is_running(meeting_id) is True


def test_end_stops_the_meeting_and_ending_it_again_is_harmless(bbb, fake):
    meeting_id = opened(bbb)
    enter(bbb.start_url(meeting_id, HOST))
    bbb.stop_meeting(meeting_id)
    assert meeting_id not in fake.meetings
    assert bbb.meeting_status(meeting_id).active is False
    bbb.stop_meeting(meeting_id)  # notFound: already stopped


def test_a_recorded_meeting_leaves_a_recording(bbb, fake):
    meeting_id = opened(bbb, topic="Recorded talk")
    assert bbb.recordings(meeting_id) == []
    enter(bbb.start_url(meeting_id, HOST))
    fake.clock = lambda: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=42)
    bbb.stop_meeting(meeting_id)
    (recording,) = bbb.recordings(meeting_id)
    assert recording.name == "Recorded talk" and recording.published is True
    assert dt.timedelta(minutes=41) < recording.duration < dt.timedelta(minutes=43)
    assert "Playback: Recorded talk" in enter(recording.playback_url).text
    fake.add_recording(meeting_id, name="Not yet processed", published=False)
    assert sorted(r.published for r in bbb.recordings(meeting_id)) == [False, True]


def test_reads_are_sent_again_while_the_server_is_down(bbb, fake, sleeps):
    fake.mode = "down"
    with pytest.raises(ServerUnavailable):
        bbb.meeting_status("x")
    assert len(fake.calls_to("getMeetingInfo")) == 3 and len(sleeps) == 2


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"<response><returncode>FAILED</returncode><messageKey>notFound</messageKey>"
         b"<message>gone</message></response>", MeetingNotRunning),
        (b"<response><returncode>FAILED</returncode><messageKey>tooManyThings</messageKey>"
         b"</response>", ServerRefused),
        (b"<response><returncode>MAYBE</returncode></response>", BadServerResponse),
        (b"<html><body>502</body></html>", BadServerResponse),
        (b"not xml at all", BadServerResponse),
        (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
         b"<response><returncode>&b;</returncode></response>", BadServerResponse),
    ],
)  # fmt: skip
def test_answers_map_to_typed_errors(stub, body, error):
    server = stub(body)
    client = BigBlueButton(server.url, secret="x", read_timeout=0.5)
    with pytest.raises(error) as raised:
        client.is_running("x")
    if error is ServerRefused:
        assert raised.value.status == "tooManyThings"
    client.close()


def test_ping_needs_no_secret(make):
    make(secret="wrong").ping()
