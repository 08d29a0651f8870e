"""One contract, every installed backend: each declared capability, run against its fake.

A capability a backend declares must work; one it does not declare must raise
``Unsupported`` and never reach the server. The vendor-specific details (token
renewal, hashes, tickets) are tested beside each backend; this suite holds
them all to the same promises the portal relies on.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import pytest

from conferencing.base import (
    REQUEST_FIELDS,
    Account,
    Backend,
    BadServerResponse,
    Capability,
    ConferencingError,
    CredentialField,
    MeetingKind,
    MeetingRequest,
    MeetingRunning,
    Participant,
    ServerRefused,
    ServerUnavailable,
    Unsupported,
    backend_class,
    backend_names,
    for_host,
    make_backend,
)
from conferencing.browser import BrowserScheduling
from conferencing.fakes.server import serve

#: Every installed backend, each with its fake (conferencing/fakes/__init__.py).
NAMES = backend_names()
HOST = Participant(name="Helen Host", email="helen@acme.example", external_id="host-1", host=True)
GUEST = Participant(name="Gus Guest", email="gus@visitor.example", external_id="reg-7")
WEBEX_KEY = "123456789"  # Webex schedules in the host's browser: a key it gave before


@dataclass
class Served:
    name: str
    fake: Any
    backend: Backend

    def can(self, capability: Capability) -> bool:
        return capability in self.backend.capabilities


@pytest.fixture(params=NAMES)
def served(request) -> Iterator[Served]:
    name = request.param
    fake = importlib.import_module(backend_class(name).fake).Fake()
    with serve(fake) as server:
        backend = make_backend(
            name,
            base_url=fake.site_url(server.url),
            read_timeout=0.5,
            **fake.backend_options(),
        )
        try:
            yield Served(name, fake, backend)
        finally:
            backend.close()


def schedule(s: Served, *, topic: str = "Quarterly review") -> str:
    """Schedule a meeting the way the portal does: an account, an ID if reserved, the details."""
    company = ""
    if s.can(Capability.ACCOUNTS):
        company = s.backend.create_account(
            Account("Acme", "it@acme.example", meeting_rooms=2, participants_per_room=10)
        )
    reserved = s.backend.reserve_meeting_id(account_id=company, user_id="1")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    scheduled = s.backend.schedule_meeting(
        MeetingRequest(
            kind=MeetingKind.MEETING,
            topic=topic,
            host_email=HOST.email,
            start=start,
            end=start + dt.timedelta(hours=1),
            meeting_id=reserved,
        )
    )
    assert scheduled.meeting_id
    if reserved:
        assert scheduled.meeting_id == reserved
    return scheduled.meeting_id


def opened(s: Served, *, topic: str = "Quarterly review") -> str:
    """Create a meeting the way the portal does on a server that holds meetings only while
    they run: an ID of the portal's, then the meeting, when its host starts it."""
    key = s.backend.reserve_meeting_id(account_id="", user_id="1")
    assert key
    opened = s.backend.open_meeting(
        MeetingRequest(kind=MeetingKind.MEETING, topic=topic, host_email=HOST.email, meeting_id=key)
    )
    assert opened.meeting_id == key
    return key


def meeting_id(s: Served) -> str:
    if s.can(Capability.SCHEDULE):
        return schedule(s)
    if s.can(Capability.CREATED_ON_START):
        return opened(s)
    return WEBEX_KEY


def test_every_backend_declares_its_shape(served):
    backend = served.backend
    assert backend.name == served.name
    assert backend.capabilities <= set(Capability)
    assert MeetingKind.MEETING in backend.kinds
    # Its fake's options are exactly its declared credentials: the constructor's keywords.
    assert [f.name for f in backend.credential_fields] == list(served.fake.backend_options())
    assert all(isinstance(f, CredentialField) and f.label for f in backend.credential_fields)
    backend.ping()


def test_scheduling_and_changing_a_meeting(served):
    if not served.can(Capability.SCHEDULE):
        with pytest.raises(Unsupported):
            schedule(served)
        return
    first = schedule(served)
    if served.can(Capability.UPDATE):
        changed = served.backend.schedule_meeting(
            MeetingRequest(
                kind=MeetingKind.MEETING,
                topic="Quarterly review (moved)",
                host_email=HOST.email,
                start=dt.datetime(2031, 1, 1, 10, tzinfo=dt.UTC),
                end=dt.datetime(2031, 1, 1, 11, tzinfo=dt.UTC),
                meeting_id=first,
            )
        )
        assert changed.meeting_id == first


def test_cancelling_a_meeting(served):
    key = meeting_id(served)
    if served.can(Capability.CANCEL):
        served.backend.cancel_meeting(key)
    else:
        with pytest.raises(Unsupported):
            served.backend.cancel_meeting(key)


