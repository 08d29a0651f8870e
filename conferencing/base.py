"""What every meeting-server backend offers, in plain Python.

The portal talks to a meeting server only through the names in this module:
value objects going in and out, a small tree of typed errors (``conferencing.errors``,
re-exported here), and a registry
of backend classes chosen by name (``turbomeeting``, ``trueconf``, ...). A
backend declares its capabilities so the portal offers only what works.

Nothing here imports Django: the clients are usable (and tested) on their own.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import importlib.metadata
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, TypeVar

from conferencing.errors import (  # the errors are part of the contract
    HOST_SENTENCE_OTHERWISE as HOST_SENTENCE_OTHERWISE,
    HOST_SENTENCES as HOST_SENTENCES,
    BadServerResponse as BadServerResponse,
    ConferencingError as ConferencingError,
    CredentialsRefused as CredentialsRefused,
    MeetingRunning as MeetingRunning,
    OutcomeUnknown as OutcomeUnknown,
    ServerRefused as ServerRefused,
    ServerUnavailable as ServerUnavailable,
    Unsupported as Unsupported,
    detail as detail,
    for_host as for_host,
    gettext_noop as gettext_noop,
)

log = logging.getLogger(__name__)

# --- capabilities and value objects -------------------------------------------


class Capability(enum.StrEnum):
    """What a backend can do; the portal offers only what the customer's backend declares."""

    ACCOUNTS = "accounts"  # create/update/delete/query customer accounts on the server
    SCHEDULE = "schedule"  # schedule a meeting from the server side (no browser involved)
    UPDATE = "update"  # change a scheduled meeting's topic, times or kind
    CANCEL = "cancel"  # delete a scheduled meeting on the server
    START_URL = "start_url"  # a link that starts the meeting as its host
    JOIN_URL = "join_url"  # a link that joins the meeting
    PERSONAL_JOIN_URL = "personal_join_url"  # a join link per registrant (name, email)
    # The server itself asks for a meeting's password before letting anyone in, so its
    # meeting ID and links may be public. Without it (TrueConf's web client link admits
    # anyone) the portal keeps a protected meeting's ID and server links out of public
    # pages, feeds and mails, and is the only one asking for the password.
    MEETING_PASSWORD = "meeting_password"
    LIVE_STATUS = "live_status"  # whether a meeting is live now
    ATTENDEE_COUNT = "attendee_count"  # how many attend a live meeting
    STOP = "stop"  # end a running meeting
    COMMAND_FILE = "command_file"  # desktop launcher files
    WEB_VIEWER = "web_viewer"  # an embeddable viewer URL
    CALLBACKS = "callbacks"  # the server calls the portal (sign-in, a host's meeting list)
    # The host schedules in their own browser (``schedule_url``) and the server
    # sends the browser back with the outcome (``parse_back_url``): Webex's URL API.
    SCHEDULE_IN_BROWSER = "schedule_in_browser"
    # A meeting exists on the server only while it runs: nothing is scheduled ahead, and
    # the portal creates it (``open_meeting``, idempotent per meeting ID) when the host
    # starts it or the first person joins, so its links are made when pressed. Its ID is
    # the portal's to choose: ``reserve_meeting_id`` answers a new one without a call.
    CREATED_ON_START = "created_on_start"
    RECORDINGS = "recordings"  # the server records meetings: ``recordings(meeting_id)``


class MeetingKind(enum.IntEnum):
    """What a meeting is, in the portal's terms; each backend maps these to its own values.

    The numbers are what the portal stores and its API shows; they are not any
    vendor's (a backend that has no such kind refuses it with ``Unsupported``).
    """

    MEETING = 0
    SUPPORT = 1  # a remote-support session
    REMOTE_ACCESS = 2
    WEBINAR = 3
    VIDEO_CONFERENCE = 4


