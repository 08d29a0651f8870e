"""The sync fields of a record the meeting server must mirror (see portal/sync.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
