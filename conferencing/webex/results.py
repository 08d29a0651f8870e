"""What Webex says on the back URL, read safely and put into words for a person.

After a command Webex redirects the browser to the back URL with
``AT=<command>&ST=SUCCESS|FAIL&RS=<reason>`` and, after scheduling,
``MK=<meeting key>``. Anyone can open the back URL with anything in its
query, so ``parse_back_url`` never raises: whatever it cannot read becomes a
failed result whose message says so, and an unknown reason is shown cut to a
few plain characters, never as markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from conferencing.base import gettext_noop

SUCCESS, FAIL = "SUCCESS", "FAIL"

#: What a person reads for each reason Webex sends (seed 002 and VENDORS.md list them).
REASONS: dict[str, str] = {
    "MeetingNotInProgress": gettext_noop("The meeting has not started yet."),
    "InvalidMeetingKeyOrPassword": gettext_noop(
        "The meeting number or the meeting password is wrong."
    ),
    "InvalidMeetingKey": gettext_noop("There is no meeting with that number."),
    "MeetingLocked": gettext_noop("The host has locked the meeting."),
    "AccessDenied": gettext_noop(
        "Webex refused: sign in to Webex as the meeting's host and try again."
    ),
    "AlreadyLogon": gettext_noop("You are already signed in to Webex."),
    "AccountLocked": gettext_noop(
        "Your Webex account is locked; ask your Webex site administrator."
    ),
    "InvalidTicket": gettext_noop(
        "The Webex sign-in link has expired or was already used; please try again."
    ),
}
#: Where a reason means something else for one command: (command, reason) -> words.
COMMAND_REASONS: dict[tuple[str, str], str] = {
    ("LI", "AccessDenied"): gettext_noop("Webex did not accept that Webex ID or password."),
}
#: What a person reads when a command worked.
DONE: dict[str, str] = {
    "LI": gettext_noop("You are signed in to Webex."),
    "LO": gettext_noop("You are signed out of Webex."),
    "SM": gettext_noop("The meeting is scheduled on Webex."),
    "HM": gettext_noop("The meeting has started."),
    "JM": gettext_noop("You have joined the meeting."),
}
#: The commands refused (AccessDenied) while the browser is not signed in to Webex, and the
#: sign-in itself, refused for a wrong Webex ID or password.
SIGNED_IN = frozenset({"SM", "HM", "LI"})
UNREADABLE = gettext_noop("Webex sent back an answer the portal cannot read; please try again.")
NO_KEY = gettext_noop(
    "Webex said the meeting was scheduled but sent no meeting number; check your Webex site."
)
NO_REASON = gettext_noop("Webex could not do that and gave no reason.")
DID_IT = gettext_noop("Webex did it.")
UNKNOWN_REASON = gettext_noop("Webex could not do that; your portal administrator can see why.")

_COMMAND = re.compile(r"[A-Z]{2}")
_KEY = re.compile(r"\d{1,12}")
_UNSAFE = re.compile(r"[^A-Za-z0-9 .,:_-]")
_MAX_REASON = 80


@dataclass(frozen=True)
class WebexResult:
    """One answer from Webex, as the back URL carried it.

    ``reason`` is Webex's code (``MeetingNotInProgress``), cut to safe
    characters; ``message`` is for a person; ``meeting_key`` is digits or "".
    """

    command: str
    ok: bool
    reason: str = ""
    meeting_key: str = ""
    message: str = ""

    @property
    def needs_sign_in(self) -> bool:
        """Refused because the browser is not signed in to Webex as a host."""
        return not self.ok and self.reason == "AccessDenied" and self.command in SIGNED_IN


def _first(value: str | Sequence[str] | None) -> str:
    """A query value; a list (``parse_qs``, a QueryDict's ``lists()``) gives its first item."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = next(iter(value), "") if isinstance(value, Sequence) else ""
    return value if isinstance(value, str) else ""


def safe_reason(text: str) -> str:
    """A reason fit to show and log: plain characters only, short."""
    return _UNSAFE.sub("", text.strip())[:_MAX_REASON].strip()


def message_for(command: str, reason: str) -> str:
    if not reason:
        return NO_REASON
    words = COMMAND_REASONS.get((command, reason)) or REASONS.get(reason)
    return words or UNKNOWN_REASON  # the reason itself stays in ``WebexResult.reason``


def parse_back_url(query: Mapping[str, str | Sequence[str]]) -> WebexResult:
    """Read ``AT``, ``ST``, ``RS`` and ``MK`` from the back URL's query; never raises."""
    try:
        command = _first(query.get("AT")).strip().upper()
        status = _first(query.get("ST")).strip().upper()
        reason = safe_reason(_first(query.get("RS")))
        key = _first(query.get("MK")).strip()
    except Exception:  # a query of the wrong shape: still an answer, not a 500
        return WebexResult(command="", ok=False, message=UNREADABLE)
    command = command if _COMMAND.fullmatch(command) else ""
    key = key if _KEY.fullmatch(key) else ""
    if not command or status not in (SUCCESS, FAIL):
        return WebexResult(command=command, ok=False, reason=reason, message=UNREADABLE)
    if status == FAIL:
        return WebexResult(
            command=command,
            ok=False,
            reason=reason,
            meeting_key=key,
            message=message_for(command, reason),
        )
    if command == "SM" and not key:
        return WebexResult(command=command, ok=False, reason=reason, message=NO_KEY)
    message = DONE.get(command, DID_IT)
    return WebexResult(command=command, ok=True, reason=reason, meeting_key=key, message=message)
