"""The record of the XML and JSON feeds, declared once.

The JSON feed is this serializer's data; the XML feed writes the same data
(the header as the root's attributes, each meeting an element, null fields
left out); meetings/openapi.py describes it from these fields, and a test
holds meetings/static/meetings/published-meetings.xsd to them.
"""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

# Of the XML and JSON shape: meetings/static/meetings/published-meetings.xsd documents it.
SCHEMA_VERSION = "1"


def _time(**kwargs: object) -> serializers.DateTimeField:
    # UTC, ending in Z: DRF writes +00:00 as Z.
    return serializers.DateTimeField(allow_null=True, default_timezone=dt.UTC, **kwargs)


class PublishedMeetingSerializer(serializers.Serializer):
    """One listed meeting (a formats.Entry), fields in the XSD's order."""

    id = serializers.IntegerField(
        source="meeting.pk", min_value=1, help_text="the portal's number for it; never reused"
    )
    uid = serializers.CharField(help_text="calendar UID, stable across edits")
    topic = serializers.CharField(source="meeting.topic")
    meeting_id = serializers.CharField(
        help_text=(
            "the meeting server's ID; empty where the ID alone would let people past "
            "a password kept out of public links"
        )
    )
    is_recurring = serializers.BooleanField(source="meeting.is_recurring")
    starts_at = _time(source="meeting.starts_at", help_text="null for recurring meetings")
    ends_at = _time(source="meeting.ends_at")
    is_live = serializers.BooleanField(
        allow_null=True, help_text="null where the meeting server does not report live status"
    )
    attendees = serializers.IntegerField(
        allow_null=True,
        min_value=0,
        help_text="0 unless live; null where the meeting server does not count attendees",
    )
    live_seen_at = _time(
        help_text=(
            "when the meeting server last said the meeting was live, where it has not "
            "answered since (is_live and attendees are then as of this time); null while "
            "its answers come in"
        )
    )
    join_url = serializers.URLField(
        allow_null=True, help_text="null until the meeting server has the meeting"
    )


class PublishedRecordingSerializer(serializers.Serializer):
    """One recording a host published (a meetings.models.PublishedRecording)."""

    meeting = serializers.IntegerField(
        source="meeting.pk", min_value=1, help_text="the id of the meeting it recorded"
    )
    topic = serializers.CharField(source="meeting.topic")
    name = serializers.CharField()
    starts_at = _time(source="started_at", help_text="null where the server did not say")
    duration = serializers.IntegerField(source="duration_seconds", min_value=0, help_text="seconds")
    playback_url = serializers.URLField()


class PublishedMeetingsSerializer(serializers.Serializer):
    """A customer's list (a formats.Listing): the header, the meetings, then the recordings
    their hosts published."""

    version = serializers.CharField(source="schema_version", help_text="of this shape")
    customer = serializers.CharField(source="customer.slug", help_text="the slug, as in the URL")
    name = serializers.CharField(source="customer.name")
    time_zone = serializers.CharField(source="customer.time_zone", help_text="IANA zone")
    meetings = PublishedMeetingSerializer(source="entries", many=True)
    recordings = PublishedRecordingSerializer(many=True)
