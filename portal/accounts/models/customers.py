"""Customers, and their publication: what their public feeds show."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models import F

from portal.accounts.models.synced import Synced
from portal.accounts.models.validators import validate_origins, validate_time_zone


class Customer(Synced):
    name = models.CharField("organisation name", max_length=200)
    slug = models.SlugField(unique=True, help_text="Used in public URLs: /p/<slug>/meetings/")
    contact_email = models.EmailField()
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    embed_origins = models.TextField(
        blank=True,
        validators=[validate_origins],
        help_text="Origins allowed to embed this customer's pages, one per line.",
    )
    default_call_number = models.CharField(
        "audio call number", max_length=40, blank=True, help_text="Default for new meetings."
    )
    default_access_code_is_meeting_id = models.BooleanField(
        "use the meeting ID as the audio access code", default=False
    )
    early_polling_minutes = models.PositiveIntegerField(
        "polled from (minutes before the start)",
        null=True,
        blank=True,
        help_text="A host may start a meeting early: from how long before its start the portal "
        "looks whether it is live (less often while it is far off). Empty: from the start of "
        "the meeting's day.",
    )
    language = models.CharField(
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text="Empty: each visitor's browser chooses.",
    )
    server = models.ForeignKey(
        "accounts.MeetingServer",
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name="meeting server",
        help_text="The server its meetings live on.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # One more whenever anything the public feeds show of this customer changes: see
    # publication_changed. Feeds' ETags and cached bodies are named after it.
    publication_version = models.PositiveBigIntegerField(default=0, editable=False)

    #: What the feeds show of the customer itself (its server: their links and live fields).
    PUBLISHED_FIELDS = frozenset(
        {"name", "slug", "time_zone", "language", "embed_origins", "server", "deleted_at"}
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        """Saves a new publication version in the same statement when a shown field may change.

        F() keeps a stale copy of the row from writing an older version back.
        """
        fields = kwargs.get("update_fields")
        bump = not self._state.adding and (fields is None or self.PUBLISHED_FIELDS & set(fields))
        if bump:
            self.publication_version = F("publication_version") + 1
            if fields is not None:
                kwargs["update_fields"] = {*fields, "publication_version"}
        with transaction.atomic():
            super().save(*args, **kwargs)
            if bump:
                _forget_kept_publications([self.pk], slugs=[self.slug])

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def allowed_origins(self) -> list[str]:
        return [o.rstrip("/") for o in self.embed_origins.split()]


# --- A customer's publication: what its public feeds show --------------------------------
#
# Readers (meetings.feeds) keep what they read of a publication (its version, the customer)
# in Django's cache for FEED_VERSION_SECONDS under publication_key(slug); a new version
# drops it once committed, so a change shows at once on every web process sharing the cache.


def publication_key(slug: str) -> str:
    return f"publication:{slug}"


def _publication_slug_key(customer_id: int) -> str:
    return f"publication:slug:{customer_id}"


def publication_keep(customer_id: int, slug: str, value: object, seconds: int) -> None:
    """Keep ``value`` as what was read of the customer's publication, for ``seconds``."""
    cache.set_many(
        {publication_key(slug): value, _publication_slug_key(customer_id): slug}, seconds
    )


def publication_changed(customer_ids: Iterable[int]) -> None:
    """Something these customers' feeds show changed: a new publication version for each.

    One UPDATE, in the caller's transaction: every writer of what the feeds
    show calls it with its own writes (Meeting.save, the poller), or saves
    the Customer or MeetingServer, whose save() does the same.
    """
    ids = set(customer_ids)
    if ids:
        Customer.objects.filter(pk__in=ids).update(publication_version=F("publication_version") + 1)
        _forget_kept_publications(ids)


def _forget_kept_publications(customer_ids: Iterable[int], slugs: Iterable[str] = ()) -> None:
    """Drop what readers kept (by the slug they kept it under: after a rename, the old address
    stops serving at once), now and again once committed, as a reader may keep the old
    version meanwhile."""
    ids, slugs = list(customer_ids), list(slugs)

    def forget() -> None:
        kept = cache.get_many([_publication_slug_key(pk) for pk in ids])
        cache.delete_many([publication_key(slug) for slug in {*kept.values(), *slugs}])

    forget()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(forget)
