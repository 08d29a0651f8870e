"""A Webex Meetings site driven through its URL API, as a portal backend.

The URL API acts through a person's browser and their Webex session cookie,
so the portal's server never talks to Webex except to ``ping`` the site. What
it can do is therefore links: start (``AT=HM``), join (``AT=JM``, with the
person's name and email). Scheduling exists (``AT=SM``) but only in the
host's browser, so ``schedule_meeting`` refuses and points to
``schedule_url``; the key comes back on the back URL (``parse_back_url``).
Live status, attendee counts, stopping, cancelling and account management
are not in the URL API at all: they need Webex's XML or REST APIs.

Only Meeting Center meetings are supported: Training Center and Event Center
are separate Webex services with their own pages and commands, so webinars
and the like are refused rather than scheduled as something else.

``base_url`` is the site: ``https://SITE.webex.com/SITE``. No credential is
needed: the person's own Webex login (a login ticket, or their password in a
POST form) authorises every command.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar, Unpack

from conferencing.base import (
    REQUEST_FIELDS,
    BaseBackend,
    Capability,
    CredentialCheck,
    CredentialField,
    MeetingKind,
    MeetingRequest,
    Participant,
    ScheduledMeeting,
    ServerRefused,
    gettext_noop,
)
from conferencing.browser import BrowserForm, BrowserScheduling
from conferencing.http import Endpoint, HTTPOptions, Transport
from conferencing.webex import launch
from conferencing.webex.results import REASONS, WebexResult, parse_back_url

#: The site's home page: any answer below 500 proves the site is there. Not resent: a
#: health check says at once what it finds.
HOME = Endpoint("/")

_NO_SERVER_API = (
    "the Webex URL API works only through people's browsers; {what} needs Webex's XML or REST API"
)


class Webex(BaseBackend):
    """A Webex site, seen from the partner portal through the URL API."""

    fake: ClassVar[str] = "conferencing.fakes.webex"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.SCHEDULE_IN_BROWSER,
            Capability.START_URL,
            Capability.JOIN_URL,
            Capability.MEETING_PASSWORD,
            Capability.PERSONAL_JOIN_URL,
        }
    )
    kinds: ClassVar[frozenset[MeetingKind]] = frozenset({MeetingKind.MEETING})
    credential_fields: ClassVar[tuple[CredentialField, ...]] = ()  # the URL API has no login
    #: The URL API cannot tell whether a meeting runs, so nothing is locked for it.
    changeable_while_running: ClassVar[frozenset[str]] = REQUEST_FIELDS
    refusals: ClassVar[Mapping[str, str]] = REASONS
    holds_recurring: ClassVar[bool] = False  # AT=SM schedules single meetings only
    no_answer: ClassVar[str] = "The Webex site did not answer."
    unsupported_reasons: ClassVar[Mapping[Capability, str]] = {
        Capability.SCHEDULE: "the Webex URL API schedules only in the host's browser, logged in "
        "to Webex: send the host to schedule_url(request, back_url) and read the meeting key "
        "from the back URL with parse_back_url",
        Capability.CANCEL: _NO_SERVER_API.format(what="cancelling a meeting"),
        Capability.LIVE_STATUS: _NO_SERVER_API.format(
            what="whether a meeting is live (and who is in)"
        ),
        Capability.STOP: _NO_SERVER_API.format(what="ending a meeting"),
        Capability.ACCOUNTS: _NO_SERVER_API.format(what="managing accounts"),
    }

    def __init__(
        self,
        base_url: str,
        *,
        time_zone: str = "UTC",
        back_url: str = "",
        **http: Unpack[HTTPOptions],
    ) -> None:
        """``time_zone`` is the hosts' time zone in Webex (``AT=SM`` times are read in it);
        ``back_url`` is where Webex sends browsers after a start or join link; ``http``
        are the transport's settings (``conferencing.http.HTTPOptions``)."""
        self.base_url = launch.site_url(base_url)
        self.time_zone = time_zone
        self._tz = launch.zone(time_zone)
        self.back_url = launch.back_url_checked(back_url)
        self.http = Transport(self.base_url, **http)

    def close(self) -> None:
        self.http.close()

    # --- the one server-to-server call -----------------------------------------

    def ping(self) -> None:
        """Any answer below 500 from the site's home page proves the site is there."""
        self.http.send(HOME, read_body=False)

    def credentials_accepted(self) -> CredentialCheck:
        """The URL API has no credentials of the portal's: each host signs in to Webex in
        their own browser, so only whether the site answers can be checked."""
        return CredentialCheck(
            True,
            None,
            "The Webex site answered. The URL API cannot check credentials: each host "
            "signs in to Webex in their own browser.",
        )

    # --- links for people's browsers --------------------------------------------

    def login_url(
        self,
        webex_id: str,
        *,
        ticket: str = "",
        password: str = "",
        back_url: str,
        then: str = "",
    ) -> str:
        """See ``launch.login_url``: prefer ``ticket``; a URL with a password must not be logged."""
        return launch.login_url(
            self.base_url, webex_id, ticket=ticket, password=password, back_url=back_url, then=then
        )

    def login_form(
        self, webex_id: str, *, password: str, back_url: str, then: str = ""
    ) -> launch.LaunchForm:
        return launch.login_form(
            self.base_url, webex_id, password=password, back_url=back_url, then=then
        )

    #: What the host types on the sign-in form: Webex's own field names, and labels the
    #: portal translates.
    sign_in_fields: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("WID", gettext_noop("Webex ID"), "text"),
        ("PW", gettext_noop("Webex password"), "password"),
    )

    def sign_in_form(self, *, back_url: str, then: str = "") -> BrowserForm:
        """Webex's sign-in (``AT=LI``), posted by the host's browser straight to Webex."""
        form = launch.sign_in_form(self.base_url, back_url=back_url, then=then)
        return BrowserForm(action=form.action, fields=form.fields)

    def logout_url(self, back_url: str) -> str:
        return launch.logout_url(self.base_url, back_url)

    def schedule_url(self, request: MeetingRequest, back_url: str) -> str:
        """Opened in the host's (logged-in) browser; the key comes back as ``MK``."""
        return launch.schedule_url(self.base_url, request, time_zone=self._tz, back_url=back_url)

    def host_url(self, meeting_key: str, back_url: str | None = None) -> str:
        back = self.back_url if back_url is None else back_url
        return launch.host_url(self.base_url, meeting_key, back_url=back)

    def change_url(self, meeting_id: str) -> str:
        """The URL API has no documented edit command: the host's meetings on the site
        (``AT=LM``), where they open this one and change it on Webex's own pages."""
        return launch.meetings_url(self.base_url)

    def start_url(self, meeting_id: str, host: Participant) -> str:
        """The host must be logged in to the site (``login_url``, which can chain to this)."""
        return self.host_url(meeting_id)

    def join_url(
        self,
        meeting_id: str,
        who: Participant,
        *,
        password: str = "",
        back_url: str | None = None,
    ) -> str:
        back = self.back_url if back_url is None else back_url
        return launch.join_url(
            self.base_url,
            meeting_id,
            name=who.name,
            email=who.email,
            password=password,
            back_url=back,
        )

    # --- reading Webex's answer ------------------------------------------------

    @staticmethod
    def parse_back_url(query: Mapping[str, str | Sequence[str]]) -> WebexResult:
        return parse_back_url(query)

    def scheduled_meeting(self, request: MeetingRequest, result: WebexResult) -> ScheduledMeeting:
        """The meeting an ``AT=SM`` back URL reports; ``ServerRefused`` if it failed."""
        if result.command != "SM":
            raise ValueError(f"not the answer to scheduling (AT={result.command or '?'})")
        if not result.ok:
            raise ServerRefused(result.reason or result.message, status="FAIL")
        return ScheduledMeeting(
            meeting_id=result.meeting_key,
            topic=request.topic,
            start=request.start,
            join_url=self.join_url(result.meeting_key, Participant()),
        )


#: Checked by mypy (``make lint``): Webex offers the browser-mediated steps the portal uses.
_browser_scheduling: type[BrowserScheduling] = Webex
