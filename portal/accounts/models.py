"""Who the portal serves, and on which server.

- ``MeetingServer``: a meeting server (backend, address, encrypted credentials),
  configured in the admin, or made from the environment's settings (a vendor's).
- ``Customer``: an account on its meeting server, with its time zone and the sites
  allowed to embed its pages.
- ``Host``: a person of a customer who signs in and schedules meetings.
- ``Synced`` and ``SyncState``: the sync fields of a record the server must mirror
  (customers here, meetings in ``meetings``).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from conferencing.base import CredentialField, backend_class, backend_names
from conferencing.http import base_url_checked
from portal import crypto, framing


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Berlin).") from None


def validate_origins(value: str) -> None:
    """Exact origins (scheme://host[:port]), at most framing.MAX_ORIGINS; every mistake at once."""
    origins = list(dict.fromkeys(o.rstrip("/") for o in value.split()))
    if len(origins) > framing.MAX_ORIGINS:
        raise ValidationError(
            f"At most {framing.MAX_ORIGINS} sites may show the embeds; this list has "
            f"{len(origins)}. List only the sites that show them."
        )
    problems = []
    for origin in origins:
        scheme, sep, rest = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not rest or "/" in rest:
            problems.append(
                f"{origin!r} is not an origin: write scheme and host, e.g. https://www.example.com"
            )
        elif "*" in rest:
            problems.append(
                f"{origin!r} has a wildcard: list each site exactly, e.g. https://www.example.com"
            )
        elif not framing.is_exact_origin(origin):
            problems.append(
                f"{origin!r} cannot be named in a Content-Security-Policy: use letters, digits, "
                "dots and hyphens in the host, and a port of at most five digits."
            )
    if problems:
        raise ValidationError(problems)


class SyncState(models.TextChoices):
    PENDING = "pending", _("not yet on the server")
    SYNCED = "synced", _("in step with the server")
    FAILED = "failed", _("the server refused or was unreachable")
    # Not retried by itself: a person must say what the server holds (portal/sync.py).
    ATTENTION = "attention", _("needs attention")


class Synced(models.Model):
    """A local record that the meeting server must mirror.

    The row is the portal's promise; these fields say whether the server has
    caught up, why not, and when the next attempt is due (see portal/sync.py).
    """

    sync_state = models.CharField(
        max_length=16, choices=SyncState.choices, default=SyncState.PENDING, db_index=True
    )
    sync_error = models.TextField(blank=True)
    sync_attempts = models.PositiveIntegerField(default=0)
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sync_claimed_until = models.DateTimeField(null=True, blank=True)
    # Bumped by every change the server must see: a push marks the row synced
    # only if no change arrived while it was talking to the server.
    sync_version = models.PositiveIntegerField(default=0)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


def _backend_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in backend_names()]


