"""What every meeting-server backend offers, in plain Python.

The portal talks to a meeting server only through the names in this module:
value objects going in and out, a small tree of typed errors, and a registry
of backend classes chosen by name (``turbomeeting``, ``trueconf``, ...). A
backend declares its capabilities so the portal offers only what works.

Nothing here imports Django: the clients are usable (and tested) on their own.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

# --- errors -------------------------------------------------------------------


class ConferencingError(Exception):
    """Base of every error a backend raises."""


class ServerUnavailable(ConferencingError):
    """The server could not be reached or did not answer in time (network, 5xx, timeout).

    Worth retrying later: nothing says the server refused the request.
    """


class OutcomeUnknown(ServerUnavailable):
    """The request went out but its answer was lost (no answer in time, the connection
    dropped mid-answer): the server may have done it.

    A read can be sent again. A create cannot: the spec has no look-up by
    name, so a second one could make a duplicate. A person decides.
    """


class ServerRefused(ConferencingError):
    """The server answered and said no (TurboMeeting: ``Status`` FAILED)."""

    def __init__(self, reason: str, *, status: str = "FAILED") -> None:
        self.reason = reason.strip() or "the server gave no reason"
        self.status = status
        super().__init__(self.reason)


class BadServerResponse(ConferencingError):
    """The server answered something that is not what its protocol promises."""


class Unsupported(ConferencingError):
    """The backend cannot do this (see ``Backend.capabilities``)."""


# --- capabilities and value objects -------------------------------------------


class Capability(enum.StrEnum):
    ACCOUNTS = "accounts"  # create/update/delete/query customer accounts
    SCHEDULE = "schedule"  # schedule meetings on the server
    STATUS = "status"  # report whether a meeting is live and who attends
    STOP = "stop"  # end a running meeting
    REGISTRATION = "registration"  # server-side webinar registration
    COMMAND_FILE = "command_file"  # desktop launcher files
    WEB_VIEWER = "web_viewer"  # an embeddable viewer URL


class MeetingType(enum.IntEnum):
    """TurboMeeting's ``meeting_type`` numbers; other backends map onto them."""

    INTERACTIVE = 0
    REMOTE_SUPPORT = 1
    REMOTE_ACCESS = 2
    WEBINAR = 3
    VIDEO_CONFERENCE = 4


@dataclass(frozen=True)
class Account:
    """A customer account as the server knows it."""

    company_name: str
    email: str
    number_of_meeting_room: int
    number_of_participant: int
    company_uid: str = ""


@dataclass(frozen=True)
class MeetingRequest:
    """What the portal asks the server to schedule.

    ``start``/``end`` are timezone-aware; both are ``None`` for a recurring meeting.
    """

    meeting_type: MeetingType
    topic: str
    host_email: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    is_recurring: bool = False
    password: str = ""
    call_number: str = ""
    attendee_access_code: str = ""
    meeting_id: str = ""  # a meeting ID reserved beforehand (TurboMeeting remote_schedule)


@dataclass(frozen=True)
class ScheduledMeeting:
    meeting_id: str
    topic: str = ""
    start: dt.datetime | None = None
    join_url: str = ""


@dataclass(frozen=True)
class MeetingStatus:
    """What the server says of a meeting now; topic and times when it reports them."""

    meeting_id: str
    active: bool
    attendees: int = 0
    topic: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    details: dict[str, str] = field(default_factory=dict)


# --- the backend protocol and registry ----------------------------------------


class Backend(Protocol):
    """The shape every backend class has; methods a backend cannot do raise Unsupported."""

    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]

    def ping(self) -> None:
        """Raise ServerUnavailable unless the server answers at all."""

    def create_account(self, account: Account) -> str: ...
    def update_account(self, account: Account) -> None: ...
    def delete_account(self, company_uid: str) -> None: ...
    def query_account(self, company_uid: str) -> Account: ...
    def reserve_meeting_id(self, *, company_uid: str, user_id: str) -> str: ...
    def schedule_meeting(self, request: MeetingRequest) -> ScheduledMeeting: ...
    def meeting_status(self, meeting_id: str) -> MeetingStatus: ...
    def stop_meeting(self, meeting_id: str) -> None: ...


B = TypeVar("B", bound=type)

_registry: dict[str, type] = {}


def register(name: str) -> Callable[[B], B]:
    """Class decorator: make a backend class available under ``name``."""

    def decorate(cls: B) -> B:
        _registry[name] = cls
        cls.name = name  # type: ignore[attr-defined]
        return cls

    return decorate


def backend_class(name: str) -> type:
    """The backend class registered under ``name`` (imports the bundled ones first)."""
    import conferencing.turbomeeting  # noqa: F401  (registers itself)

    try:
        return _registry[name]
    except KeyError:
        known = ", ".join(sorted(_registry)) or "none"
        raise LookupError(f"no meeting-server backend named {name!r} (known: {known})") from None


def backend_names() -> list[str]:
    backend_class("turbomeeting")
    return sorted(_registry)


def make_backend(name: str, **options: Any) -> Backend:
    return backend_class(name)(**options)
