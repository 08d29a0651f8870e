"""What every format of the published list shows: the ``Listing`` (a customer, its listed
meetings and the request they are shown for) and each meeting's ``Entry``, with the
addresses of the list's pages and of a meeting's join page."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar
from urllib.parse import urlencode

from django.core.paginator import Page
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext

from conferencing.base import Capability
from meetings.feeds.record import SCHEMA_VERSION, PublishedMeetingsSerializer
from meetings.feeds.selection import Publisher
from meetings.launch import public_join_url, server_id_is_public
from meetings.models import Meeting, PublishedRecording
from meetings.timespan import timespan
from portal import servers

DEFAULT_FORMAT = "html"  # the extension of the page served at .../meetings/

#: Meetings on one HTML page. "Later meetings" leads to the next page (?page=2, ...);
#: a page past the last is not found (404, saying so in the page: view.py).
HTML_PAGE_SIZE = 50


def feed_path(slug: str, extension: str) -> str:
    """/p/<slug>/meetings/ for the page, /p/<slug>/meetings.<extension> for a feed."""
    if extension == DEFAULT_FORMAT:
        return reverse("published-meetings", kwargs={"slug": slug})
    return reverse("published-meetings-feed", kwargs={"slug": slug, "format": extension})


def join_path(slug: str, meeting_id: int) -> str:
    """The page that asks a visitor for a published meeting's password."""
    return reverse("published-meeting-join", kwargs={"slug": slug, "pk": meeting_id})


@dataclass
class Entry:
    """One listed meeting with what the formats show of it, computed once."""

    meeting: Meeting
    zone: zoneinfo.ZoneInfo
    page: str  # the HTML page that lists it (its path, with ?page=N past the first)
    join_page: str  # the portal's page that asks a visitor for the password

    @property
    def uid(self) -> str:
        """Stable across edits (the primary key never changes), as calendar clients require."""
        return self.meeting.calendar_uid

    @cached_property
    def join_url(self) -> str | None:
        """Where Join leads, in every format: ``launch.public_join_url``'s one rule.

        None while the server has not given the meeting an ID yet (it is
        still listed: the portal's record is the promise, the link follows).
        """
        return public_join_url(self.meeting, ask_page=self.join_page) or None

    @cached_property
    def meeting_id(self) -> str:
        """The server's ID, or "" where it alone would let people past the password."""
        m = self.meeting
        return m.server_meeting_id if server_id_is_public(m) else ""

    @property
    def when(self) -> str:
        """The time in the customer's zone, e.g. "Wed 14 Oct 2026, 15:00–16:00 CEST"."""
        m = self.meeting
        if m.starts_at is None or m.ends_at is None:
            return gettext("Recurring meeting")
        return timespan(m.starts_at, m.ends_at, self.zone)

    @property
    def starts_iso(self) -> str | None:
        return _utc_iso(self.meeting.starts_at)

    @property
    def ends_iso(self) -> str | None:
        return _utc_iso(self.meeting.ends_at)

    @property
    def is_live(self) -> bool | None:
        """None where the server does not report live status."""
        if Capability.LIVE_STATUS not in servers.capabilities(self.meeting.customer):
            return None
        return self.meeting.is_live

    @property
    def live_seen_at(self) -> dt.datetime | None:
        """When it was last seen live, where the server has not answered since."""
        m = self.meeting
        return m.last_seen_active_at if m.live_is_stale else None

    @property
    def live_seen_local(self) -> str:
        """That time in the customer's zone, for pages ("14:05")."""
        seen = self.live_seen_at
        return seen.astimezone(self.zone).strftime("%H:%M") if seen else ""

    @property
    def attendees(self) -> int | None:
        """0 unless live; None where the server does not count attendees."""
        m = self.meeting
        if Capability.ATTENDEE_COUNT not in servers.capabilities(m.customer):
            return None
        return m.attendees if m.is_live else 0


def _utc_iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Listing:
    """The selected meetings of one customer, and the request they are shown for.

    For a paged format, ``meetings`` are one page's, and ``page`` says which;
    ``page_gone``: the page asked for is past the last (the list is shorter now).
    """

    customer: Publisher
    meetings: list[Meeting]
    request: HttpRequest
    options: dict[str, str]
    page: Page | None = None
    page_gone: bool = False
    schema_version: ClassVar[str] = SCHEMA_VERSION

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.customer.time_zone)

    @cached_property
    def entries(self) -> list[Entry]:
        first = self.page.start_index() - 1 if self.page else 0  # the place in the whole list
        return [
            Entry(
                m,
                self.zone,
                self.page_url((first + n) // HTML_PAGE_SIZE + 1),
                self.request.build_absolute_uri(join_path(self.customer.slug, m.pk)),
            )
            for n, m in enumerate(self.meetings)
        ]

    @cached_property
    def html_path(self) -> str:
        return feed_path(self.customer.slug, DEFAULT_FORMAT)

    def page_url(self, number: int) -> str:
        """The HTML page's page ``number`` with this request's options: links between pages
        keep the visitor's theme (the plain address for the first page)."""
        query = dict(self.options)
        if number > 1:
            query["page"] = str(number)
        return self.html_path + ("?" + urlencode(query) if query else "")

    @cached_property
    def recordings(self) -> list[PublishedRecording]:
        """The recordings the customer's hosts published, of meetings still published."""
        return list(
            PublishedRecording.objects.filter(
                meeting__customer_id=self.customer.pk,
                meeting__is_published=True,
                meeting__cancelled_at__isnull=True,
            ).select_related("meeting")
        )

    def record(self) -> dict[str, object]:
        """What the XML and JSON feeds say: record.PublishedMeetingsSerializer's data."""
        return PublishedMeetingsSerializer(self).data

    def url(self, format: str) -> str:
        return self.request.build_absolute_uri(feed_path(self.customer.slug, format))
