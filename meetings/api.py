"""The host's own meetings over the API; every write goes through the services."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from meetings import launch, services
from meetings.models import Meeting
from meetings.serializers import MeetingSerializer, MeetingStatusSerializer
from portal.accounts.access import IsHost


class MeetingIsLive(exceptions.APIException):
    """409: the meeting runs now, and its server takes no such change while it does."""

    status_code = 409
    default_code = "meeting_is_live"

    def __init__(self, error: services.MeetingIsLive) -> None:
        reasons = dict.fromkeys(
            message for messages in error.message_dict.values() for message in messages
        )
        fields = ", ".join(MEETING_API_NAMES.get(name, name) for name in error.message_dict)
        super().__init__(f"{' '.join(reasons)} (not changed now: {fields})")


#: The API's names for the meeting's fields where they differ from the model's.
MEETING_API_NAMES = {"kind": "meeting_type"}


class MeetingViewSet(viewsets.ModelViewSet):
    """Delete cancels the meeting (it stays in the record, marked cancelled)."""

    serializer_class = MeetingSerializer
    permission_classes = [permissions.IsAuthenticated, IsHost]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Meeting.objects.none()
        return (
            Meeting.objects.filter(host=self.request.host)
            .select_related("host__user", "customer__server")
            .order_by("starts_at", "pk")
        )

    def perform_create(self, serializer):
        serializer.instance = services.meeting_schedule(
            host=self.request.host, **serializer.validated_data
        )

    def _refuse_a_managed_meeting(self, meeting: Meeting) -> None:
        if meeting.managed_by:
            raise exceptions.ValidationError(
                {
                    "non_field_errors": [
                        f"This is the meeting of a {meeting.managed_by}: change or cancel it "
                        f"through {meeting.managed_api}."
                    ]
                }
            )

    @extend_schema(
        responses={
            200: MeetingSerializer,
            409: OpenApiResponse(
                description="The meeting is live, and its server takes no change to these "
                "fields while it runs (the reason says which)."
            ),
        }
    )
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(
        responses={
            200: MeetingSerializer,
            409: OpenApiResponse(description="The meeting is live: see update."),
        }
    )
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def perform_update(self, serializer):
        self._refuse_a_managed_meeting(serializer.instance)
        if serializer.instance.cancelled_at:
            raise exceptions.ValidationError(
                {"non_field_errors": ["A cancelled meeting cannot be changed."]}
            )
        try:
            serializer.instance = services.meeting_update(
                meeting=serializer.instance, **serializer.validated_data
            )
        except services.MeetingIsLive as exc:
            raise MeetingIsLive(exc) from None

    def perform_destroy(self, instance):
        self._refuse_a_managed_meeting(instance)
        services.meeting_cancel(meeting=instance)

    @extend_schema(responses=MeetingStatusSerializer)
    @action(detail=True, methods=["get"])
    def status(self, request, pk=None):
        """Live state as last polled from the meeting server."""
        return Response(MeetingStatusSerializer(self.get_object()).data)

    @extend_schema(
        parameters=[OpenApiParameter("role", enum=["host", "join"], default="host")],
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.STR, description="The command file: XML text, UTF-8."
            ),
            400: OpenApiResponse(description="An unknown role, or not on the server yet."),
            404: OpenApiResponse(
                description="No such meeting of yours, it was cancelled, or its server has no "
                "command files."
            ),
        },
    )
    @action(detail=True, methods=["get"], url_path="command-file")
    def command_file(self, request, pk=None):
        """The desktop launcher file (TurboMeeting --cmd) to start or join the meeting."""
        meeting = self.get_object()
        role = request.query_params.get("role", "host")
        if role not in ("host", "join"):
            raise exceptions.ValidationError({"role": ["Choose host or join."]})
        if not meeting.server_meeting_id:
            raise exceptions.ValidationError(
                {"non_field_errors": ["The meeting is not on the server yet."]}
            )
        return launch.command_file_response(meeting, role=role, name=request.user.get_full_name())
