"""The formats of the published list, one small class each, registered by extension.

Shaped like pretalx's schedule exporters: a format renders a ``Listing``
(the customer and its listed meetings, each an ``Entry`` with what every
format shows of it) to bytes; the view serves them all.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from typing import ClassVar

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Calendar, Event, Timezone, vCalAddress

from conferencing.xmltext import xml_safe
from meetings.feeds.listing import HTML_PAGE_SIZE, Entry, Listing
from portal.ical import Text, param_text


class FeedFormat:
    """One way of publishing the list. Subclasses set the attributes and ``render``."""

    identifier: ClassVar[str]
    extension: ClassVar[str]
    content_type: ClassVar[str]
    public: ClassVar[bool] = True
    embeddable: ClassVar[bool] = False  # framed by the customer's allowed origins
    translated: ClassVar[bool] = False  # speaks the visitor's language: varies with it
    cors: ClassVar[str | None] = None  # "*": scripts on any site may read it (view.py)
    # Meetings on one page (?page=N, view.py); None: every meeting at once, as calendar
    # clients, feed readers and programs expect of a feed.
    per_page: ClassVar[int | None] = None

    @classmethod
    def options(cls, request: HttpRequest) -> dict[str, str]:
        """Request parameters the output depends on: part of the cache key and the ETag."""
        return {}

    def render(self, listing: Listing) -> bytes:
        raise NotImplementedError


FORMATS: dict[str, type[FeedFormat]] = {}


def register(cls: type[FeedFormat]) -> type[FeedFormat]:
    FORMATS[cls.identifier] = cls
    return cls


def format_for(extension: str) -> type[FeedFormat] | None:
    return next((f for f in FORMATS.values() if f.extension == extension and f.public), None)


_ACCENT = re.compile(r"#?([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})\Z")


@register
class HtmlPage(FeedFormat):
    """The page customers put in an iframe: ``?accent=1a73e8`` and ``?compact=1`` theme it.

    It shows HTML_PAGE_SIZE meetings at a time; the links to the earlier and later ones
    keep the theme and stay inside the frame.
    """

    identifier = "html"
    translated = True
    extension = "html"
    content_type = "text/html; charset=utf-8"
    embeddable = True
    per_page = HTML_PAGE_SIZE

    @classmethod
    def options(cls, request: HttpRequest) -> dict[str, str]:
        # Only a validated hex colour reaches the inline <style>; anything else is ignored.
        # Kept as the query writes them, so that the links between pages can repeat them.
        options = {}
        accent = _ACCENT.match(request.GET.get("accent", ""))
        if accent:
            options["accent"] = accent.group(1).lower()
        if request.GET.get("compact") == "1":
            options["compact"] = "1"
        return options

    def render(self, listing: Listing) -> bytes:
        subscribe = (
            listing.url("ics").replace("https://", "webcal://").replace("http://", "webcal://")
        )
        page = listing.page
        earlier = page.previous_page_number() if page and page.has_previous() else 0
        later = page.next_page_number() if page and page.has_next() else 0
        context = {
            "customer": listing.customer,
            "entries": listing.entries,
            "page": page,
            "page_gone": listing.page_gone,
            "first_url": listing.page_url(1),
            "earlier_url": listing.page_url(earlier) if earlier else "",
            "later_url": listing.page_url(later) if later else "",
            "recordings": listing.recordings,
            "accent": "#" + listing.options["accent"] if "accent" in listing.options else "",
            "compact": "compact" in listing.options,
            "calendar_url": subscribe,
            "rss_url": listing.url("rss"),
        }
        return render_to_string("meetings/published.html", context).encode()


@register
class XmlFeed(FeedFormat):
    """For applications; the shape is published-meetings.xsd, shipped with the static files."""

    identifier = "xml"
    extension = "xml"
    content_type = "application/xml; charset=utf-8"

    def render(self, listing: Listing) -> bytes:
        data = listing.record()
        lists = {"meeting": data.pop("meetings"), "recording": data.pop("recordings")}
        root = ET.Element("published_meetings", {k: xml_safe(v) for k, v in data.items()})
        for tag, records in lists.items():
            for record in records:
                element = ET.SubElement(root, tag)
                for name, value in record.items():
                    if value is not None:
                        ET.SubElement(element, name).text = xml_safe(_xml_value(value))
        ET.indent(root, space="  ")
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _xml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # xs:boolean
    return str(value)


@register
class JsonFeed(FeedFormat):
    """The XML feed's fields, for scripts on any site: the data is public, hence ``*``."""

    identifier = "json"
    extension = "json"
    content_type = "application/json"
    cors = "*"

    def render(self, listing: Listing) -> bytes:
        return json.dumps(listing.record(), ensure_ascii=False, separators=(",", ":")).encode()


