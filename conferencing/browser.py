"""Optional, beside ``conferencing.base.Backend``: a meeting server that schedules in the
host's own browser (``Capability.SCHEDULE_IN_BROWSER``, Webex's URL API), and what its
back URL and sign-in form carry.

Nothing here imports Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol, runtime_checkable

from conferencing.base import MeetingRequest


class BrowserResult(Protocol):
    """What a server said on the back URL, read by ``BrowserScheduling.parse_back_url``."""

    @property
    def ok(self) -> bool: ...
    @property
    def meeting_key(self) -> str: ...  # the server's ID of what was scheduled, or ""
    @property
    def message(self) -> str: ...  # for the host, in words: a message id (``gettext_noop``)
    @property
    def reason(self) -> str: ...  # the server's own reason code, for the log
    @property
    def needs_sign_in(self) -> bool: ...  # refused because the browser is not signed in


@dataclass(frozen=True)
class BrowserForm:
    """A form the portal's page shows and the browser posts straight to the server: the
    ``fields`` as hidden inputs, beside the inputs the page adds (a sign-in's ID and
    password, which so never pass through the portal)."""

    action: str
    fields: Mapping[str, str]


@runtime_checkable
class BrowserScheduling(Protocol):
    """Optional, beside ``Backend``: a server that schedules in the host's own browser
    (``Capability.SCHEDULE_IN_BROWSER``, Webex's URL API).

    The portal sends the host to ``schedule_url``; the server sends the browser back to
    ``back_url`` with its answer, which ``parse_back_url`` reads (it never raises: anyone
    can open a back URL with anything in it). A browser not signed in to the server is
    sent through ``sign_in_form`` and on to ``schedule_url`` again.
    """

    def schedule_url(self, request: MeetingRequest, back_url: str) -> str: ...
    def parse_back_url(self, answer: Mapping[str, str | Sequence[str]]) -> BrowserResult: ...

    def sign_in_form(self, *, back_url: str, then: str = "") -> BrowserForm:
        """The server's own sign-in, for a browser it refused (``needs_sign_in``): the page
        adds the ``sign_in_fields`` inputs; once signed in, the server opens ``then`` (a
        link of its own, such as ``schedule_url``), else goes back to ``back_url``."""
        ...

    def change_url(self, meeting_id: str) -> str:
        """Where the host changes a meeting the server keeps as it was scheduled (no
        ``Capability.UPDATE``): a page of the server's own, opened in their browser. What
        they change there does not come back to the portal."""
        ...

    #: The inputs a person fills in on ``sign_in_form``: (name, label, input type); each
    #: label is a message id (``gettext_noop``) the portal translates.
    sign_in_fields: ClassVar[tuple[tuple[str, str, str], ...]]
