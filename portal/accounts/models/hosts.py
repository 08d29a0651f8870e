"""The people of a customer who sign in and schedule meetings."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from portal.accounts.models.customers import Customer


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