@dataclass(frozen=True)
class Account:
    """A customer account as the server knows it (its licence: rooms, people per room)."""

    company_name: str
    email: str
    meeting_rooms: int
    participants_per_room: int
    #: The ID the server gave the account ("" before it has one); what it means is the
    #: backend's (TurboMeeting's company UID).
    account_id: str = ""


@dataclass(frozen=True)
class MeetingRequest:
    """What the portal asks the server to schedule, or to change when ``meeting_id`` is set.

    ``start``/``end`` are timezone-aware; both are ``None`` for a recurring meeting.
    ``external_id`` is the portal's own key for the meeting, the same on every
    attempt: a server that can file it with what it creates (a chosen conference
    ID, an external room ID) lets a create whose answer was lost be sent again and
    find what the first attempt made, instead of making a second one.
    """

    kind: MeetingKind
    topic: str
    host_email: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    is_recurring: bool = False
    password: str = ""
    call_number: str = ""
    attendee_access_code: str = ""
    meeting_id: str = ""  # the server's ID: reserved beforehand, or of a meeting to change
    max_participants: int = 0  # 0: the server's default
    external_id: str = ""  # the portal's key for the meeting, unique across portals


@dataclass(frozen=True)
class Participant:
    """Who a join link is for: a host or an attendee, named, with the portal's own ID."""

    name: str = ""
    email: str = ""
    external_id: str = ""  # stable per person (a registration's or host's ID)
    host: bool = False


@dataclass(frozen=True)
class ScheduledMeeting:
    """What the server made. ``join_url`` is the server's own link to the meeting, where
    it gives one that serves everyone, its host included (TrueConf's ``webclient_url``,
    at the server's public address): the portal keeps it and hands it out instead of
    building one. Empty where links are made per person."""

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


@dataclass(frozen=True)
class Recording:
    """A recording the server keeps of a meeting; ``published``: the server plays it back."""

    recording_id: str
    name: str = ""
    start: dt.datetime | None = None
    duration: dt.timedelta = dt.timedelta(0)
    playback_url: str = ""
    published: bool = False


@dataclass(frozen=True)
class CredentialField:
    """One value a backend needs to reach its server: an ID, a login, a password.

    A server record stores every one of them (encrypted) under ``name``, and the
    backend's constructor takes it as the keyword ``name``. ``label`` and
    ``help`` are what the admin and the API show a person; a ``secret`` one is
    never shown again once stored.
    """

    name: str
    label: str
    help: str = ""
    secret: bool = False
    required: bool = True
    #: The values it may take (none: any text); empty stays allowed where not required.
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class CredentialCheck:
    """What "Test the connection" found: whether the server answered at all, and whether
    it took the portal's credentials (``None``: this server cannot tell, as Webex's URL
    API, which has none). ``detail`` says it in words for staff."""

    answered: bool
    accepted: bool | None
    detail: str

    @property
    def ok(self) -> bool:
        return self.answered and self.accepted is not False


#: The fields of a ``MeetingRequest`` that a change to a meeting can touch; a backend's
#: ``changeable_while_running`` is a subset.
REQUEST_FIELDS = frozenset(
    {
        "kind",
        "topic",
        "start",
        "end",
        "is_recurring",
        "password",
        "call_number",
        "attendee_access_code",
        "max_participants",
    }
)


# --- the backend protocol and registry ----------------------------------------


