"""The webhooks section of the OpenAPI description: one entry per event, with an example.

These serializers only describe the payloads (``meetings/webhooks.py`` and
``webinars/webhooks.py`` build them); they sit here, below the apps, so that
the schema's settings can name them.
"""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    OpenApiWebhook,
    extend_schema,
)
from rest_framework import serializers

from portal.webhooks.events import EVENTS, VERSION


class WebhookWebinarRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()


class WebhookRegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    webinar = WebhookWebinarRefSerializer()
    status = serializers.ChoiceField(
        ["pending", "confirmed", "waitlisted", "rejected", "cancelled"]
    )
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.EmailField()
    organisation = serializers.CharField()
    phone = serializers.CharField()
    answers = serializers.DictField(help_text="Answers by question ID, as the person gave them.")
    channel = serializers.CharField()
    language = serializers.CharField()
    created_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)


class WebhookWebinarSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    meeting_id = serializers.IntegerField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancellation_message = serializers.CharField()


class WebhookMeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    topic = serializers.CharField()
    kind = serializers.CharField()
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    is_recurring = serializers.BooleanField()
    is_published = serializers.BooleanField()
    host_email = serializers.EmailField()
    server_meeting_id = serializers.CharField()
    managed_by = serializers.CharField(help_text='"webinar" for a webinar\'s meeting.')
    cancelled_at = serializers.DateTimeField(allow_null=True)
    live_state = serializers.ChoiceField(["scheduled", "live", "ended"])
    attendees = serializers.IntegerField(
        help_text="People in the meeting; in meeting.ended, the last count seen while live."
    )


SUBJECTS = {
    "registration": WebhookRegistrationSerializer,
    "webinar": WebhookWebinarSerializer,
    "meeting": WebhookMeetingSerializer,
}

EXAMPLE_DATA = {
    "registration": {
        "id": 412,
        "webinar": {"id": 7, "slug": "product-tour", "title": "Product tour"},
        "status": "confirmed",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "organisation": "Analytical Engines",
        "phone": "",
        "answers": {"12": "Marketing"},
        "channel": "embed",
        "language": "en",
        "created_at": "2026-12-07T09:30:00Z",
        "confirmed_at": "2026-12-07T09:30:00Z",
        "cancelled_at": None,
    },
    "webinar": {
        "id": 7,
        "slug": "product-tour",
        "title": "Product tour",
        "starts_at": "2026-12-15T15:00:00Z",
        "ends_at": "2026-12-15T16:00:00Z",
        "capacity": 100,
        "status": "published",
        "meeting_id": 88,
        "cancelled_at": None,
        "cancellation_message": "",
    },
    "meeting": {
        "id": 88,
        "topic": "Weekly review",
        "kind": "meeting",
        "starts_at": "2026-12-15T15:00:00Z",
        "ends_at": "2026-12-15T16:00:00Z",
        "is_recurring": False,
        "is_published": True,
        "host_email": "host@acme.example",
        "server_meeting_id": "123456789",
        "managed_by": "",
        "cancelled_at": None,
        "live_state": "live",
        "attendees": 14,
    },
}

#: drf-spectacular keeps no parameters in a webhook: the headers are told in its description.
#: What differs from EXAMPLE_DATA in an event's example.
EXAMPLE_CHANGES = {
    "registration.waiting": {"status": "waitlisted", "confirmed_at": None},
    "registration.created": {"status": "pending", "confirmed_at": None},
    "registration.rejected": {"status": "rejected", "confirmed_at": None},
    "registration.cancelled": {"status": "cancelled", "cancelled_at": "2026-12-08T10:00:00Z"},
    "webinar.cancelled": {
        "status": "cancelled",
        "cancelled_at": "2026-12-08T10:00:00Z",
        "cancellation_message": "The speaker is ill; we will write with a new date.",
    },
    "meeting.scheduled": {"live_state": "scheduled", "attendees": 0},
    "meeting.updated": {"live_state": "scheduled", "attendees": 0},
    "meeting.cancelled": {
        "live_state": "scheduled",
        "attendees": 0,
        "cancelled_at": "2026-12-08T10:00:00Z",
    },
    "meeting.ended": {"live_state": "ended"},
}

HEADERS = """

Headers, per the Standard Webhooks specification:

- `webhook-id`: the message's ID, the same on every attempt, so a receiver can drop
  one it has seen already;
- `webhook-timestamp`: seconds since the epoch when this attempt was signed;
- `webhook-signature`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per signing
  secret, space-separated (two while a rotated secret still signs).

Verify them with a Standard Webhooks library and the endpoint's secret; answer 2xx
within the timeout, or the delivery is tried again with backoff for about a day."""


def _payload_serializer(subject: str, name: str) -> type[serializers.Serializer]:
    return type(
        name,
        (serializers.Serializer,),
        {
            "type": serializers.CharField(help_text="The event's name."),
            "version": serializers.IntegerField(help_text=f"The payload's version ({VERSION})."),
            "timestamp": serializers.DateTimeField(help_text="When the event happened."),
            "data": SUBJECTS[subject](),
        },
    )


PAYLOADS = {
    subject: _payload_serializer(subject, f"Webhook{subject.title()}EventSerializer")
    for subject in SUBJECTS
}


def _webhook(event) -> OpenApiWebhook:
    example = {
        "type": event.name,
        "version": VERSION,
        "timestamp": "2026-12-07T09:30:00Z",
        "data": EXAMPLE_DATA[event.subject] | EXAMPLE_CHANGES.get(event.name, {}),
    }
    return OpenApiWebhook(
        name=event.name,
        decorator=extend_schema(
            summary=event.description,
            description=event.description + HEADERS,
            request=PAYLOADS[event.subject],
            examples=[OpenApiExample(event.name, value=example)],
            responses={200: OpenApiResponse(description="Received; any 2xx will do.")},
        ),
    )


WEBHOOKS = [_webhook(event) for event in EVENTS]
