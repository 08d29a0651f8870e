"""TurboMeeting's data in the portal.

- ``CustomerProfile``: a customer's account on the server: its company UID and licence.
- ``HostProfile``: what a host may do in TurboMeeting, told to the server at each sign-in.
- ``QueryToken``: one sign-in at the server through /tm/auth, the secret (hashed) of its
  QueryScheduledMeetingURL (/tm/meetings/<token>).
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone


class QueryToken(models.Model):
    """One sign-in at the meeting server: the secret in its QueryScheduledMeetingURL.

    Only a hash is stored, so a database dump does not reveal live URLs.
    """

    host = models.ForeignKey(
        "accounts.Host", on_delete=models.CASCADE, related_name="turbomeeting_query_tokens"
    )
    #: The server it was issued to: its meeting list answers that server only (None: a
    #: sign-in from before every server had a row, which no server's list answers).
    server = models.ForeignKey(
        "accounts.MeetingServer", on_delete=models.CASCADE, null=True, blank=True
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"sign-in of {self.host} until {self.expires_at:%Y-%m-%d %H:%M}"

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()


class HostProfile(models.Model):
    """A host's TurboMeeting privileges, sent in the /tm/auth answer (spec §6)."""

    host = models.OneToOneField(
        "accounts.Host", on_delete=models.CASCADE, related_name="turbomeeting"
    )
    privilege_interactive_meeting = models.BooleanField(default=True)
    privilege_seminar = models.BooleanField(default=True)
    privilege_remote_support = models.BooleanField(default=False)
    privilege_remote_access = models.BooleanField(default=False)
    privilege_send_file = models.BooleanField(default=True)
    privilege_chat = models.BooleanField(default=True)
    privilege_record = models.BooleanField(default=False)
    video_conference = models.BooleanField(default=True)

    class Meta:
        verbose_name = "TurboMeeting privileges"
        verbose_name_plural = "TurboMeeting privileges"

    def __str__(self) -> str:
        return f"TurboMeeting privileges of {self.host}"


class CustomerProfile(models.Model):
    """A customer's account on a TurboMeeting server: the ID the server gave it, and the
    licence the portal asks for (rooms, people per room)."""

    customer = models.OneToOneField(
        "accounts.Customer", on_delete=models.CASCADE, related_name="turbomeeting"
    )
    company_uid = models.CharField(
        max_length=36,
        blank=True,
        editable=False,  # the server's answer, or a person's word (services.customer_resolve)
        help_text="The account ID the meeting server returned.",
    )
    number_of_meeting_rooms = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)]
    )
    participants_per_room = models.PositiveIntegerField(
        default=10, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = "TurboMeeting account"
        constraints = [
            models.UniqueConstraint(
                fields=["company_uid"],
                condition=~models.Q(company_uid=""),
                name="turbomeeting_unique_company_uid",
                violation_error_message="Another customer already has this company UID.",
            )
        ]

    def __str__(self) -> str:
        return f"TurboMeeting account of {self.customer}"