class Backend(Protocol):
    """The shape every backend class has; a method outside its capabilities raises Unsupported.

    ``schedule_meeting`` creates a meeting, or changes the one ``request.meeting_id``
    names, and answers with the server's ID for it. ``reserve_meeting_id``
    answers "" where the server gives the ID only when scheduling.
    ``open_meeting`` (``Capability.CREATED_ON_START``) creates the meeting under
    ``request.meeting_id`` now, or answers the one already running under it.
    """

    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]
    kinds: ClassVar[frozenset[MeetingKind]]  # the meeting kinds the server can hold
    #: What the backend needs to reach its server besides its URL; the constructor takes
    #: each as a keyword of the field's name, and also ``base_url``, ``time_zone``,
    #: ``read_timeout`` and ``pool_size``.
    credential_fields: ClassVar[tuple[CredentialField, ...]]
    #: True when a join link works once or soon expires (OpenMeetings' room hashes):
    #: the portal then makes one when the person clicks, and never mails or lists one.
    join_links_expire: ClassVar[bool]
    #: The module of its fake server (``conferencing.fakes.<name>``): what `make run`, the
    #: contract tests and the demo data start and sign in to (conferencing/fakes/__init__.py).
    fake: ClassVar[str]
    #: Which ``MeetingRequest`` fields (of ``REQUEST_FIELDS``) the server lets change
    #: while the meeting runs; a field it does not keep (a password it has no place
    #: for) counts as changeable. The portal locks the others while a meeting is live.
    changeable_while_running: ClassVar[frozenset[str]]
    #: The server's own refusal reasons (``ServerRefused.reason``) in words a host can
    #: act on, as message ids (``gettext_noop``); ``for_host`` falls back to the error
    #: kind's sentence for the others.
    refusals: ClassVar[Mapping[str, str]]
    #: Whether it holds recurring meetings (a room with no fixed time); the portal offers
    #: them only then.
    holds_recurring: ClassVar[bool]

    def ping(self) -> None:
        """Raise ServerUnavailable unless the server answers at all."""

    def check_credentials(self) -> CredentialCheck:
        """Whether the server answers, and whether it takes the portal's credentials,
        found with the cheapest call that needs them (a token, a login). Never raises
        for the server's sake: a server that is down answers ``answered=False``."""

    def create_account(self, account: Account) -> str: ...
    def update_account(self, account: Account) -> None: ...
    def delete_account(self, account_id: str) -> None: ...
    def query_account(self, account_id: str) -> Account: ...
    def reserve_meeting_id(self, *, account_id: str, user_id: str) -> str: ...
    def schedule_meeting(self, request: MeetingRequest) -> ScheduledMeeting: ...
    def cancel_meeting(self, meeting_id: str) -> None: ...
    def start_url(self, meeting_id: str, host: Participant) -> str: ...
    def join_url(self, meeting_id: str, who: Participant, *, password: str = "") -> str: ...
    def meeting_status(self, meeting_id: str) -> MeetingStatus: ...
    def stop_meeting(self, meeting_id: str) -> None: ...
    def open_meeting(self, request: MeetingRequest) -> ScheduledMeeting: ...
    def recordings(self, meeting_id: str) -> list[Recording]: ...
    def close(self) -> None: ...


