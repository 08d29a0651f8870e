"""The meeting servers customers' meetings live on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction

from conferencing.base import CredentialField, backend_class, backend_names
from conferencing.http import base_url_checked
from portal import crypto
from portal.accounts.models.customers import publication_changed
from portal.accounts.models.validators import validate_time_zone


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
        from portal.vendors import vendor_app  # the vendors' apps know the models

        return vendor_app(self.backend).credential_problems(values) | problems

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
