"""Who pressed Join on their personal link, and when."""

from __future__ import annotations

import datetime as dt

from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from webinars.models import Registration


def registration_record_join(*, registration_id: int, at: dt.datetime | None = None) -> bool:
    """Count a press of Join on the registration's personal link (one UPDATE, so two presses
    at once both count); False if there is no such registration."""
    at = at or timezone.now()
    return bool(
        Registration.objects.filter(pk=registration_id).update(
            first_joined_at=Coalesce(F("first_joined_at"), Value(at, DateTimeField())),
            last_joined_at=at,
            join_count=F("join_count") + 1,
        )
    )


def personal_link_followed(sender, *, external_id: str, **kwargs) -> None:
    """Receives ``meetings.launch.join_link_followed``: records joins of registrants'
    links ("registration-<pk>"); other links are not ours."""
    pk = external_id.removeprefix("registration-")
    if external_id.startswith("registration-") and pk.isdigit():
        registration_record_join(registration_id=int(pk))
