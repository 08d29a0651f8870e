"""The errors a meeting-server backend raises, and what each means to a host.

A small tree of typed errors (``ServerUnavailable``, ``ServerRefused``, ...), the
sentence a host reads for each (message ids the portal translates: ``gettext_noop``),
and the raw detail for the log and the admin. ``conferencing.base`` re-exports them:
backends and the portal import them from there.

Nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Mapping


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


class CredentialsRefused(ServerRefused):
    """The server refused the portal's own credentials (client secret, admin password,
    integration code): nothing works until a person fixes the server's settings."""


class MeetingRunning(ServerRefused):
    """The server takes no such change while the meeting runs (TrueConf:
    ``conferenceIsRunning``); it may once the meeting has ended.

    A backend raises it before sending what the server would refuse, where it can
    tell, and for the server's own refusal otherwise. ``Backend.changeable_while_running``
    says beforehand what may change.
    """


class BadServerResponse(ConferencingError):
    """The server answered something that is not what its protocol promises."""


class Unsupported(ConferencingError):
    """The backend cannot do this (see ``Backend.capabilities``)."""


def gettext_noop(message: str) -> str:
    """Mark ``message`` as a message id the portal translates when it shows it.

    ``conferencing`` imports no Django, so its words for people (``HOST_SENTENCES``,
    each backend's ``refusals``, browser answers, sign-in labels) stay English here;
    ``makemessages`` extracts them by this name (one of xgettext's keywords), and the
    portal passes them through ``gettext`` at display time. Never format one: a
    sentence built from parts has no message id.
    """
    return message


#: What each kind of error means to a host, in a sentence they can act on (a message
#: id: see ``gettext_noop``). The raw detail (paths, HTTP statuses, the server's reason
#: codes: ``detail``) is for the log and the admin; a backend names its own reasons in
#: ``Backend.refusals``. Most specific first.
HOST_SENTENCES: tuple[tuple[type[ConferencingError], str], ...] = (
    (
        OutcomeUnknown,
        gettext_noop(
            "The meeting server did not confirm in time. The portal keeps your change, "
            "checks and sends it again automatically."
        ),
    ),
    (
        ServerUnavailable,
        gettext_noop(
            "The meeting server is not answering right now. The portal keeps your change "
            "and sends it again automatically."
        ),
    ),
    (
        CredentialsRefused,
        gettext_noop(
            "The meeting server refused the portal's own sign-in. Your change is kept; ask "
            "your portal administrator to check the meeting server's credentials."
        ),
    ),
    (
        MeetingRunning,
        gettext_noop(
            "The meeting is running now, and its meeting server takes no such change while "
            "it runs: make the change after it ends, or stop it first."
        ),
    ),
    (
        ServerRefused,
        gettext_noop(
            "The meeting server refused this. Check the meeting's details and try again; "
            "your portal administrator can see the server's reason."
        ),
    ),
    (
        BadServerResponse,
        gettext_noop(
            "The meeting server answered something the portal cannot read. It tries again "
            "automatically; if this stays, tell your portal administrator."
        ),
    ),
    (
        Unsupported,
        gettext_noop("This meeting server cannot do that. Your portal administrator can see why."),
    ),
)
#: For an error of no kind above.
HOST_SENTENCE_OTHERWISE = gettext_noop(
    "The meeting server could not do that. Your portal administrator can see why."
)


def for_host(exc: ConferencingError, refusals: Mapping[str, str] | None = None) -> str:
    """The message id of the sentence a host reads for ``exc``: the backend's words for
    the server's reason (``refusals``, from ``Backend.refusals``) if it has some, else the
    error kind's. Never built from the error's text: that is ``detail``."""
    if isinstance(exc, ServerRefused) and refusals and exc.reason in refusals:
        return refusals[exc.reason]
    for kind, sentence in HOST_SENTENCES:
        if isinstance(exc, kind):
            return sentence
    return HOST_SENTENCE_OTHERWISE


def detail(exc: BaseException) -> str:
    """The raw detail of ``exc`` for the log and the admin (never for hosts): its kind and
    what the backend said, paths, HTTP statuses and the server's reason codes included."""
    return f"{type(exc).__name__}: {exc}"
