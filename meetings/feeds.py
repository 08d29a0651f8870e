"""A customer's published meetings: an embeddable HTML page and XML, iCalendar, RSS, JSON feeds.

Shaped like pretalx's schedule exporters: one small class per format,
registered by identifier, and one view that serves them all, so selection,
conditional GET and caching live in one place and a new format is one class.

Freshness: one aggregate query gives a customer's version (counts, newest
edit, live totals), the ETag derives from it and rendered bodies are cached
under it, so a change makes new keys and no body is ever invalidated by
hand. That snapshot (customer and version) is kept FEED_VERSION_SECONDS
(default 5) in the shared cache and a second more in the process, because
embeds are revalidated far more often than lists change and a 304 should
cost about what a trivial view does. Saves drop it through signals (other
processes follow within a second when the cache is shared, i.e. Redis);
writes that bypass signals (the poller's raw updates, a meeting ending by
the clock) show within FEED_VERSION_SECONDS, or at once if the writer calls
``feeds_changed``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
import time
import xml.etree.ElementTree as ET
import zoneinfo
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import ClassVar, NamedTuple

from corsheaders.signals import check_request_enabled
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotModified,
)
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event

from conferencing.turbomeeting.returns import xml_safe
from meetings.launch import join_url
from meetings.models import LiveState, Meeting
from portal.accounts.models import Customer
from portal.framing import allow_framing_by
from portal.ical import Text

# Of the XML and JSON shape: meetings/static/meetings/published-meetings.xsd documents it.
SCHEMA_VERSION = "1"
# Bump when a format's output changes for the same data, so caches and ETags move on.
RENDER_REVISION = 2
BODY_CACHE_SECONDS = 24 * 3600  # keys change with the data; this only bounds leftovers

# --- selection ---------------------------------------------------------------


def _published() -> Q:
    return Q(is_published=True, cancelled_at__isnull=True)


def _listed(now: dt.datetime) -> Q:
    """Published, not cancelled and not over: what a visitor may still join.

    A one-off meeting is over once the poller saw it end or its end time has
    passed, unless it is still live (meetings overrun). A recurring meeting
    has no end time and outlives any one session, so ENDED does not hide it.
    """
    one_off_ended = Q(is_recurring=False, live_state=LiveState.ENDED)
    not_past = Q(is_recurring=True) | Q(ends_at__gt=now) | Q(live_state=LiveState.LIVE)
    return _published() & ~one_off_ended & not_past


def _listed_meetings(customer_id: int, now: dt.datetime) -> list[Meeting]:
    return list(
        Meeting.objects.filter(_listed(now), customer_id=customer_id).order_by(
            F("starts_at").asc(nulls_last=True), "pk"
        )
    )


def listed_meeting(slug: str, meeting_id: int) -> Meeting | None:
    """One meeting as the customer's published list shows it now, or None."""
    return (
        Meeting.objects.filter(
            _listed(timezone.now()),
            customer__slug=slug,
            customer__deleted_at__isnull=True,
            pk=meeting_id,
        )
        .select_related("customer")
        .first()
    )


# --- versions, and what is kept ----------------------------------------------


class Publisher(NamedTuple):
    """What the feeds show of a customer."""

    pk: int
    slug: str
    name: str
    time_zone: str
    allowed_origins: tuple[str, ...]


class Snapshot(NamedTuple):
    """A customer's list at one moment: enough to answer a revalidation without the database.

    Plain values only (tuples, strings, numbers): it is unpickled on every
    request, and aware datetimes alone would double what that costs.
    """

    customer: Publisher
    taken_at: str  # ISO 8601: the "now" the list was selected for
    version: str  # a digest: equal versions render equal bodies
    last_modified: int  # POSIX seconds, what Last-Modified says

    @property
    def now(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.taken_at)


