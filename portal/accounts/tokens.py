"""API tokens (DRF's authtoken) that end: one lasts ``API_TOKEN_MAX_AGE_HOURS`` from the
sign-in that made it, its owner revokes it with ``DELETE /api/v1/auth/token/`` (staff in
the admin), and any change of the owner's password revokes it, whatever path made the
change (dashboard, reset, admin, API): a stolen token must not outlive the password."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def expires_at(token: Token) -> dt.datetime:
    return token.created + dt.timedelta(hours=settings.API_TOKEN_MAX_AGE_HOURS)


def token_for(user) -> Token:
    """The user's token, a new one once the old one has expired."""
    Token.objects.filter(
        user=user,
        created__lte=timezone.now() - dt.timedelta(hours=settings.API_TOKEN_MAX_AGE_HOURS),
    ).delete()
    token, _ = Token.objects.get_or_create(user=user)
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing (and deleting) a token past its age."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if expires_at(token) <= timezone.now():
            token.delete()
            raise exceptions.AuthenticationFailed("The token has expired: sign in for a new one.")
        return user, token


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="tokens-end-with-password")
def _revoke_on_password_change(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()
