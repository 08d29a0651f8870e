"""A customer's webhook endpoints, and the log of what was sent to them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal import crypto
from portal.accounts.models import Customer


class Endpoint(models.Model):
    """A URL of the customer's that receives the events it subscribed to, signed."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="The event names it receives.")
    is_enabled = models.BooleanField("enabled", default=True)
    #: Why it was disabled, as a message id (translated when shown), and since when.
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The signing secrets (whsec_...), encrypted like the servers' credentials. After a
    # rotation the previous one keeps signing too, until previous_secret_expires_at.
    secret_encrypted = models.TextField(editable=False)
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    failure_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Failed attempts since the last success."
    )
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["customer", "pk"]
        indexes = [models.Index(fields=["customer", "is_enabled"])]

    def __str__(self) -> str:
        return self.url

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt(value)

    @property
    def previous_secret(self) -> str:
        return (
            crypto.decrypt(self.previous_secret_encrypted) if self.previous_secret_encrypted else ""
        )


class Delivery(models.Model):
    """One event for one endpoint: its ``webhook-id``, body and state, across every attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField("webhook-id", max_length=40, unique=True)
    event = models.CharField(max_length=40)
    payload = models.TextField(help_text="The body sent, byte for byte on every attempt.")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    #: The last attempt's ``error``: a sentence the dashboard translates (a message id).
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    #: What staff (admin) and hosts (API) read of a delivery's sending, in this order.
    RECORD_FIELDS = (
        "event",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "response_code",
        "error",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event} {self.message_id}"


class Attempt(models.Model):
    """One try at sending a delivery: when, and what the endpoint answered."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    #: What went wrong, as a sentence the dashboard translates (a message id).
    error = models.CharField(max_length=300, blank=True)
    #: The raw detail behind ``error`` (the exception, the address), for staff.
    detail = models.CharField(max_length=300, blank=True)
    response_body = models.CharField(max_length=1000, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.delivery} at {self.at:%Y-%m-%d %H:%M:%S}"
