"""TurboMeeting's sign-in sessions: the per-sign-in URL of a host's scheduled meetings."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.utils import timezone

from portal.accounts.models import Host
from vendors.turbomeeting.models import QueryToken


def query_token_issue(*, host: Host, server_id: int) -> str:
    """A new unguessable token for one sign-in through a server; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    QueryToken.objects.create(
        host=host,
        server_id=server_id,
        token_hash=hash_token(token),
        expires_at=timezone.now() + dt.timedelta(minutes=settings.TM_QUERY_URL_TTL_MINUTES),
    )
    QueryToken.objects.filter(expires_at__lt=timezone.now() - dt.timedelta(days=1)).delete()
    return token


def host_for_query_token(token: str, *, server_id: int) -> Host | None:
    """The host of a live sign-in through the server, or None for an unknown or expired
    token, or one another server issued."""
    found = (
        QueryToken.objects.select_related("host__customer", "host__user")
        .filter(token_hash=hash_token(token), expires_at__gt=timezone.now(), server_id=server_id)
        .first()
    )
    if found is None or found.host.is_deleted:
        return None
    return found.host


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
