"""What the published feeds list, and the version that names the list.

A customer's ``publication_version`` (portal.accounts.models) is bumped by
every writer of what the feeds show, in its own transaction: a meeting's
save, the poller's live fields, the customer's and its server's saves. The
ETag derives from it, the clock's part (a meeting that ends drops out by
itself) and ``renderer()`` (this code, its templates and translations, the
settings its links come from); rendered bodies are cached under it, so a
change makes new keys and no body is ever invalidated by hand. The snapshot
(customer and version) is kept FEED_VERSION_SECONDS (default 5) in Django's
cache (Redis when configured), because embeds are revalidated far more often
than lists change; a new version drops it once committed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache as django_cache
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone

from conferencing.base import Capability
from meetings.models import LiveState, Meeting
from portal import servers
from portal.accounts.models import Customer, publication_keep, publication_key


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
    # Not on a server that its host schedules in the browser (Webex) yet: nothing to join
    # until the host does, which may be never.
    browser = servers.backends_with(Capability.SCHEDULE_IN_BROWSER)
    waiting = Q(server_meeting_id="", customer__server__backend__in=browser)
    return _published() & ~one_off_ended & not_past & ~waiting


def listed_meetings(customer_id: int, now: dt.datetime) -> QuerySet[Meeting]:
    """In the order every format lists them, the same at each request: pages do not overlap."""
    return (
        Meeting.objects.filter(_listed(now), customer_id=customer_id)
        .select_related("customer__server")  # its links come from the customer's server
        .order_by(F("starts_at").asc(nulls_last=True), "pk")
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
        .select_related("customer__server")
        .first()
    )


class Publisher(NamedTuple):
    """What the feeds show of a customer."""

    pk: int
    slug: str
    name: str
    time_zone: str
    allowed_origins: tuple[str, ...]
    language: str = ""  # fixed by the customer; "": each visitor's browser chooses


class Snapshot(NamedTuple):
    """A customer's list at one moment: enough to answer a revalidation without the database."""

    customer: Publisher
    now: dt.datetime  # the "now" the list was selected for
    version: str  # a digest: equal versions render equal bodies
    last_modified: int  # POSIX seconds, what Last-Modified says


def _snapshot(customer: Customer, now: dt.datetime) -> Snapshot:
    """The version, and when the list last changed, in one aggregate query.

    The version is the customer's publication version, plus the end of the
    latest meeting that lapsed by the clock (nobody writes when a meeting's
    end time passes, yet it leaves the list), plus ``renderer()``.
    Last-Modified is the newest edit, poll or lapse: it moves forward
    whenever the list may have (a deleted row is seen by the ETag only).
    """
    row = Meeting.objects.filter(customer=customer).aggregate(
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
        customer.language,
    )
    version = (customer.publication_version, row["lapsed"], renderer())
    stamps = (customer.updated_at, row["edited"], row["lapsed"], row["polled"])
    return Snapshot(
        customer=publisher,
        now=now,
        version=hashlib.sha256(repr(version).encode()).hexdigest(),
        last_modified=int(max(s for s in stamps if s is not None).timestamp()),
    )


#: What the feeds render with besides the data: a change to any of them is a new version.
_RENDERER_FILES = ("meetings/feeds/*.py", "templates/meetings/published.html", "locale/*/*/*.mo")
_RENDERER_SETTINGS = ("SITE_URL", "STATIC_URL")  # uids, assets (a server's address: its row)


@cache
def renderer() -> str:
    """A digest of how this process renders: its code, templates, translations, static files'
    names and the settings the links come from. Taken once, so a deploy changes every ETag."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for pattern in _RENDERER_FILES:
        for path in sorted(base.glob(pattern)):
            digest.update(path.read_bytes())
    manifest = getattr(staticfiles_storage, "manifest_name", None)
    if manifest and staticfiles_storage.exists(manifest):
        with staticfiles_storage.open(manifest) as file:
            digest.update(file.read())
    digest.update(repr([getattr(settings, name) for name in _RENDERER_SETTINGS]).encode())
    return digest.hexdigest()


def current_snapshot(slug: str) -> Snapshot | None:
    """The kept snapshot, or a fresh one; None if there is no such customer (or it was deleted).

    It is kept by slug, the one thing a request knows; a new publication
    version drops it (portal.accounts.models.publication_changed).
    """
    snapshot = django_cache.get(publication_key(slug))
    if snapshot is None:
        customer = Customer.objects.filter(slug=slug, deleted_at__isnull=True).first()
        if customer is None:
            return None
        snapshot = _snapshot(customer, timezone.now())
        seconds = settings.FEED_VERSION_SECONDS
        if seconds > 0:
            publication_keep(customer.pk, slug, snapshot, seconds)
    return snapshot