class MeetingServer(models.Model):
    """A meeting server some customers' meetings live on: its backend, address and credentials.

    What the backend needs to reach it (its ``credential_fields``: IDs, logins,
    passwords) is stored as one value encrypted with ``CONFERENCING_SECRET_KEYS``,
    never in clear; the secret ones are never shown again.
    """

    #: Where the secrets are sent: changing one drops them unless they are given again.
    SECRETS_BOUND_TO = ("backend", "base_url")
    SECRETS_DROPPED = (
        "Changing the base URL or the backend drops the stored secrets unless they are "
        "entered again in the same change."
    )

    #: The name its backend is registered under (conferencing.base.backend_class).
    backend = models.CharField(max_length=40, choices=_backend_choices)
    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField("base URL", max_length=300)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="The zone the server's own times are in.",
    )
    #: Every credential field's value by its name, as one encrypted JSON object.
    credentials_encrypted = models.TextField(blank=True, editable=False)
    #: The one row the environment's settings make and keep in step on every migrate
    #: (services.server_sync_environment); read-only in the admin and the API.
    from_environment = models.BooleanField(
        default=False,
        editable=False,
        help_text="Managed by the environment's settings, kept in step on every migrate: "
        "read-only here.",
    )
    #: Set by services.server_save: the stored secrets its change of address dropped.
    dropped_secrets: list[str] = []  # noqa: RUF012  (never mutated, only replaced)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "meeting server"
        verbose_name_plural = "meeting servers"
        constraints = [
            models.UniqueConstraint(
                fields=["from_environment"],
                condition=models.Q(from_environment=True),
                name="one_server_from_the_environment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.backend})"

    def save(self, *args, **kwargs) -> None:
        """Its customers' feeds show links to it and its live fields: a new version of each."""
        with transaction.atomic():
            super().save(*args, **kwargs)
            publication_changed(self.customers.values_list("pk", flat=True))

    @property
    def credential_fields(self) -> tuple[CredentialField, ...]:
        """What this server's backend needs (nothing, for an unknown backend)."""
        try:
            return backend_class(self.backend).credential_fields
        except LookupError:
            return ()

    def credentials(self) -> dict[str, str]:
        """The stored credentials in clear, by field name; ValueError when no key in
        CONFERENCING_SECRET_KEYS opens them."""
        return crypto.decrypt_secrets(self.credentials_encrypted)

    def readable_credentials(self) -> dict[str, str]:
        """The stored credentials, or none when they cannot be decrypted (they are entered
        again)."""
        try:
            return self.credentials()
        except ValueError:
            return {}

    def set_credentials(self, values: dict[str, str]) -> None:
        """Store exactly these credentials (the empty ones left out)."""
        self.credentials_encrypted = crypto.encrypt_secrets({k: v for k, v in values.items() if v})

    def stored_secret_names(self) -> list[str]:
        """Which secrets are stored, for pages and the API; never their values."""
        try:
            stored = self.credentials()
        except ValueError:
            return ["(cannot be decrypted: enter them again)"]
        return sorted(f.name for f in self.credential_fields if f.secret and stored.get(f.name))

    def shown_credentials(self) -> dict[str, str]:
        """The stored values that may be shown again: every credential but the secrets."""
        stored = self.readable_credentials()
        return {f.name: stored.get(f.name, "") for f in self.credential_fields if not f.secret}

    def credentials_with(self, given: dict[str, str]) -> tuple[dict[str, str], list[str]]:
        """What this record would store with ``given`` (values by field name) applied, and
        which stored secrets that drops.

        A value given replaces the stored one, but an empty secret keeps it. Unless the
        base URL or the backend changes (``moves``): the stored secrets were meant for
        the old server, so they go unless given again. Only the backend's own fields
        are kept.
        """
        stored = self.readable_credentials() if self.pk else {}
        moved = self.moves()
        merged, dropped = {}, []
        for f in self.credential_fields:
            if given.get(f.name) or (f.name in given and not f.secret):
                merged[f.name] = given[f.name]
            elif f.name in stored and not (moved and f.secret):
                merged[f.name] = stored[f.name]
        if moved:
            secret = {f.name for f in self._saved_credential_fields() if f.secret}
            secret |= {f.name for f in self.credential_fields if f.secret}
            dropped = sorted(n for n in stored if n in secret and not given.get(n))
        return {k: v for k, v in merged.items() if v}, dropped

    def credential_problems(self, values: dict[str, str]) -> dict[str, str]:
        """The required fields ``values`` lacks, and the values a field does not take, each
        with what to tell the person."""
        again = " The base URL or backend changed: enter it again." if self.moves() else ""
        problems = {
            f.name: f"A {self.backend} server needs this." + (again if f.secret else "")
            for f in self.credential_fields
            if f.required and not values.get(f.name)
        }
        for f in self.credential_fields:
            if f.choices and values.get(f.name) and values[f.name] not in f.choices:
                problems[f.name] = f"Choose one of: {', '.join(f.choices)}."
        return problems

    def _saved_credential_fields(self) -> tuple[CredentialField, ...]:
        saved = type(self).objects.filter(pk=self.pk).values_list("backend", flat=True).first()
        return MeetingServer(backend=saved).credential_fields if saved else ()

    def clean(self) -> None:
        try:
            base_url_checked(self.base_url)
        except ValueError as exc:
            raise ValidationError({"base_url": str(exc)}) from None

    def moves(self, **values: str) -> bool:
        """Whether these values (by default this instance's own) would send the stored secrets
        to another address or backend than the saved row's."""
        if self.pk is None:
            return False
        saved = type(self).objects.filter(pk=self.pk).values(*self.SECRETS_BOUND_TO).first()
        if saved is None:
            return False
        return any(
            str(values.get(name, getattr(self, name))).rstrip("/") != saved[name].rstrip("/")
            for name in self.SECRETS_BOUND_TO
        )

    @property
    def capabilities(self) -> frozenset:
        """What this server's backend can do (nothing, for an unknown backend)."""
        try:
            return backend_class(self.backend).capabilities
        except LookupError:
            return frozenset()

    def needed_fields(self) -> list[str]:
        """The names of the credential fields this server's backend takes."""
        return [f.name for f in self.credential_fields]


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
        MeetingServer,
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


class Host(models.Model):
    """A person who hosts meetings for a customer (an administrator may also stop a meeting
    and set where the embeds may show); what a vendor lets them do is that vendor's
    profile (portal/vendors.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="host"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="hosts")
    phone = models.CharField(max_length=40, blank=True)
    user_group = models.CharField(max_length=100, blank=True)
    is_administrator = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    #: The dashboard's language (one of settings.LANGUAGES); "" follows the browser.
    language = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        ordering = ["user__email"]

    def __str__(self) -> str:
        return self.user.email

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None or self.customer.is_deleted

    def clean(self) -> None:
        """A host's user is its own, fixed when the host is made, and never a staff account:
        whoever may change a host's password or email must not reach staff that way."""
        if self.user_id is None:
            return
        if self.pk is not None:
            stored = Host.objects.filter(pk=self.pk).values_list("user_id", flat=True).first()
            if stored is not None and stored != self.user_id:
                raise ValidationError("A host's user is fixed when the host is made.")
        if self.user.is_staff or self.user.is_superuser:
            raise ValidationError(
                "A staff account cannot be a host: hosts' passwords and emails are changed "
                "by people who must not reach staff accounts."
            )
