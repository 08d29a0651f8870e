"""TurboMeeting's data in the portal.

- ``QueryToken``: one sign-in at the server through /tm/auth, the secret (hashed) of its
  QueryScheduledMeetingURL (/tm/meetings/<token>).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class QueryToken(models.Model):
    """One sign-in at the meeting server: the secret in its QueryScheduledMeetingURL.

    Only a hash is stored, so a database dump does not reveal live URLs.
    """

    host = models.ForeignKey(
        "accounts.Host", on_delete=models.CASCADE, related_name="turbomeeting_query_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"sign-in of {self.host} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()