def _snapshot(customer: Customer, now: dt.datetime) -> Snapshot:
    """The version in one aggregate query, and when the list last changed.

    The version holds what the output shows: edits (``updated_at``, over all
    the customer's meetings, since cancelling or unpublishing one moves it
    out of the list), the count, and the live fields, which the poller
    writes without touching ``updated_at``; attendees are summed weighted by
    primary key so that one meeting's gain does not cancel another's loss.
    Last-Modified also takes the newest poll and the end of the latest
    meeting that lapsed, so it moves forward whenever the list may have
    (a deleted row is seen by the ETag only: cancel instead of deleting).
    """
    listed = _listed(now)
    live = listed & Q(live_state=LiveState.LIVE)
    row = Meeting.objects.filter(customer=customer).aggregate(
        listed=Count("pk", filter=listed),
        live=Count("pk", filter=live),
        attending=Sum(F("attendees") * F("pk"), filter=live),
        edited=Max("updated_at"),
        lapsed=Max("ends_at", filter=_published() & Q(ends_at__lte=now)),
        polled=Max("last_polled_at", filter=_published()),
    )
    publisher = Publisher(
        customer.pk,
        customer.slug,
        customer.name,
        customer.time_zone,
        tuple(customer.allowed_origins),
    )
    version = (
        publisher,
        customer.updated_at,
        *(row[name] for name in ("edited", "lapsed", "listed", "live", "attending")),
        RENDER_REVISION,
        settings.TM_SERVER_URL,
    )
    stamps = (customer.updated_at, row["edited"], row["lapsed"], row["polled"])
    return Snapshot(
        customer=publisher,
        taken_at=now.isoformat(),
        version=hashlib.sha256(repr(version).encode()).hexdigest(),
        last_modified=int(max(s for s in stamps if s is not None).timestamp()),
    )


def _snapshot_key(slug: str) -> str:
    return f"published-meetings:snapshot:{slug}"


def _slug_key(customer_id: int) -> str:
    return f"published-meetings:slug:{customer_id}"


# Snapshots this process used lately: slug -> (until, on the monotonic clock; snapshot).
# The shared cache answers across processes; this spares a round trip to it (to
# Redis, in production) on every request, for at most PROCESS_SECONDS more.
_in_process: dict[str, tuple[float, Snapshot]] = {}
PROCESS_SECONDS = 1.0


def _version_seconds() -> float:
    return settings.FEED_VERSION_SECONDS


def current_snapshot(slug: str) -> Snapshot | None:
    """The kept snapshot, or a fresh one; None if there is no such customer (or it was deleted).

    It is kept by slug, the one thing a request knows; the customer's id
    maps back to the slug so that a meeting's signal can drop it without a
    query.
    """
    clock = time.monotonic()
    kept = _in_process.get(slug)
    if kept is not None and kept[0] > clock:
        return kept[1]
    seconds = _version_seconds()
    snapshot = cache.get(_snapshot_key(slug))
    if snapshot is None:
        customer = Customer.objects.filter(slug=slug, deleted_at__isnull=True).first()
        if customer is None:
            return None
        snapshot = _snapshot(customer, timezone.now())
        if seconds > 0:
            cache.set_many({_snapshot_key(slug): snapshot, _slug_key(customer.pk): slug}, seconds)
    if seconds > 0:
        if len(_in_process) > 10_000:  # bounded by the number of customers; this is a backstop
            _in_process.clear()
        _in_process[slug] = (clock + min(seconds, PROCESS_SECONDS), snapshot)
    return snapshot


def feeds_changed(*, customer_ids: Iterable[int], slugs: Iterable[str] = ()) -> None:
    """Show a change now, not after FEED_VERSION_SECONDS: for writers that bypass signals.

    Other processes see it through the shared cache within PROCESS_SECONDS.
    """
    ids = set(customer_ids)
    kept = cache.get_many([_slug_key(pk) for pk in ids])
    stale = {*kept.values(), *slugs}
    stale.update(slug for slug, (_, snap) in list(_in_process.items()) if snap.customer.pk in ids)
    cache.delete_many([_snapshot_key(slug) for slug in stale])
    for slug in stale:
        _in_process.pop(slug, None)


def forget_kept_snapshots() -> None:
    """Drop the snapshots this process keeps, as ``cache.clear()`` does the shared ones (tests)."""
    _in_process.clear()


@receiver([post_save, post_delete], sender=Meeting, dispatch_uid="published-meetings-meeting")
def _meeting_saved(sender: type[Meeting], instance: Meeting, **kwargs: object) -> None:
    feeds_changed(customer_ids=[instance.customer_id])


