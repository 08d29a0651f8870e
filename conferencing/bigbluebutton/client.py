"""The BigBlueButton backend: meetings made when they start, signed links, live state,
recordings.

Facts this client is built on (the API reference at docs.bigbluebutton.org):

- ``base_url`` is the server's BigBlueButton root as ``bbb-conf --secret`` prints it
  (``https://bbb.example.com/bigbluebutton``); the calls live under ``{base_url}/api/``.
  The one secret is shared with the server; ``checksum`` names the algorithm
  (``sha1`` on any server; ``sha256`` and up where ``supportedChecksumAlgorithms``
  allows them, as it does by default from 2.6). Left unset, calls are signed with
  SHA-256, and a server that refuses that checksum is asked once more with SHA-1,
  which is then kept (a wrong secret costs one call more before it is reported).
- A meeting exists only from ``create`` until it ends (``end``, or everyone left):
  nothing is scheduled ahead. ``create`` is idempotent per ``meetingID``: the same ID
  again answers the meeting already running (``duplicateWarning``), so the portal
  creates the meeting whenever its host starts it or anyone joins, and may resend a
  create whose answer was lost.
- The portal names meetings (``reserve_meeting_id``, no call). The moderator and
  attendee passwords each meeting is created with are derived from the secret and
  the meeting's ID, so nothing more is stored, and sent with the join's ``role``
  (servers before 2.6 know only the password).
- ``join`` is a URL the browser opens, signed like every call: no call is made here.
- ``getMeetingInfo`` gives the live state and the participant count; a meeting that
  is not running is ``notFound``. ``getRecordings`` lists a meeting's recordings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import ClassVar, Unpack

from conferencing.base import (
    BadServerResponse,
    BaseBackend,
    Capability,
    ConferencingError,
    CredentialCheck,
    CredentialField,
    CredentialsRefused,
    MeetingKind,
    MeetingRequest,
    MeetingStatus,
    Participant,
    Recording,
    ScheduledMeeting,
    Unsupported,
    gettext_noop,
)
from conferencing.bigbluebutton.protocol import (
    ALGORITHMS,
    MeetingNotRunning,
    parse,
    signed_query,
    text,
)
from conferencing.http import Endpoint, HTTPOptions, Transport, base_url_checked

log = logging.getLogger(__name__)

#: Every call, relative to ``{base_url}/api/``. All are GETs; all but ``join`` (a link
#: for the browser, never sent from here) may be sent again: a second ``create`` of
#: one meetingID answers the same meeting, and ending an ended meeting ends nothing.
PATHS: dict[str, Endpoint] = {
    "version": Endpoint("", retry_safe=True),  # the API root: no call name, no checksum
    "create": Endpoint("/create", retry_safe=True),
    "join": Endpoint("/join"),
    "isMeetingRunning": Endpoint("/isMeetingRunning", retry_safe=True),
    "getMeetingInfo": Endpoint("/getMeetingInfo", retry_safe=True),
    "end": Endpoint("/end", retry_safe=True),
    "getRecordings": Endpoint("/getRecordings", retry_safe=True),
    "getMeetings": Endpoint("/getMeetings", retry_safe=True),  # the credential check
}
#: Query fields whose values are never logged.
SECRET_PARAMS = frozenset({"checksum", "password", "moderatorPW", "attendeePW"})
#: The playback format listed first when a recording has several.
PREFERRED_PLAYBACK = ("presentation", "video")


class BigBlueButton(BaseBackend):
    """A BigBlueButton server (2.x, 3.x), seen from the portal. ``http`` are the
    transport's settings (``conferencing.http.HTTPOptions``)."""

    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.CREATED_ON_START,
            Capability.START_URL,
            Capability.JOIN_URL,
            Capability.PERSONAL_JOIN_URL,
            Capability.LIVE_STATUS,
            Capability.ATTENDEE_COUNT,
            Capability.STOP,
            Capability.RECORDINGS,
        }
    )
    kinds: ClassVar[frozenset[MeetingKind]] = frozenset(
        {MeetingKind.MEETING, MeetingKind.WEBINAR, MeetingKind.VIDEO_CONFERENCE}
    )
    fake: ClassVar[str] = "conferencing.fakes.bigbluebutton"
    credential_fields: ClassVar[tuple[CredentialField, ...]] = (
        CredentialField(
            "secret",
            "Shared secret",
            "The server's API secret (`bbb-conf --secret` prints it): every call is signed "
            "with it.",
            secret=True,
        ),
    )
    #: Nothing is on the server until the meeting starts, and a running meeting cannot be
    #: renamed: what the portal keeps to itself (its password, dial-in details) may change.
    changeable_while_running: ClassVar[frozenset[str]] = frozenset(
        {"password", "call_number", "attendee_access_code"}
    )
    holds_recurring: ClassVar[bool] = True  # a room started whenever its host starts it
    refusals: ClassVar[Mapping[str, str]] = {
        "checksumError": gettext_noop(
            "The BigBlueButton server refused the portal's signature: ask your portal "
            "administrator to check the server's shared secret."
        ),
    }
    unsupported_reasons: ClassVar[Mapping[Capability, str]] = {
        Capability.ACCOUNTS: "BigBlueButton has no customer accounts: the portal keeps its "
        "customers",
        **dict.fromkeys(
            (Capability.SCHEDULE, Capability.CANCEL),
            "BigBlueButton holds a meeting only while it runs: the portal creates it when it "
            "starts, and nothing is scheduled or cancelled on the server ahead",
        ),
    }

    def __init__(
        self,
        base_url: str,
        *,
        secret: str,
        checksum: str | None = None,
        time_zone: str = "UTC",
        record: bool = True,
        **http: Unpack[HTTPOptions],
    ) -> None:
        if checksum is not None and checksum not in ALGORITHMS:
            raise ValueError(f"checksum must be one of {', '.join(ALGORITHMS)}")
        self.base_url = base_url_checked(base_url)
        self.http = Transport(self.base_url + "/api", secrets=SECRET_PARAMS, **http)
        self.secret = secret
        self.checksum = checksum or "sha256"
        self._may_fall_back = checksum is None  # to SHA-1, once, when SHA-256 is refused
        self.time_zone = time_zone  # BigBlueButton speaks epoch milliseconds only
        self.record = record

    def close(self) -> None:
        self.http.close()

    # --- what the server does ---------------------------------------------------

    def ping(self) -> None:
        """The API root answers its version, unsigned."""
        self._call("version", {}, signed=False)

    def credentials_accepted(self) -> CredentialCheck:
        """A signed call (``getMeetings``): the server checks its checksum first."""
        try:
            self._call("getMeetings", {})
        except CredentialsRefused as exc:
            return CredentialCheck(
                True, False, f"The server answered, but refused the shared secret ({exc.reason})."
            )
        except ConferencingError as exc:
            log.info("credential check: the signed call failed: %s", exc)
            return CredentialCheck(True, None, "The server answered, but the signed call failed.")
        return CredentialCheck(True, True, "The server answered and took the shared secret.")

    def reserve_meeting_id(self, *, account_id: str, user_id: str) -> str:
        """A new meeting ID, chosen here: the server learns it at the first ``create``."""
        return uuid.uuid4().hex

    def open_meeting(self, request: MeetingRequest) -> ScheduledMeeting:
        """Create the meeting ``request.meeting_id`` names, or find it running already."""
        if request.kind not in self.kinds:
            raise Unsupported(f"BigBlueButton holds no {request.kind.name} meeting")
        if not request.meeting_id:
            raise ValueError("a BigBlueButton meeting needs its ID (reserve_meeting_id)")
        params = {
            "name": request.topic,
            "meetingID": request.meeting_id,
            "moderatorPW": self._password(request.meeting_id, "moderator"),
            "attendeePW": self._password(request.meeting_id, "attendee"),
            "record": "true" if self.record else "false",
            "allowStartStopRecording": "true",
        }
        if request.max_participants > 0:
            params["maxParticipants"] = str(request.max_participants)
        if request.external_id:
            params["meta_portal-meeting"] = request.external_id
        answer = self._call("create", params)
        return ScheduledMeeting(
            meeting_id=text(answer, "meetingID") or request.meeting_id,
            topic=request.topic,
            start=_from_millis(text(answer, "createTime")),
        )

    def start_url(self, meeting_id: str, host: Participant) -> str:
        """The host's signed link into the meeting, as a moderator (create it first)."""
        return self._join_link(meeting_id, host, moderator=True)

    def join_url(self, meeting_id: str, who: Participant, *, password: str = "") -> str:
        """A signed link into the meeting for ``who`` (a moderator if ``who.host``).

        BigBlueButton meetings have no password of their own: the portal asks for a
        protected meeting's password before it makes this link, so ``password`` is unused.
        """
        return self._join_link(meeting_id, who, moderator=who.host)

    def is_running(self, meeting_id: str) -> bool:
        """Whether the meeting runs now (someone joined it and it has not ended)."""
        answer = self._call("isMeetingRunning", {"meetingID": meeting_id})
        return text(answer, "running") == "true"

    def meeting_status(self, meeting_id: str) -> MeetingStatus:
        """Live state and head count; a meeting the server does not hold is not running."""
        try:
            info = self._call("getMeetingInfo", {"meetingID": meeting_id})
        except MeetingNotRunning:
            return MeetingStatus(meeting_id=meeting_id, active=False)
        return MeetingStatus(
            meeting_id=text(info, "meetingID") or meeting_id,
            active=text(info, "running") == "true",
            attendees=_count(text(info, "participantCount")),
            topic=text(info, "meetingName") or None,
            start=_from_millis(text(info, "startTime")),
            details={
                name: text(info, name)
                for name in ("moderatorCount", "listenerCount", "videoCount", "recording")
                if info.find(name) is not None
            },
        )

    def stop_meeting(self, meeting_id: str) -> None:
        """End the meeting for everyone; one that is not running is already stopped."""
        params = {"meetingID": meeting_id, "password": self._password(meeting_id, "moderator")}
        try:
            self._call("end", params)
        except MeetingNotRunning:
            log.info("end: meeting %s was not running", meeting_id)

    def recordings(self, meeting_id: str) -> list[Recording]:
        """The server's recordings of the meeting, published on the server or not."""
        answer = self._call("getRecordings", {"meetingID": meeting_id})
        found = answer.find("recordings")
        return [_recording(r) for r in (found if found is not None else [])]

    # --- signing ------------------------------------------------------------------

    def _password(self, meeting_id: str, role: str) -> str:
        """The meeting's moderator or attendee password: the same at every create."""
        message = f"{role}:{meeting_id}".encode()
        return hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()[:20]

    def _join_link(self, meeting_id: str, who: Participant, *, moderator: bool) -> str:
        if not meeting_id:
            raise ValueError("a BigBlueButton meeting needs its ID")
        role = "moderator" if moderator else "attendee"
        params = {
            "fullName": who.name.strip() or who.email or "Guest",
            "meetingID": meeting_id,
            "role": "MODERATOR" if moderator else "VIEWER",
            "password": self._password(meeting_id, role),
        }
        if who.external_id:
            params["userID"] = who.external_id
        query = signed_query("join", params, self.secret, self.checksum)
        return f"{self.base_url}/api/join?{query}"

    # --- HTTP -----------------------------------------------------------------------

    def _call(self, name: str, params: dict[str, str], *, signed: bool = True) -> ET.Element:
        """Send ``name`` and parse its answer; see ``_send`` for what is sent again."""
        try:
            return self._send(name, params, signed=signed)
        except CredentialsRefused:
            if not (signed and self._may_fall_back and self.checksum == "sha256"):
                raise
        log.info("the server refused a SHA-256 checksum: signing with SHA-1 from now on")
        self.checksum, self._may_fall_back = "sha1", False
        return self._send(name, params, signed=signed)

    def _send(self, name: str, params: dict[str, str], *, signed: bool) -> ET.Element:
        """Send ``name`` (the transport resends it while the server is unreachable) and parse
        its answer, which is XML with HTTP 200 whether it says SUCCESS or FAILED."""
        endpoint = PATHS[name]
        if signed:
            call = endpoint.path.lstrip("/")
            sign = signed_query(call, params, self.secret, self.checksum).rpartition("=")[2]
            params = {**params, "checksum": sign}  # sent encoded as it was signed, in order
        answer = self.http.send(endpoint, params=params)
        if answer.status_code != 200:
            raise BadServerResponse(f"{name}: HTTP {answer.status_code}")
        return parse(answer.content, name)


def _from_millis(value: str) -> dt.datetime | None:
    """BigBlueButton's epoch milliseconds; None for "", "0" or nonsense."""
    try:
        millis = int(value)
    except ValueError:
        return None
    return dt.datetime.fromtimestamp(millis / 1000, dt.UTC) if millis > 0 else None


def _count(value: str) -> int:
    try:
        return max(0, int(value))
    except ValueError:
        raise BadServerResponse(f"the participant count is not a number: {value[:20]!r}") from None


def _recording(element: ET.Element) -> Recording:
    start, end = _from_millis(text(element, "startTime")), _from_millis(text(element, "endTime"))
    formats = element.findall("playback/format")
    formats.sort(
        key=lambda f: (
            PREFERRED_PLAYBACK.index(text(f, "type"))
            if text(f, "type") in PREFERRED_PLAYBACK
            else len(PREFERRED_PLAYBACK)
        )
    )
    return Recording(
        recording_id=text(element, "recordID"),
        name=text(element, "name"),
        start=start,
        duration=(end - start) if start and end and end > start else dt.timedelta(0),
        playback_url=text(formats[0], "url") if formats else "",
        published=text(element, "published") == "true",
    )
