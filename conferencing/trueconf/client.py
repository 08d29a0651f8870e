"""The TrueConf Server client: every call the portal makes to the server, with its token.

What it relies on of the server, and the choices the server leaves to us, are the
package's docstring (``conferencing/trueconf/__init__.py``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Unpack
from urllib.parse import quote

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
    MeetingRunning,
    MeetingStatus,
    Participant,
    ScheduledMeeting,
    ServerRefused,
    gettext_noop,
)
from conferencing.http import Endpoint, HTTPOptions, Transport, base_url_checked
from conferencing.trueconf.answers import (
    ACCEPT,
    TokenRefused,
    conference_of,
    json_object,
    optional_text,
    participant_count,
    read_answer,
    schedule_times,
    text_of,
)
from conferencing.trueconf.conferences import (
    CHANGED_BY_EDITS,
    CONFERENCE_TYPES,
    chosen_id,
    conference_body,
    differs,
    owner_id,
)
from conferencing.trueconf.token import AccessToken

log = logging.getLogger(__name__)

#: The API version in every path: 3.1 is the oldest v3 the public clients target,
#: and later 3.x servers answer it too.
API = "/api/v3.1"

PATHS: dict[str, Endpoint] = {
    # Resending a token request costs a token, nothing else.
    "token": Endpoint("/oauth2/v1/token", "POST", retry_safe=True),
    "list_conferences": Endpoint(f"{API}/conferences", retry_safe=True),  # ping
    "create_conference": Endpoint(f"{API}/conferences", "POST"),
    "get_conference": Endpoint(f"{API}/conferences/{{id}}", retry_safe=True),
    "update_conference": Endpoint(f"{API}/conferences/{{id}}", "PUT"),
    "delete_conference": Endpoint(f"{API}/conferences/{{id}}", "DELETE"),
    "run_conference": Endpoint(f"{API}/conferences/{{id}}/run", "POST"),
    "stop_conference": Endpoint(f"{API}/conferences/{{id}}/stop", "POST"),
    "list_participants": Endpoint(f"{API}/conferences/{{id}}/participants", retry_safe=True),
    # Opened by people's browsers, not by this client: the conference in the web client.
    "web_client": Endpoint("/webrtc/{id}"),
}

RUNNING, STOPPED = "running", "stopped"
#: The reason the server gives for a change to a running conference other than its
#: description (the fakes' and the strict stand-ins'; the public material names none).
RUNNING_REFUSED = "conferenceIsRunning"
#: The reason a create gets when the conference ID it chose is taken, and an unknown ID's.
ALREADY_IN_USE, NOT_FOUND = "uniqueValueAlreadyInUse", "conferenceNotFound"
#: What never reaches a log or an error text: the secret, and the token in a query or header.
SECRETS = frozenset({"client_secret", "access_token", "Authorization"})


class TrueConf(BaseBackend):
    """A TrueConf Server, seen from the partner portal.

    ``base_url`` is where the API answers; ``web_url`` (default: the same) is the
    server's address as people's browsers reach it, for join and start links.
    ``guests`` makes conferences public (``allow_guests``): the portal's visitors
    and registrants have no account on the server. ``token_in`` is where the
    access token travels: ``header`` (the default: kept out of URLs and logs) or
    ``query`` (v3 as documented, for a server that reads no header).
    ``time_zone`` is accepted for the contract only: TrueConf times are unix
    seconds. ``http`` are the transport's settings (``conferencing.http.HTTPOptions``).
    """

    fake: ClassVar[str] = "conferencing.fakes.trueconf"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.SCHEDULE,
            Capability.UPDATE,
            Capability.CANCEL,
            Capability.START_URL,
            Capability.JOIN_URL,
            Capability.LIVE_STATUS,
            Capability.ATTENDEE_COUNT,
            Capability.STOP,
        }
    )
    kinds: ClassVar[frozenset[MeetingKind]] = frozenset(CONFERENCE_TYPES)
    credential_fields: ClassVar[tuple[CredentialField, ...]] = (
        CredentialField(
            "client_id", "Client ID", "The OAuth application made for the portal on the server."
        ),
        CredentialField(
            "client_secret",
            "Client secret",
            "That application's secret; it also keys the conference IDs the portal chooses.",
            secret=True,
        ),
    )
    #: While a conference runs only its description may change (the portal sends none);
    #: a v3 conference keeps no password, call number or access code, so those are the
    #: portal's alone and may change at any time.
    changeable_while_running: ClassVar[frozenset[str]] = frozenset(
        {"password", "call_number", "attendee_access_code"}
    )
    holds_recurring: ClassVar[bool] = True
    refusals: ClassVar[Mapping[str, str]] = {
        RUNNING_REFUSED: gettext_noop(
            "TrueConf lets only the description of a running conference change: make "
            "this change after the meeting ends, or stop it first."
        ),
        NOT_FOUND: gettext_noop(
            "The conference is no longer on the TrueConf server (it was deleted there): "
            "cancel this meeting and schedule it again."
        ),
        "forbidden": gettext_noop(
            "The TrueConf server does not let the portal do this: ask your portal "
            "administrator to check the portal's OAuth application and its permissions."
        ),
    }
    unsupported_reasons: ClassVar[Mapping[Capability, str]] = {
        Capability.ACCOUNTS: "TrueConf Server has users, not customer accounts: manage people "
        "in its control panel or directory (LDAP), not from the portal",
    }

    def __init__(
        self,
        base_url: str,
        *,
        client_id: str,
        client_secret: str,
        time_zone: str = "UTC",
        clock: Callable[[], float] = time.monotonic,
        web_url: str = "",
        guests: bool = True,
        token_in: str = "header",  # noqa: S107 (where the token goes, not a token)
        **http: Unpack[HTTPOptions],
    ) -> None:
        if token_in not in ("query", "header"):
            raise ValueError(f"token_in is 'query' or 'header', not {token_in!r}")
        self.http = Transport(base_url, secrets=SECRETS, **http)
        self.base_url = self.http.base_url
        self.web_url = base_url_checked(web_url or base_url)
        self.client_id = client_id
        self.client_secret = client_secret
        self.time_zone = time_zone
        self.guests = guests
        self.token_in = token_in
        self._token = AccessToken(
            self.http, PATHS["token"], client_id=client_id, client_secret=client_secret, clock=clock
        )

    def close(self) -> None:
        self.http.close()

    # --- conferences (TrueConf gives a conference its ID when it is created) -------

    def ping(self) -> None:
        """Any HTTP answer below 500 proves the server is there (no token is spent)."""
        self.http.send(PATHS["list_conferences"], read_body=False)

    def credentials_accepted(self) -> CredentialCheck:
        """Ask for a new access token with the client ID and secret: the one call that
        says whether the server takes them (an API call would only show the token)."""
        try:
            self._token.renew()
        except CredentialsRefused as exc:
            return CredentialCheck(
                True,
                False,
                f"The server answered, but refused the client ID and secret ({exc.reason}): "
                "check the OAuth application in TrueConf's control panel.",
            )
        except ConferencingError as exc:
            log.info("credential check: the token request failed: %s", exc)
            return CredentialCheck(
                True, None, "The server answered, but its token request did not complete."
            )
        return CredentialCheck(
            True, True, "The server answered and issued an access token for the client ID."
        )

    def schedule_meeting(self, request: MeetingRequest) -> ScheduledMeeting:
        """Create a conference owned by the host, or replace the one ``meeting_id`` names.

        The request's password, call number and access code have no place in a v3
        conference: people join through the web client link.
        """
        body = conference_body(request, guests=self.guests)
        if request.meeting_id:
            answer = self._update(request.meeting_id, body)
        elif request.external_id:
            answer = self._create_once(body, self.conference_id(request.external_id))
        else:
            answer = self._call("create_conference", body=body)
        conference = conference_of(answer, "schedule_meeting")
        meeting_id = text_of(conference, "id", "schedule_meeting")
        return ScheduledMeeting(
            meeting_id=meeting_id,
            topic=request.topic,
            start=request.start,
            # The server's own link (its external address) when it gives one.
            join_url=optional_text(conference, "webclient_url")
            or self.join_url(meeting_id, Participant()),
        )

    def _update(self, conference_id: str, body: dict[str, Any]) -> Any:
        """Send a changed conference, unless it runs: then the server takes nothing but a
        description (which the portal does not send), so nothing goes out. A running
        conference that already holds what the request says is left as it is; one that
        does not raises ``MeetingRunning`` without a call the server would refuse."""
        current = self._call("get_conference", id=conference_id)
        conference = conference_of(current, "schedule_meeting")
        if conference.get("state") == RUNNING:
            changed = [key for key in CHANGED_BY_EDITS if differs(key, body, conference)]
            if changed:
                raise MeetingRunning(RUNNING_REFUSED, status="409")
            return current
        try:
            return self._call("update_conference", id=conference_id, body=body)
        except ServerRefused as exc:
            if exc.reason == RUNNING_REFUSED and not isinstance(exc, CredentialsRefused):
                # It started between the read and the write.
                raise MeetingRunning(exc.reason, status=exc.status) from None
            raise

    def conference_id(self, external_id: str) -> str:
        """The ID the portal chooses for the conference of ``external_id``, the same every time.

        A create carries it, so resending a create whose answer was lost finds the
        first one (``uniqueValueAlreadyInUse``) instead of making a second. Keyed
        with the client secret, so nobody can work out a conference's web client
        link from the portal's meeting numbers.
        """
        return chosen_id(self.client_secret, external_id)

    def _create_once(self, body: dict[str, Any], conference_id: str) -> Any:
        """Create the conference under ``conference_id``, or, when an earlier attempt made
        it (its answer lost), send it this request's details and read it back."""
        try:
            answer = self._call("create_conference", body={"id": conference_id, **body})
        except ServerRefused as exc:
            if exc.reason != ALREADY_IN_USE or isinstance(exc, CredentialsRefused):
                raise
        else:
            made = json_object(answer, "create_conference").get("conference")
            if isinstance(made, dict) and str(made.get("id", conference_id)) != conference_id:
                # A server older than the chosen ID: a create resent after a lost answer
                # would make a second conference there.
                log.warning(
                    "create_conference: the server ignored the conference ID the portal chose; "
                    "a create whose answer is lost cannot be told from a new one there"
                )
            return answer
        log.info("create_conference: %s exists already (an earlier answer was lost)", conference_id)
        return self._call("update_conference", id=conference_id, body=body)

    def cancel_meeting(self, meeting_id: str) -> None:
        """Delete the conference; one already gone (a delete whose answer was lost) is fine."""
        try:
            self._call("delete_conference", id=meeting_id)
        except ServerRefused as exc:
            if exc.reason != NOT_FOUND or isinstance(exc, CredentialsRefused):
                raise

    def start_url(self, meeting_id: str, host: Participant) -> str:
        """The conference in the web client, where the owner signs in as themselves.

        Only a link: opening a dashboard must not start conferences. A scheduled
        conference starts at its time on the server; ``run_conference`` starts one now.
        """
        return self._web_link(meeting_id)

    def join_url(self, meeting_id: str, who: Participant, *, password: str = "") -> str:
        """The conference's web client link; a guest types a name there.

        The same for everyone: the web client link takes no guest name, and v3.1
        conferences have no PIN, so ``who`` and ``password`` are not used.
        """
        return self._web_link(meeting_id)

    def run_conference(self, meeting_id: str) -> str:
        """Start a conference now (``POST .../run``); answers its state, ``running``."""
        answer = self._call("run_conference", id=meeting_id)
        return text_of(json_object(answer, "run_conference"), "state", "run_conference")

    def meeting_status(self, meeting_id: str) -> MeetingStatus:
        """Live means ``state`` running; attendees are the connected participants."""
        conference = conference_of(self._call("get_conference", id=meeting_id), "meeting_status")
        state = text_of(conference, "state", "meeting_status")
        if state not in (RUNNING, STOPPED):
            raise BadServerResponse(f"meeting_status: unknown state {state[:20]!r}")
        attendees = 0
        if state == RUNNING:
            attendees = participant_count(self._call("list_participants", id=meeting_id))
        start, end = schedule_times(conference.get("schedule"))
        details = {
            key: str(conference[key])
            for key in ("id", "state", "type", "owner", "webclient_url")
            if conference.get(key) is not None
        }
        return MeetingStatus(
            meeting_id=meeting_id,
            active=state == RUNNING,
            attendees=attendees,
            topic=optional_text(conference, "topic") or None,
            start=start,
            end=end,
            details=details,
        )

    def stop_meeting(self, meeting_id: str) -> None:
        self._call("stop_conference", id=meeting_id)

    #: The TrueConf user who owns a host's conferences (``conferences.owner_id``).
    owner_id = staticmethod(owner_id)

    # --- links -------------------------------------------------------------------

    def _web_link(self, meeting_id: str) -> str:
        if not meeting_id:
            raise ValueError("a link needs the conference's ID")
        return self.web_url + PATHS["web_client"].path.format(id=quote(meeting_id, safe=""))

    # --- plumbing -----------------------------------------------------------------

    def _call(self, name: str, *, id: str = "", body: dict[str, Any] | None = None) -> Any:
        """Send one API call with the cached token; once more with a new token if refused.

        Resending after a refused token is safe even for a create: the server
        refused before doing anything.
        """
        endpoint = PATHS[name]
        if "{id}" in endpoint.path and not id:
            raise ValueError(f"{name} needs a conference ID")
        endpoint = endpoint.at(id=id)
        for attempt in range(2):
            token = self._token.get()
            if self.token_in == "header":
                headers, query = ACCEPT | {"Authorization": f"Bearer {token}"}, None
            else:
                headers, query = ACCEPT, {"access_token": token}
            try:
                answer = self.http.send(endpoint, params=query, json=body, headers=headers)
                return read_answer(answer, endpoint)
            except TokenRefused:
                self._token.forget(token)
                log.info("%s: the server refused the access token (attempt %d)", name, attempt + 1)
        raise CredentialsRefused(
            "the server refused a freshly issued access token: check the OAuth application's "
            "permissions (conferences, conferences.participants)",
            status="401",
        )