@register
class IcsFeed(FeedFormat):
    """RFC 5545, subscribable as webcal://. Recurring meetings have no times, so no events.

    The customer's zone goes in as a VTIMEZONE (for this year and the next two),
    naming what X-WR-TIMEZONE says, and keeping a calendar with no event a
    valid one: RFC 5545 asks for at least one component. Each event's
    ORGANIZER (iTIP requires one in a PUBLISH) is the customer, at the portal's
    sending address: a public feed hands out no host's own address.
    """

    identifier = "ics"
    extension = "ics"
    content_type = "text/calendar; charset=utf-8"
    ZONE_YEARS = 3

    def render(self, listing: Listing) -> bytes:
        organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
        organizer.params["CN"] = param_text(listing.customer.name)
        year = timezone.now().year
        calendar = Calendar()
        calendar.add("prodid", "-//Partner portal//Published meetings//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        # One line: a calendar's name, the customer's name in it whatever was stored.
        name = " ".join(f"{listing.customer.name}: meetings".split())
        calendar.add("x-wr-calname", Text(name))
        calendar.add("x-wr-timezone", listing.customer.time_zone)
        calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
        calendar.add_component(
            Timezone.from_tzid(
                listing.customer.time_zone,
                first_date=dt.date(year, 1, 1),
                last_date=dt.date(year + self.ZONE_YEARS, 1, 1),
            )
        )
        for entry in listing.entries:
            m = entry.meeting
            if m.starts_at is None or m.ends_at is None:
                continue
            event = Event()
            event.add("uid", entry.uid)
            event.add("dtstamp", m.updated_at.astimezone(dt.UTC))
            event.add("last-modified", m.updated_at.astimezone(dt.UTC))
            event.add("dtstart", m.starts_at.astimezone(dt.UTC))
            event.add("dtend", m.ends_at.astimezone(dt.UTC))
            event.add("summary", Text(m.topic))
            event.add("organizer", organizer)
            if entry.join_url:
                event.add("url", entry.join_url)
                join = f"Join: {entry.join_url}"
                if entry.meeting_id:
                    join += f"\nMeeting ID: {entry.meeting_id}"
                event.add("description", Text(join))
            calendar.add_component(event)
        return calendar.to_ical()


class _Rss(Feed):
    """django.contrib.syndication's RSS 2.0 writer, fed a Listing instead of looking one up.

    Texts go through ``xml_safe``: the writer refuses what XML 1.0 cannot carry.
    """

    item_guid_is_permalink = False

    def title(self, listing: Listing) -> str:
        return xml_safe(f"{listing.customer.name}: meetings")

    def link(self, listing: Listing) -> str:
        return listing.html_path

    def description(self, listing: Listing) -> str:
        customer = listing.customer
        return xml_safe(f"Published meetings of {customer.name}, times in {customer.time_zone}.")

    def items(self, listing: Listing) -> list[Entry]:
        return listing.entries

    def item_title(self, entry: Entry) -> str:
        return xml_safe(entry.meeting.topic)

    def item_description(self, entry: Entry) -> str:
        live = f" · Live now · {entry.meeting.attendees} attending" if entry.meeting.is_live else ""
        if entry.live_seen_at:
            zone = entry.meeting.customer.time_zone
            live = (
                f" · Last seen live at {entry.live_seen_local} ({zone});"
                " the meeting server is not answering"
            )
        return xml_safe(entry.when + live)

    def item_link(self, entry: Entry) -> str:
        # The page, not the join link: feed readers keep and forward what they fetch.
        return f"{entry.page}#meeting-{entry.meeting.pk}"

    def item_guid(self, entry: Entry) -> str:
        return entry.uid

    def item_pubdate(self, entry: Entry) -> dt.datetime:
        return entry.meeting.created_at

    def item_updateddate(self, entry: Entry) -> dt.datetime:
        return entry.meeting.updated_at


@register
class RssFeed(FeedFormat):
    identifier = "rss"
    extension = "rss"
    content_type = "application/rss+xml; charset=utf-8"

    def render(self, listing: Listing) -> bytes:
        return _Rss().get_feed(listing, listing.request).writeString("utf-8").encode()