@pytest.mark.parametrize(
    ("capability", "call"),
    [
        (Capability.START_URL, lambda b, key: b.start_url(key, HOST)),
        (Capability.JOIN_URL, lambda b, key: b.join_url(key, GUEST)),
    ],
)
def test_links_are_urls_where_declared(served, capability, call):
    key = meeting_id(served)
    if not served.can(capability):
        with pytest.raises(Unsupported):
            call(served.backend, key)
        return
    url = call(served.backend, key)
    assert url.startswith(("http://", "https://")) and "\n" not in url


def test_a_personal_join_link_is_made_for_each_person(served):
    if not served.can(Capability.PERSONAL_JOIN_URL):
        pytest.skip(f"{served.name} gives one join link for everyone")
    key = meeting_id(served)
    other = Participant(name="Olga Other", email="olga@visitor.example", external_id="reg-8")
    assert served.backend.join_url(key, GUEST) != served.backend.join_url(key, other)


def test_live_status_and_attendees(served):
    key = meeting_id(served)
    if not served.can(Capability.LIVE_STATUS):
        with pytest.raises(Unsupported):
            served.backend.meeting_status(key)
        return
    assert served.backend.meeting_status(key).active is False
    served.fake.set_live(key, attendees=3)
    status = served.backend.meeting_status(key)
    assert status.active is True and status.meeting_id == key
    if served.can(Capability.ATTENDEE_COUNT):
        assert status.attendees == 3
    served.fake.set_ended(key)
    assert served.backend.meeting_status(key).active is False


def test_stopping_a_live_meeting(served):
    key = meeting_id(served)
    if not served.can(Capability.STOP):
        with pytest.raises(Unsupported):
            served.backend.stop_meeting(key)
        return
    served.fake.set_live(key, attendees=2)
    served.backend.stop_meeting(key)
    if served.can(Capability.LIVE_STATUS):
        status = served.backend.meeting_status(key)
        assert not (status.active and status.attendees)


def test_accounts_where_declared(served):
    account = Account("Acme", "it@acme.example", meeting_rooms=2, participants_per_room=10)
    if not served.can(Capability.ACCOUNTS):
        with pytest.raises(Unsupported):
            served.backend.create_account(account)
        return
    uid = served.backend.create_account(account)
    served.backend.update_account(Account(**(account.__dict__ | {"account_id": uid})))
    assert served.backend.query_account(uid).company_name == "Acme"
    served.backend.delete_account(uid)


# --- error paths: the same typed errors from every vendor --------------------------------


def a_call_that_reaches_the_server(s: Served):
    """A read every backend makes over HTTP (Webex makes none but ping)."""
    if s.can(Capability.LIVE_STATUS):
        key = meeting_id(s)
        return lambda: s.backend.meeting_status(key)
    return s.backend.ping


def test_a_server_that_is_down_is_unavailable(served):
    call = a_call_that_reaches_the_server(served)
    served.fake.mode = "down"
    with pytest.raises(ServerUnavailable):
        call()


def test_a_slow_server_times_out_as_unavailable(served):
    call = a_call_that_reaches_the_server(served)
    served.fake.mode = "slow"
    served.fake.delay = 2.0
    with pytest.raises(ServerUnavailable):
        call()


def test_garbage_is_a_bad_response_not_a_crash(served):
    if not served.can(Capability.LIVE_STATUS):
        pytest.skip(f"{served.name} reads nothing from the server but whether it answers")
    call = a_call_that_reaches_the_server(served)
    served.fake.mode = "garbage"
    with pytest.raises(BadServerResponse):
        call()


def test_an_unknown_meeting_is_refused_with_a_reason(served):
    if not served.can(Capability.LIVE_STATUS):
        pytest.skip(f"{served.name} cannot look a meeting up")
    if served.can(Capability.CREATED_ON_START):
        pytest.skip(f"{served.name} holds meetings only while they run: unknown is not running")
    with pytest.raises(ConferencingError) as raised:
        served.backend.meeting_status("987654321")
    assert not isinstance(raised.value, ServerUnavailable)
    assert str(raised.value).strip()


def test_scheduling_in_the_browser_where_declared(served):
    if not served.can(Capability.SCHEDULE_IN_BROWSER):
        pytest.skip(f"{served.name} schedules from the portal, not in the host's browser")
    start = dt.datetime(2031, 1, 1, 10, tzinfo=dt.UTC)
    request = MeetingRequest(
        kind=MeetingKind.MEETING,
        topic="Board call",
        host_email=HOST.email,
        start=start,
        end=start + dt.timedelta(hours=1),
    )
    assert isinstance(served.backend, BrowserScheduling)  # the protocol, not just the names
    url = served.backend.schedule_url(request, "https://portal.example/back/")
    assert url.startswith(("http://", "https://"))
    nothing = served.backend.parse_back_url({})
    assert nothing.ok is False and nothing.message and nothing.needs_sign_in is False
    form = served.backend.sign_in_form(back_url="https://portal.example/back/", then=url)
    assert form.action.startswith(("http://", "https://")) and "https://portal.example/back/" in (
        form.fields.values()
    )
    typed = {name for name, _label, _type in served.backend.sign_in_fields}
    assert typed and not typed & set(form.fields)  # what the person types is not pre-filled