class BaseBackend(Backend):
    """What a backend is before it declares anything: it can do nothing.

    A backend subclasses this, declares its ``capabilities`` and ``kinds``, and
    overrides the operations it has; every other one raises ``Unsupported``,
    with the backend's own reason from ``unsupported_reasons`` where it gives one (a
    person reads it), else a general one. ``reserve_meeting_id`` answers ""
    (the server gives the ID when scheduling) and ``close`` has nothing to release.
    """

    name: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    kinds: ClassVar[frozenset[MeetingKind]] = frozenset({MeetingKind.MEETING})
    credential_fields: ClassVar[tuple[CredentialField, ...]] = ()
    join_links_expire: ClassVar[bool] = False
    fake: ClassVar[str] = ""
    changeable_while_running: ClassVar[frozenset[str]] = frozenset()
    refusals: ClassVar[Mapping[str, str]] = MappingProxyType({})
    holds_recurring: ClassVar[bool] = False
    #: Why this server cannot do what it does not declare, in words for a person.
    unsupported_reasons: ClassVar[Mapping[Capability, str]] = MappingProxyType({})
    #: What a credential check says of a server that does not answer its ping.
    no_answer: ClassVar[str] = "The server did not answer."

    def _unsupported(self, capability: Capability) -> Unsupported:
        reason = self.unsupported_reasons.get(capability)
        return Unsupported(reason or f"this meeting server cannot do that ({capability})")

    def ping(self) -> None:
        raise Unsupported("this meeting server cannot be asked whether it answers")

    def check_credentials(self) -> CredentialCheck:
        """Ping first: a server that does not answer is asked nothing more, and one that
        does is asked whether it takes the credentials (``credentials_accepted``)."""
        try:
            self.ping()
        except ServerUnavailable as exc:
            log.info("credential check: no answer: %s", exc)
            return CredentialCheck(False, None, self.no_answer)
        return self.credentials_accepted()

    def credentials_accepted(self) -> CredentialCheck:
        """``check_credentials`` once the server answered its ping, with the cheapest call
        that needs the credentials (a token, a login)."""
        raise Unsupported("this meeting server's credentials cannot be checked")

    def create_account(self, account: Account) -> str:
        raise self._unsupported(Capability.ACCOUNTS)

    def update_account(self, account: Account) -> None:
        raise self._unsupported(Capability.ACCOUNTS)

    def delete_account(self, account_id: str) -> None:
        raise self._unsupported(Capability.ACCOUNTS)

    def query_account(self, account_id: str) -> Account:
        raise self._unsupported(Capability.ACCOUNTS)

    def reserve_meeting_id(self, *, account_id: str, user_id: str) -> str:
        return ""

    def schedule_meeting(self, request: MeetingRequest) -> ScheduledMeeting:
        raise self._unsupported(Capability.SCHEDULE)

    def cancel_meeting(self, meeting_id: str) -> None:
        raise self._unsupported(Capability.CANCEL)

    def start_url(self, meeting_id: str, host: Participant) -> str:
        raise self._unsupported(Capability.START_URL)

    def join_url(self, meeting_id: str, who: Participant, *, password: str = "") -> str:
        raise self._unsupported(Capability.JOIN_URL)

    def meeting_status(self, meeting_id: str) -> MeetingStatus:
        raise self._unsupported(Capability.LIVE_STATUS)

    def stop_meeting(self, meeting_id: str) -> None:
        raise self._unsupported(Capability.STOP)

    def open_meeting(self, request: MeetingRequest) -> ScheduledMeeting:
        raise self._unsupported(Capability.CREATED_ON_START)

    def recordings(self, meeting_id: str) -> list[Recording]:
        raise self._unsupported(Capability.RECORDINGS)

    def close(self) -> None:
        return None


B = TypeVar("B", bound=Backend)

_registry: dict[str, type[Backend]] = {}


def register(name: str) -> Callable[[type[B]], type[B]]:
    """Class decorator: make a backend class available under ``name``."""

    def decorate(cls: type[B]) -> type[B]:
        _registry[name] = cls
        cls.name = name
        return cls

    return decorate


def unregister(name: str) -> None:
    """Forget the backend registered under ``name``."""
    _registry.pop(name, None)


#: The entry-point group every backend is found through, the bundled ones included:
#: ``[project.entry-points."conferencing.backends"]`` in a package's pyproject.toml,
#: ``name = "package.module:BackendClass"``. Installing a package adds its backends.
ENTRY_POINTS = "conferencing.backends"


@functools.cache  # read once per process: what is installed does not change while it runs
def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINTS)}


def backend_class(name: str) -> type[Backend]:
    """The backend class registered under ``name``: at run time, or through its entry point."""
    if name not in _registry:
        found = _entry_points().get(name)
        if found is None:
            known = ", ".join(backend_names()) or "none"
            raise LookupError(f"no meeting-server backend named {name!r} (known: {known})")
        cls = found.load()
        cls.name = name
        _registry[name] = cls
    return _registry[name]


def backend_names() -> list[str]:
    """Every backend name that can be used: the installed ones and any registered since."""
    return sorted(set(_registry) | set(_entry_points()))


def make_backend(name: str, **options: Any) -> Backend:
    return backend_class(name)(**options)