@receiver([post_save, post_delete], sender=Customer, dispatch_uid="published-meetings-customer")
def _customer_saved(sender: type[Customer], instance: Customer, **kwargs: object) -> None:
    # The kept slug too: after a rename, the old address must stop serving at once.
    feeds_changed(customer_ids=[instance.pk], slugs=[instance.slug])


# --- what every format renders -------------------------------------------------


@dataclass
class Entry:
    """One listed meeting with what the formats show of it, computed once."""

    meeting: Meeting
    zone: zoneinfo.ZoneInfo
    page: str  # the HTML page's path, for links to this meeting on it
    join_page: str  # the portal's page that asks a visitor for the password

    @property
    def uid(self) -> str:
        """Stable across edits (the primary key never changes), as calendar clients require."""
        return self.meeting.calendar_uid

    @cached_property
    def join_url(self) -> str | None:
        """Where Join leads: the server's join link, or, for a meeting with a password the
        host did not put in public links, the portal's page that asks for it.

        None while the server has not given the meeting an ID yet (it is
        still listed: the portal's record is the promise, the link follows).
        """
        m = self.meeting
        if not m.server_meeting_id:
            return None
        if m.password_encrypted and not m.password_in_public_links:
            return self.join_page
        return join_url(m)

    @property
    def calendar_url(self) -> str | None:
        """Without the password: calendars are copied, synced and shared far and wide."""
        if not self.meeting.server_meeting_id:
            return None
        return join_url(self.meeting, with_password=False)

    @property
    def when(self) -> str:
        """The time in the customer's zone, e.g. "Wed 14 Oct 2026, 15:00–16:00 CEST"."""
        m = self.meeting
        if m.starts_at is None or m.ends_at is None:
            return "Recurring meeting"
        start, end = m.starts_at.astimezone(self.zone), m.ends_at.astimezone(self.zone)
        day = f"{start:%a} {start.day} {start:%b %Y}, {start:%H:%M}"
        if end.date() == start.date():
            return f"{day}–{end:%H:%M} {end.tzname()}"
        until = f"{end:%a} {end.day} {end:%b %Y}, {end:%H:%M} {end.tzname()}"
        return f"{day} {start.tzname()} – {until}"

    @property
    def starts_iso(self) -> str | None:
        return _utc_iso(self.meeting.starts_at)

    @property
    def ends_iso(self) -> str | None:
        return _utc_iso(self.meeting.ends_at)

    def record(self) -> dict[str, object]:
        """The fields of the XML and JSON feeds, in the XSD's order; None is left out of XML."""
        m = self.meeting
        return {
            "id": m.pk,
            "uid": self.uid,
            "topic": m.topic,
            "meeting_id": m.server_meeting_id,
            "is_recurring": m.is_recurring,
            "starts_at": self.starts_iso,
            "ends_at": self.ends_iso,
            "is_live": m.is_live,
            "attendees": m.attendees if m.is_live else 0,
            "join_url": self.join_url,
        }


def _utc_iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Listing:
    """The selected meetings of one customer, and the request they are shown for."""

    customer: Publisher
    meetings: list[Meeting]
    request: HttpRequest
    options: dict[str, str]

    @cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.customer.time_zone)

    @cached_property
    def entries(self) -> list[Entry]:
        page = feed_path(self.customer.slug, DEFAULT_FORMAT)
        return [
            Entry(
                m,
                self.zone,
                page,
                self.request.build_absolute_uri(join_path(self.customer.slug, m.pk)),
            )
            for m in self.meetings
        ]

    def header(self) -> dict[str, str]:
        """The attributes of the XML root and the top-level keys of the JSON feed."""
        c = self.customer
        return {
            "version": SCHEMA_VERSION,
            "customer": c.slug,
            "name": c.name,
            "time_zone": c.time_zone,
        }

    def url(self, format: str) -> str:
        return self.request.build_absolute_uri(feed_path(self.customer.slug, format))


# --- formats -----------------------------------------------------------------