# --- what each backend declares about running meetings, credentials and errors -----------


def request_for(key: str, **changes: Any) -> MeetingRequest:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=1)
    fields: dict[str, Any] = {
        "kind": MeetingKind.MEETING,
        "topic": "Quarterly review",
        "host_email": HOST.email,
        "start": start,
        "end": start + dt.timedelta(hours=1),
        "meeting_id": key,
    }
    return MeetingRequest(**(fields | changes))


def test_every_backend_declares_what_may_change_while_running(served):
    assert served.backend.changeable_while_running <= REQUEST_FIELDS
    assert all(isinstance(words, str) and words for words in served.backend.refusals.values())


def test_a_running_meeting_takes_only_what_its_backend_declares(served):
    if not served.can(Capability.UPDATE):
        pytest.skip(f"{served.name} takes no changes from the portal")
    key = schedule(served)
    original = request_for(key)
    served.backend.schedule_meeting(original)
    served.fake.set_live(key, attendees=2)
    # What may change, changes, and what may not is refused before anything is sent.
    # The same times as the original's: request_for reads the clock, which may have moved on.
    same_times = {"start": original.start, "end": original.end}
    served.backend.schedule_meeting(request_for(key, password="new-secret", **same_times))
    if "topic" in served.backend.changeable_while_running:
        served.backend.schedule_meeting(request_for(key, topic="Renamed while live", **same_times))
    else:
        with pytest.raises(MeetingRunning):
            served.backend.schedule_meeting(
                request_for(key, topic="Renamed while live", **same_times)
            )
    if served.can(Capability.LIVE_STATUS):
        status = served.backend.meeting_status(key)
        assert status.active is True
        if "topic" not in served.backend.changeable_while_running:
            assert status.topic == "Quarterly review"


def wrong(options: dict[str, str]) -> dict[str, str]:
    return {key: f"wrong-{value}" for key, value in options.items()}


def test_credentials_are_checked_where_the_server_can_tell(served):
    check = served.backend.check_credentials()
    assert check.answered is True and check.detail
    if served.name == "webex":
        assert check.accepted is None and "cannot check" in check.detail
        return
    assert check.accepted is True and check.ok

    base_url = served.backend.base_url
    options = wrong(served.fake.backend_options())
    with closing(make_backend(served.name, base_url=base_url, **options)) as other:
        refused = other.check_credentials()
    assert (refused.answered, refused.accepted, refused.ok) == (True, False, False)
    assert "refused" in refused.detail


def test_a_server_that_is_down_did_not_answer_the_credential_check(served):
    served.fake.mode = "down"
    check = served.backend.check_credentials()
    assert (check.answered, check.ok) == (False, False)


def test_every_error_has_a_sentence_for_hosts(served):
    """Raw details (paths, HTTP statuses, reason codes) never reach the host's sentence."""
    errors = [
        ServerUnavailable("POST /api/v3.1/conferences: HTTP 503"),
        ServerRefused("conferenceIsRunning"),
        MeetingRunning("conferenceIsRunning"),
        BadServerResponse("GET /x: the answer is not JSON"),
    ]
    for error in errors:
        sentence = for_host(error, served.backend.refusals)
        assert sentence.endswith(".") and "HTTP" not in sentence and "/api" not in sentence
        assert "conferenceIsRunning" not in sentence


def test_a_meeting_created_on_start_is_created_once_however_often_it_starts(served):
    if not served.can(Capability.CREATED_ON_START):
        with pytest.raises(Unsupported):
            served.backend.open_meeting(
                MeetingRequest(kind=MeetingKind.MEETING, topic="x", host_email="", meeting_id="1")
            )
        return
    assert not served.can(Capability.SCHEDULE)  # one or the other: never both
    key = opened(served)
    opened_again = served.backend.open_meeting(
        MeetingRequest(
            kind=MeetingKind.MEETING,
            topic="Quarterly review",
            host_email=HOST.email,
            meeting_id=key,
        )
    )
    assert opened_again.meeting_id == key
    served.fake.set_live(key, attendees=1)
    assert served.backend.meeting_status(key).attendees == 1  # still the one meeting
    served.fake.set_ended(key)
    assert served.backend.meeting_status(key).active is False


def test_recordings_where_declared(served):
    key = meeting_id(served)
    if not served.can(Capability.RECORDINGS):
        with pytest.raises(Unsupported):
            served.backend.recordings(key)
        return
    assert served.backend.recordings(key) == []
    served.fake.set_live(key, attendees=2)
    served.fake.set_ended(key)
    recordings = served.backend.recordings(key)
    assert recordings
    for recording in recordings:
        assert recording.recording_id and recording.duration >= dt.timedelta(0)
        if recording.published:
            assert recording.playback_url.startswith(("http://", "https://"))
