"""The TurboMeeting wapi client: every call the portal makes to the meeting server.

Paths live in ``PATHS`` and nowhere else, because the published spec blanks
some of them out and a real server may differ: adapting is a one-line change.
The transport (``conferencing.http``) gives each call its timeouts and resends
only the calls marked ``retry_safe`` (reads), only when the server could not be
reached, so a create or a schedule is never sent twice. Secrets travel in POST
bodies where the spec allows it and are redacted from logs and error messages.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from typing import ClassVar, Unpack

from conferencing.base import (
    Account,
    BadServerResponse,
    BaseBackend,
    Capability,
    ConferencingError,
    CredentialCheck,
    CredentialField,
    MeetingKind,
    MeetingRequest,
    MeetingStatus,
    Participant,
    ScheduledMeeting,
    ServerRefused,
    Unsupported,
)
from conferencing.http import Endpoint, HTTPOptions, Transport
from conferencing.turbomeeting.returns import DELETED, FAILED, TMReturn, parse_return
from conferencing.turbomeeting.times import from_server_time, to_server_time, zone

log = logging.getLogger(__name__)

PATHS: dict[str, Endpoint] = {
    # Spec §2-§5 and §7: "parameters in the URL", so GET; none carries a password.
    "create_account": Endpoint("/as/wapi/service/create_account"),
    "update_account": Endpoint("/as/wapi/service/update_account"),
    "delete_account": Endpoint("/as/wapi/service/delete_account"),
    "query_account": Endpoint("/as/wapi/service/query_account", retry_safe=True),
    "remote_schedule": Endpoint("/as/wapi/service/remote_schedule"),
    # Integration page: these carry passwords or the integration code, so POST.
    "schedule_meeting": Endpoint("/as/wapi/schedule_meeting", "POST"),
    "meeting_status": Endpoint("/as/wapi/meeting_status", "POST", retry_safe=True),
    "stop_meeting": Endpoint("/as/wapi/stop_meeting", "POST"),
    # Opened by people's browsers, not by this client (see launch.py).
    "goto_downloader": Endpoint("/as/wapi/goto_downloader"),
    "web_viewer": Endpoint("/as/wapi/web_viewer"),
    "ping": Endpoint("/", retry_safe=True),
}

#: TurboMeeting's ``meeting_type`` number for each kind of meeting (integration page).
MEETING_TYPES: dict[MeetingKind, int] = {
    MeetingKind.MEETING: 0,  # "interactive meeting"
    MeetingKind.SUPPORT: 1,
    MeetingKind.REMOTE_ACCESS: 2,
    MeetingKind.WEBINAR: 3,
    MeetingKind.VIDEO_CONFERENCE: 4,  # "HD video conference"
}

# Values never written to logs or error messages.
SECRET_PARAMS = frozenset({"password", "user_password", "integration_code", "service_company_uid"})

#: What a credential check asks about: an ID no meeting or account has.
NO_SUCH_ID = "0"
#: Words of a refusal that blame the portal's credentials, not the missing meeting.
CREDENTIAL_WORDS = ("integration", "partner", "sign-in", "password", "administrator")

_INTEGER = re.compile(r"-?\d+")
_ACTIVE = frozenset({"y", "yes", "true", "1", "active"})
_INACTIVE = frozenset({"n", "no", "false", "0", "inactive"})


class TurboMeeting(BaseBackend):
    """A TurboMeeting server, seen from the partner portal.

    ``time_zone`` is the server's zone: its ``YYYY/MM/DD HH:MM`` strings are in it;
    ``http`` are the transport's settings (``conferencing.http.HTTPOptions``).
    """

    fake: ClassVar[str] = "conferencing.fakes.turbomeeting"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.ACCOUNTS,
            Capability.SCHEDULE,
            Capability.UPDATE,
            Capability.START_URL,
            Capability.JOIN_URL,
            Capability.MEETING_PASSWORD,
            Capability.PERSONAL_JOIN_URL,
            Capability.LIVE_STATUS,
            Capability.ATTENDEE_COUNT,
            Capability.STOP,
            Capability.COMMAND_FILE,
            Capability.WEB_VIEWER,
            Capability.CALLBACKS,
        }
    )
    kinds: ClassVar[frozenset[MeetingKind]] = frozenset(MEETING_TYPES)
    credential_fields: ClassVar[tuple[CredentialField, ...]] = (
        CredentialField(
            "service_company_uid",
            "Partner ID",
            "The service company UID the server knows this portal by (RHUB gives it).",
        ),
        CredentialField(
            "integration_code",
            "Integration code",
            "The server console's integration code: it authorises account calls.",
            secret=True,
        ),
        CredentialField(
            "admin_email", "Administrator email", "The server's administrator, who stops meetings."
        ),
        CredentialField("admin_password", "Administrator password", secret=True),
        # What the server's callbacks to the portal (vendors/turbomeeting) are checked by;
        # the client itself never sends them.
        CredentialField(
            "callback_allowed_ips",
            "Callback addresses",
            "The addresses (IPs or networks, separated by commas) this server calls the "
            "portal's user-authentication and meeting-list URLs from; no other may.",
            required=False,
        ),
        CredentialField(
            "password_encoding",
            "Password encoding",
            "How this server encrypts the passwords it passes on at sign-in: fernet (empty "
            "means fernet), or plain for a test server only.",
            required=False,
            choices=("fernet", "plain"),
        ),
        CredentialField(
            "password_key",
            "Password key",
            "The key shared with this server for those passwords (a Fernet key).",
            secret=True,
            required=False,
        ),
    )
    #: ``schedule_meeting`` changes a meeting in place, live or not. Its time is not
    #: moved while it runs: the poller's "live" would then sit beside a later date.
    changeable_while_running: ClassVar[frozenset[str]] = frozenset(
        {"topic", "password", "call_number", "attendee_access_code", "max_participants"}
    )
    #: TurboMeeting's reasons are free text, and the spec names none.
    holds_recurring: ClassVar[bool] = True
    refusals: ClassVar[Mapping[str, str]] = {}
    unsupported_reasons: ClassVar[Mapping[Capability, str]] = {
        Capability.CANCEL: "TurboMeeting has no call to delete a scheduled meeting: it stops "
        "listing it when the portal's meeting list (/tm/meetings) no longer holds it",
    }

    def __init__(
        self,
        base_url: str,
        *,
        service_company_uid: str,
        integration_code: str = "",
        admin_email: str = "",
        admin_password: str = "",
        callback_allowed_ips: str = "",
        password_encoding: str = "",
        password_key: str = "",
        time_zone: str = "UTC",
        **http: Unpack[HTTPOptions],
    ) -> None:
        # callback_allowed_ips, password_encoding and password_key are the server's calls
        # to the portal: its Django side reads them from the server record, not from here.
        del callback_allowed_ips, password_encoding, password_key
        self.http = Transport(base_url, secrets=SECRET_PARAMS, **http)
        self.base_url = self.http.base_url
        self.service_company_uid = service_company_uid
        self.integration_code = integration_code
        self.admin_email = admin_email
        self.admin_password = admin_password
        self.time_zone = time_zone
        self._tz = zone(time_zone)

    def close(self) -> None:
        self.http.close()

    # --- the calls -------------------------------------------------------------

    def ping(self) -> None:
        """Any HTTP answer below 500 proves the server is there; the body does not matter."""
        self.http.send(PATHS["ping"], read_body=False)

    def credentials_accepted(self) -> CredentialCheck:
        """Authenticated calls about a meeting and an account that do not exist: a
        refusal naming the integration code, the partner ID or the administrator's
        sign-in is a refused credential; any other answer got past the check."""
        no_meeting = {"meeting_id": NO_SUCH_ID}
        checks = [
            (
                "integration code",
                "meeting_status",
                {"integration_code": self.integration_code, **no_meeting},
            ),
            ("partner ID", "query_account", self._partner(company_uid=NO_SUCH_ID)),
        ]
        if self.admin_email and self.admin_password:
            admin = {"email": self.admin_email, "password": self.admin_password, **no_meeting}
            checks.append(("administrator sign-in", "stop_meeting", admin))
        refused, unknown = [], []
        for what, name, params in checks:
            try:
                self._call(name, params)
            except ServerRefused as exc:
                words = exc.reason.casefold()
                if any(word in words for word in CREDENTIAL_WORDS):
                    refused.append(f"the {what} ({exc.reason})")
            except ConferencingError as exc:
                log.info("credential check: %s: %s", name, exc)
                unknown.append(f"the {what}")
        if refused:
            return CredentialCheck(
                True, False, f"The server answered, but refused {', '.join(refused)}."
            )
        if unknown:
            return CredentialCheck(
                True, None, f"The server answered, but could not check {', '.join(unknown)}."
            )
        checked = ", ".join(what for what, _name, _params in checks)
        return CredentialCheck(True, True, f"The server answered and accepted the {checked}.")

    def create_account(self, account: Account) -> str:
        ret = self._call("create_account", self._account_params(account))
        return self._required(ret, "create_account", "CompanyUid")

    def update_account(self, account: Account) -> None:
        if not account.account_id:
            raise ValueError("update_account needs the account's company_uid (account_id)")
        params = self._account_params(account) | {"company_uid": account.account_id}
        self._call("update_account", params)

    def delete_account(self, account_id: str) -> None:
        self._call("delete_account", self._partner(company_uid=account_id))

    def query_account(self, account_id: str) -> Account:
        ret = self._call("query_account", self._partner(company_uid=account_id))
        return Account(
            company_name=self._required(ret, "query_account", "CompanyName"),
            email=self._required(ret, "query_account", "Email"),
            meeting_rooms=self._integer(ret, "query_account", "NumberOfMeetingRoom"),
            participants_per_room=self._integer(ret, "query_account", "NumberOfParticipant"),
            account_id=account_id,
        )

    def remote_schedule(self, *, company_uid: str, user_id: str) -> str:
        """Reserve a meeting ID for a user (spec §7); ``schedule_meeting`` may then use it."""
        ret = self._call("remote_schedule", self._partner(company_uid=company_uid, user_id=user_id))
        return self._required(ret, "remote_schedule", "MeetingID")

    def reserve_meeting_id(self, *, account_id: str, user_id: str) -> str:
        """The backend-neutral name the portal uses for ``remote_schedule``."""
        return self.remote_schedule(company_uid=account_id, user_id=user_id)

    def schedule_meeting(self, request: MeetingRequest) -> ScheduledMeeting:
        """Schedule on behalf of ``request.host_email``.

        The integration code authenticates the partner, so no user password is
        sent (the portal never holds one in clear text).
        """
        if request.is_recurring:
            start_time = end_time = ""
        elif request.start is None or request.end is None:
            raise ValueError("a meeting that is not recurring needs a start and an end")
        else:
            start_time = to_server_time(request.start, self._tz)
            end_time = to_server_time(request.end, self._tz)
        params = {
            "meeting_type": str(MEETING_TYPES[request.kind]),
            "email": request.host_email,
            "user_password": "",
            "password": request.password,
            "is_recurring": "Y" if request.is_recurring else "N",
            "meeting_topic": request.topic,
            "integration_code": self.integration_code,
            "call_number": request.call_number,
            "attendee_access_code": request.attendee_access_code,
            "start_time": start_time,
            "end_time": end_time,
        }
        if request.meeting_id:
            params["meeting_id"] = request.meeting_id
        ret = self._call("schedule_meeting", params)
        return ScheduledMeeting(
            meeting_id=self._required(ret, "schedule_meeting", "MeetingID"),
            topic=request.topic,
            start=request.start,
            # Not the server's JoinMeetingURL: the portal makes each person's own link.
            join_url="",
        )

    def start_url(self, meeting_id: str, host: Participant) -> str:
        from conferencing.turbomeeting import launch  # launch.py reads PATHS from here

        return launch.start_url(self.base_url, email=host.email, meeting_id=meeting_id)

    def join_url(self, meeting_id: str, who: Participant, *, password: str = "") -> str:
        from conferencing.turbomeeting import launch

        return launch.join_url(
            self.base_url, name=who.name, meeting_id=meeting_id, password=password
        )

    def meeting_status(self, meeting_id: str) -> MeetingStatus:
        params = {"integration_code": self.integration_code, "meeting_id": meeting_id}
        ret = self._call("meeting_status", params)
        flag = self._required(ret, "meeting_status", "IsActive").casefold()
        if flag not in _ACTIVE | _INACTIVE:
            raise BadServerResponse(f"meeting_status: <__IsActive__> is not Y or N: {flag[:20]!r}")
        attendees = 0
        if ret.get("NumberOfAttendees"):
            attendees = self._integer(ret, "meeting_status", "NumberOfAttendees")
        return MeetingStatus(
            meeting_id=meeting_id,
            active=flag in _ACTIVE,
            attendees=attendees,
            topic=ret.get("MeetingTopic") or None,
            start=self._time_or_none(ret, "StartTime"),
            end=self._time_or_none(ret, "EndTime"),
            details=dict(ret.fields),
        )

    def _time_or_none(self, ret: TMReturn, field: str) -> dt.datetime | None:
        text = ret.get(field)
        if not text:
            return None
        try:
            return from_server_time(text, self._tz)
        except ValueError as exc:
            raise BadServerResponse(f"meeting_status: <__{field}__> {exc}") from None

    def stop_meeting(self, meeting_id: str) -> None:
        """Needs the server's system administrator (integration page: "stop meeting")."""
        if not (self.admin_email and self.admin_password):
            raise Unsupported("stopping a meeting needs the server's administrator credentials")
        params = {
            "meeting_id": meeting_id,
            "email": self.admin_email,
            "password": self.admin_password,
        }
        self._call("stop_meeting", params)

    # --- plumbing --------------------------------------------------------------

    def _partner(self, **params: str) -> dict[str, str]:
        return {"service_company_uid": self.service_company_uid, **params}

    def _account_params(self, account: Account) -> dict[str, str]:
        return self._partner(
            company_name=account.company_name,
            email=account.email,
            number_of_meeting_room=str(int(account.meeting_rooms)),
            number_of_participant=str(int(account.participants_per_room)),
        )

    def _call(self, name: str, params: dict[str, str]) -> TMReturn:
        endpoint = PATHS[name]
        # Spec: GET calls take their parameters in the URL; the POST ones in the body.
        if endpoint.method == "GET":
            answer = self.http.send(endpoint, params=params)
        else:
            answer = self.http.send(endpoint, data=params)
        if not answer.is_success:
            raise BadServerResponse(f"{endpoint.method} {endpoint.path}: HTTP {answer.status_code}")
        try:
            ret = parse_return(answer.content, max_bytes=self.http.max_body)
        except BadServerResponse as exc:
            raise BadServerResponse(f"{name}: {exc}") from None
        if ret.ok:
            return ret
        if ret.status in (FAILED, DELETED):
            raise ServerRefused(answer.redact(ret.reason), status=ret.status)
        raise BadServerResponse(f"{name}: unexpected status {ret.status[:40]!r}")

    @staticmethod
    def _required(ret: TMReturn, name: str, field: str) -> str:
        value = ret.get(field)
        if not value:
            raise BadServerResponse(f"{name}: the answer has no <__{field}__>")
        return value

    @classmethod
    def _integer(cls, ret: TMReturn, name: str, field: str) -> int:
        value = cls._required(ret, name, field)
        if not _INTEGER.fullmatch(value):
            raise BadServerResponse(f"{name}: <__{field}__> is not an integer: {value[:20]!r}")
        return int(value)