class FeedFormat:
    """One way of publishing the list. Subclasses set the attributes and ``render``."""

    identifier: ClassVar[str]
    extension: ClassVar[str]
    content_type: ClassVar[str]
    public: ClassVar[bool] = True
    embeddable: ClassVar[bool] = False  # framed by the customer's allowed origins

    @classmethod
    def options(cls, request: HttpRequest) -> dict[str, str]:
        """Request parameters the output depends on: part of the cache key and the ETag."""
        return {}

    def render(self, listing: Listing) -> bytes:
        raise NotImplementedError


FORMATS: dict[str, type[FeedFormat]] = {}
DEFAULT_FORMAT = "html"  # the extension of the page served at .../meetings/


def register(cls: type[FeedFormat]) -> type[FeedFormat]:
    FORMATS[cls.identifier] = cls
    return cls


def format_for(extension: str) -> type[FeedFormat] | None:
    return next((f for f in FORMATS.values() if f.extension == extension and f.public), None)


def feed_path(slug: str, extension: str) -> str:
    """/p/<slug>/meetings/ for the page, /p/<slug>/meetings.<extension> for a feed."""
    if extension == DEFAULT_FORMAT:
        return reverse("published-meetings", kwargs={"slug": slug})
    return reverse("published-meetings-feed", kwargs={"slug": slug, "format": extension})


def join_path(slug: str, meeting_id: int) -> str:
    """The page that asks a visitor for a published meeting's password."""
    return reverse("published-meeting-join", kwargs={"slug": slug, "pk": meeting_id})


_ACCENT = re.compile(r"#?([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})\Z")


