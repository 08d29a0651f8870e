"""The base class a backend starts from: it declares nothing and can do nothing."""

from __future__ import annotations

import pytest

from conferencing.base import (
    Account,
    BaseBackend,
    Capability,
    MeetingKind,
    MeetingRequest,
    Participant,
    Unsupported,
)

ACCOUNT = Account(
    company_name="Acme", email="a@acme.example", meeting_rooms=1, participants_per_room=5
)
REQUEST = MeetingRequest(kind=MeetingKind.MEETING, topic="t", host_email="h@acme.example")
OPERATIONS = {
    "ping": lambda b: b.ping(),
    "create_account": lambda b: b.create_account(ACCOUNT),
    "update_account": lambda b: b.update_account(ACCOUNT),
    "delete_account": lambda b: b.delete_account("c"),
    "query_account": lambda b: b.query_account("c"),
    "schedule_meeting": lambda b: b.schedule_meeting(REQUEST),
    "cancel_meeting": lambda b: b.cancel_meeting("1"),
    "start_url": lambda b: b.start_url("1", Participant(host=True)),
    "join_url": lambda b: b.join_url("1", Participant()),
    "meeting_status": lambda b: b.meeting_status("1"),
    "stop_meeting": lambda b: b.stop_meeting("1"),
}


class Nothing(BaseBackend):
    pass


class LinksOnly(BaseBackend):
    capabilities = frozenset({Capability.JOIN_URL})
    unsupported_reasons = {Capability.ACCOUNTS: "this server keeps its users in LDAP"}

    def join_url(self, meeting_id: str, who: Participant, *, password: str = "") -> str:
        return f"https://links.example/{meeting_id}"


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_every_operation_of_a_backend_that_declares_nothing_is_unsupported(operation):
    with pytest.raises(Unsupported):
        OPERATIONS[operation](Nothing())


def test_a_backend_declares_only_what_it_does_and_says_why_not_in_its_own_words():
    backend = LinksOnly()
    assert backend.join_url("7", Participant()) == "https://links.example/7"
    with pytest.raises(Unsupported, match="keeps its users in LDAP"):
        backend.create_account(ACCOUNT)
    with pytest.raises(Unsupported, match="cannot do that"):
        backend.stop_meeting("7")


def test_the_defaults_offer_nothing_and_reserve_no_id():
    backend = Nothing()
    assert backend.capabilities == frozenset()
    assert backend.kinds == frozenset({MeetingKind.MEETING})
    assert backend.credential_fields == () and backend.join_links_expire is False
    assert backend.reserve_meeting_id(account_id="c", user_id="u") == ""
    backend.close()
