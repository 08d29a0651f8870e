"""Every event a webhook can carry: one registry, read by the forms, the API and OpenAPI.

A payload is ``{"type", "version", "timestamp", "data"}``. Fields are only ever
added within a version; a change that removes or renames one is a new version.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

#: The payloads' version, in every body as "version".
VERSION = 1


@dataclass(frozen=True)
class Event:
    name: str
    description: str
    subject: str  # what "data" holds: "registration", "webinar" or "meeting"


EVENTS = [
    Event(
        "registration.created",
        gettext_noop("Someone registered (data.status says for what)."),
        "registration",
    ),
    Event(
        "registration.confirmed",
        gettext_noop("A registration holds a confirmed seat."),
        "registration",
    ),
    Event(
        "registration.waiting",
        gettext_noop("A registration went on the waiting list."),
        "registration",
    ),
    Event("registration.approved", gettext_noop("A host approved a registration."), "registration"),
    Event("registration.rejected", gettext_noop("A host rejected a registration."), "registration"),
    Event("registration.cancelled", gettext_noop("A registration was cancelled."), "registration"),
    Event("webinar.updated", gettext_noop("A webinar's details changed."), "webinar"),
    Event("webinar.cancelled", gettext_noop("A webinar was cancelled."), "webinar"),
    Event("meeting.scheduled", gettext_noop("A meeting was scheduled."), "meeting"),
    Event("meeting.updated", gettext_noop("A meeting's details changed."), "meeting"),
    Event("meeting.cancelled", gettext_noop("A meeting was cancelled."), "meeting"),
    Event(
        "meeting.started", gettext_noop("The meeting server reports the meeting live."), "meeting"
    ),
    Event("meeting.ended", gettext_noop("The meeting server reports the meeting over."), "meeting"),
]
EVENT_NAMES = [event.name for event in EVENTS]
EVENT_CHOICES = [(event.name, event.name) for event in EVENTS]