@register
class HtmlPage(FeedFormat):
    """The page customers put in an iframe: ``?accent=1a73e8`` and ``?compact=1`` theme it."""

    identifier = "html"
    extension = "html"
    content_type = "text/html; charset=utf-8"
    embeddable = True

    @classmethod
    def options(cls, request: HttpRequest) -> dict[str, str]:
        # Only a validated hex colour reaches the inline <style>; anything else is ignored.
        options = {}
        accent = _ACCENT.match(request.GET.get("accent", ""))
        if accent:
            options["accent"] = "#" + accent.group(1).lower()
        if request.GET.get("compact") == "1":
            options["compact"] = "1"
        return options

    def render(self, listing: Listing) -> bytes:
        subscribe = (
            listing.url("ics").replace("https://", "webcal://").replace("http://", "webcal://")
        )
        context = {
            "customer": listing.customer,
            "entries": listing.entries,
            "accent": listing.options.get("accent", ""),
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
        root = ET.Element("published_meetings", listing.header())
        for entry in listing.entries:
            element = ET.SubElement(root, "meeting")
            for name, value in entry.record().items():
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

    def render(self, listing: Listing) -> bytes:
        data = listing.header() | {"meetings": [entry.record() for entry in listing.entries]}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


@register
class IcsFeed(FeedFormat):
    """RFC 5545, subscribable as webcal://. Recurring meetings have no times, so no events."""

    identifier = "ics"
    extension = "ics"
    content_type = "text/calendar; charset=utf-8"

    def render(self, listing: Listing) -> bytes:
        calendar = Calendar()
        calendar.add("prodid", "-//Partner portal//Published meetings//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("method", "PUBLISH")
        calendar.add("x-wr-calname", f"{listing.customer.name}: meetings")
        calendar.add("x-wr-timezone", listing.customer.time_zone)
        calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
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
            if entry.calendar_url:
                event.add("url", entry.calendar_url)
                join = f"Join: {entry.calendar_url}\nMeeting ID: {m.server_meeting_id}"
                event.add("description", Text(join))
            calendar.add_component(event)
        return calendar.to_ical()


class _Rss(Feed):
    """django.contrib.syndication's RSS 2.0 writer, fed a Listing instead of looking one up."""

    item_guid_is_permalink = False

    def title(self, listing: Listing) -> str:
        return f"{listing.customer.name}: meetings"

    def link(self, listing: Listing) -> str:
        return feed_path(listing.customer.slug, DEFAULT_FORMAT)

    def description(self, listing: Listing) -> str:
        customer = listing.customer
        return f"Published meetings of {customer.name}, times in {customer.time_zone}."

    def items(self, listing: Listing) -> list[Entry]:
        return listing.entries

    def item_title(self, entry: Entry) -> str:
        return entry.meeting.topic

    def item_description(self, entry: Entry) -> str:
        live = f" · Live now · {entry.meeting.attendees} attending" if entry.meeting.is_live else ""
        return entry.when + live

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


# --- the view ------------------------------------------------------------------


@csrf_exempt  # GET and HEAD only: other methods get 405 (with Allow), not CSRF's 403
@require_safe
def published_meetings(
    request: HttpRequest, slug: str, format: str = DEFAULT_FORMAT
) -> HttpResponseBase:
    """Every format of the list, with conditional GET and the body cache in one place.

    ``format`` is an extension (the URL's); the page is the default.
    """
    cls = format_for(format)
    if cls is None:
        raise Http404("No such feed format.")
    fmt = cls()
    snapshot = current_snapshot(slug)
    if snapshot is None:
        raise Http404("No such customer.")
    options = fmt.options(request) if request.META.get("QUERY_STRING") else {}
    digest = _digest(
        snapshot.version, fmt.identifier, request.scheme, request.get_host(), tuple(options.items())
    )
    etag = f'"{digest}"'
    last_modified = snapshot.last_modified

    response = _not_modified(request, etag, last_modified)
    if response is None:
        body = _body(fmt, snapshot, request, options, key=f"{slug}:{fmt.identifier}:{digest}")
        response = HttpResponse(body, content_type=fmt.content_type)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = "public, no-cache"  # keep a copy, but ask (304) before using it
    if fmt.embeddable:
        allow_framing_by(response, snapshot.customer.allowed_origins)
    return response


class _RecentBodies:
    """The last few bodies served by this process, by content key.

    A key names one version of one variant, so an entry can never be stale;
    keeping it here saves copying a few hundred kilobytes out of the shared
    cache on every request for a popular feed.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: str, body: bytes) -> None:
        with self._lock:
            self._bodies[key] = body
            self._bodies.move_to_end(key)
            while len(self._bodies) > self._size:
                self._bodies.popitem(last=False)


_recent_bodies = _RecentBodies(size=32)


@lru_cache(maxsize=4096)
def _digest(version: str, *variant: object) -> str:
    """Names one rendering: a version of the list in one variant (format, host, options)."""
    return hashlib.sha256(repr((version, variant)).encode()).hexdigest()[:32]


def _not_modified(request: HttpRequest, etag: str, last_modified: int) -> HttpResponseBase | None:
    """A 304 (or 412) when the client's copy will do, else None.

    The usual revalidation, a GET sending back exactly our ETag and no
    other precondition, is answered without parsing; every other case goes
    through Django's full RFC 9110 evaluation.
    """
    meta = request.META
    if (
        meta.get("HTTP_IF_NONE_MATCH") == etag
        and "HTTP_IF_MATCH" not in meta
        and "HTTP_IF_UNMODIFIED_SINCE" not in meta
    ):
        return HttpResponseNotModified()
    return get_conditional_response(request, etag=etag, last_modified=last_modified)


def _body(
    fmt: FeedFormat, snapshot: Snapshot, request: HttpRequest, options: dict[str, str], key: str
) -> bytes:
    """Rendered once per version and variant; the list is read as of the snapshot's ``now``."""
    key = f"published-meetings:body:{key}"
    # Themed variants (?accent=, ?compact=) are kept in this process only: a
    # visitor can ask for millions of colours, and those must not push the
    # shared cache's rate-limit and lockout counters out.
    shared = not options
    body = _recent_bodies.get(key)
    if body is None:
        body = cache.get(key) if shared else None
        if body is None:
            meetings = _listed_meetings(snapshot.customer.pk, snapshot.now)
            body = fmt.render(Listing(snapshot.customer, meetings, request, options))
            if shared:
                cache.set(key, body, BODY_CACHE_SECONDS)
        _recent_bodies.put(key, body)
    return body


@receiver(check_request_enabled, dispatch_uid="published-meetings-cors")
def _json_feed_is_for_every_site(sender, request: HttpRequest, **kwargs: object) -> bool:
    """Scripts on any site may read the JSON feed (CORS: settings.CORS_URLS_REGEX)."""
    return request.path.endswith("/meetings.json")
