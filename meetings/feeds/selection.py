"""What the published feeds list, and the version that names the list.

One aggregate query gives a customer's version (counts, newest edit, live
totals); the ETag derives from it and rendered bodies are cached under it,
so a change makes new keys and no body is ever invalidated by hand. The
snapshot (customer and version) is kept FEED_VERSION_SECONDS (default 5) in
Django's cache (Redis when configured), because embeds are revalidated far
more often than lists change. Saves drop it through signals; writes that
bypass signals (the poller's bulk updates) call ``feeds_changed``, and a
meeting that ends by the clock shows within FEED_VERSION_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from meetings.models import LiveState, Meeting
from portal.accounts.models import ConferencingServer, Customer

# Bump when a format's output changes for the same data, so caches and ETags move on.
RENDER_REVISION = 7


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


def listed_meetings(customer_id: int, now: dt.datetime) -> list[Meeting]:
    return list(
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
        customer.language,
    )
    version = (
        publisher,
        customer.updated_at,
        *(row[name] for name in ("edited", "lapsed", "listed", "live", "attending")),
        RENDER_REVISION,
        settings.TM_SERVER_URL,  # the default server's links
        _server_stamp(customer),  # or the customer's own server's
    )
    stamps = (customer.updated_at, row["edited"], row["lapsed"], row["polled"])
    return Snapshot(
        customer=publisher,
        taken_at=now.isoformat(),
        version=hashlib.sha256(repr(version).encode()).hexdigest(),
        last_modified=int(max(s for s in stamps if s is not None).timestamp()),
    )


def _server_stamp(customer: Customer) -> tuple:
    """What of the customer's own meeting server the output shows: its kind (links, live
    fields) and address, and when its record last changed."""
    if customer.server_id is None:
        return ()
    server = customer.server
    return (server.kind, server.base_url, server.updated_at)


def _snapshot_key(slug: str) -> str:
    return f"published-meetings:snapshot:{slug}"


def _slug_key(customer_id: int) -> str:
    return f"published-meetings:slug:{customer_id}"


def current_snapshot(slug: str) -> Snapshot | None:
    """The kept snapshot, or a fresh one; None if there is no such customer (or it was deleted).

    It is kept by slug, the one thing a request knows; the customer's id
    maps back to the slug so that a meeting's signal can drop it without a
    query.
    """
    snapshot = cache.get(_snapshot_key(slug))
    if snapshot is None:
        customer = (
            Customer.objects.filter(slug=slug, deleted_at__isnull=True)
            .select_related("server")
            .first()
        )
        if customer is None:
            return None
        snapshot = _snapshot(customer, timezone.now())
        seconds = settings.FEED_VERSION_SECONDS
        if seconds > 0:
            cache.set_many({_snapshot_key(slug): snapshot, _slug_key(customer.pk): slug}, seconds)
    return snapshot


def feeds_changed(*, customer_ids: Iterable[int], slugs: Iterable[str] = ()) -> None:
    """Show a change now, not after FEED_VERSION_SECONDS: for writers that bypass signals."""
    kept = cache.get_many([_slug_key(pk) for pk in set(customer_ids)])
    cache.delete_many([_snapshot_key(slug) for slug in {*kept.values(), *slugs}])


@receiver([post_save, post_delete], sender=Meeting, dispatch_uid="published-meetings-meeting")
def _meeting_saved(sender: type[Meeting], instance: Meeting, **kwargs: object) -> None:
    feeds_changed(customer_ids=[instance.customer_id])


@receiver(post_save, sender=ConferencingServer, dispatch_uid="published-meetings-server")
def _server_saved(sender: type[ConferencingServer], instance: ConferencingServer, **kwargs) -> None:
    # Its customers' links and live fields come from it: show a new address at once.
    ids = list(instance.customers.values_list("pk", flat=True))
    if ids:
        feeds_changed(customer_ids=ids)


@receiver([post_save, post_delete], sender=Customer, dispatch_uid="published-meetings-customer")
def _customer_saved(sender: type[Customer], instance: Customer, **kwargs: object) -> None:
    # The kept slug too: after a rename, the old address must stop serving at once.
    feeds_changed(customer_ids=[instance.pk], slugs=[instance.slug])
