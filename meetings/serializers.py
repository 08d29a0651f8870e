from rest_framework import serializers

from conferencing.base import MeetingKind
from meetings.models import KIND_CHOICES, Meeting
from portal.validators import PlainText

#: What the portal and the meeting server keep of a meeting: read-only in the API.
SERVER_STATE = [
    "server_meeting_id",
    "sync_state",
    "sync_error",
    "live_state",
    "attendees",
    "cancelled_at",
]


class MeetingSerializer(PlainText, serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=64,
        style={"input_type": "password"},
    )
    #: The API keeps its name for the meeting's kind (a MeetingKind number).
    meeting_type = serializers.ChoiceField(
        source="kind", choices=KIND_CHOICES, default=MeetingKind.MEETING.value
    )
    join_url = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "topic",
            "meeting_type",
            "starts_at",
            "ends_at",
            "is_recurring",
            "is_published",
            "password",
            "password_in_public_links",
            "call_number",
            "attendee_access_code",
            "access_code_is_meeting_id",
            *SERVER_STATE,
            "join_url",
        ]
        read_only_fields = SERVER_STATE

    def get_join_url(self, meeting: Meeting) -> str:
        from meetings.launch import join_url

        return join_url(meeting) if meeting.server_meeting_id else ""


class MeetingStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = [
            "id",
            "server_meeting_id",
            "live_state",
            "attendees",
            "last_polled_at",
            "last_seen_active_at",
        ]
