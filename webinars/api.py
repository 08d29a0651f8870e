"""The host's own webinars, their questions and registrations over the API.

Every write goes through the services; the public registration endpoint for
custom pages is ``webinars.views.register.PublicRegistrationView``.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch
from django.http import QueryDict
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.accounts.access import IsHost
from portal.exports.models import ExportJob
from portal.exports.services import export_start
from portal.exports.views import file_response, job_for
from webinars import selectors
from webinars.forms.registration import RegistrationForm, form_data_from_json
from webinars.models import Question, Registration, Webinar
from webinars.serializers import (
    ExportRequestSerializer,
    MessageSerializer,
    QuestionSerializer,
    RegistrationCreateSerializer,
    RegistrationExportSerializer,
    RegistrationFilterSerializer,
    RegistrationSerializer,
    WebinarSerializer,
)
from webinars.services.questions import question_create, question_delete, question_update
from webinars.services.registrations import (
    RegistrationRefused,
    registration_approve,
    registration_cancel,
    registration_create,
    registration_reject,
    registration_resend_confirmation,
)
from webinars.services.webinars import webinar_cancel, webinar_create, webinar_update

UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # as Django's <uuid:>
WEBINAR_PK = OpenApiParameter("webinar_pk", int, OpenApiParameter.PATH)


class WebinarViewSet(viewsets.ModelViewSet):
    """The signed-in host's webinars. Delete cancels the webinar and its meeting."""

    serializer_class = WebinarSerializer
    permission_classes = [permissions.IsAuthenticated, IsHost]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Webinar.objects.none()
        return selectors.dashboard_webinars(self.request.host).prefetch_related(
            Prefetch("questions", queryset=Question.objects.order_by("position", "pk"))
        )

    def perform_create(self, serializer):
        serializer.instance = webinar_create(host=self.request.host, **serializer.validated_data)

    def perform_update(self, serializer):
        if serializer.instance.cancelled_at:
            raise exceptions.ValidationError(
                {"non_field_errors": ["A cancelled webinar cannot be changed."]}
            )
        serializer.instance = webinar_update(
            webinar=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=MessageSerializer, responses={204: None})
    def destroy(self, request, *args, **kwargs):
        """Cancel: registrations are kept, and told by mail with the optional ``message``.

        Many HTTP clients, generated ones among them, send no body with DELETE: ``POST
        /webinars/<id>/cancel/`` does the same with the message in its body.
        """
        return self.cancel(request)

    @extend_schema(request=MessageSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the webinar and its meeting; registrations are kept, and told by mail with
        the optional ``message``. Cancelling a cancelled webinar changes nothing."""
        webinar = self.get_object()
        body = MessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        webinar_cancel(webinar=webinar, message=body.validated_data.get("message", ""))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _export(self, export_pk: str) -> ExportJob:
        """One of this webinar's export jobs, if its exporter lets the person have it."""
        webinar = self.get_object()
        return job_for(
            self.request.user,
            export_pk,
            content_type=ContentType.objects.get_for_model(Webinar),
            object_id=webinar.pk,
        )

    @extend_schema(
        request=None,
        responses=RegistrationExportSerializer,
        parameters=[OpenApiParameter("export_pk", OpenApiTypes.UUID, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=rf"exports/(?P<export_pk>{UUID})",
        url_name="export-detail",
    )
    def export_detail(self, request, pk=None, export_pk=None):
        """An export job of the webinar: its status, progress and, once done, the file's URL.

        Start one with ``POST /webinars/<id>/registrations/export/``.
        """
        export = self._export(export_pk)
        return Response(RegistrationExportSerializer(export, context={"request": request}).data)

    @extend_schema(
        request=None,
        parameters=[OpenApiParameter("export_pk", OpenApiTypes.UUID, OpenApiParameter.PATH)],
        responses={
            # The binary type first: a generated client that reads it as bytes reads both.
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): (
                OpenApiTypes.BINARY
            ),
            (200, "text/csv"): OpenApiTypes.STR,
            404: OpenApiResponse(description="No such export, not done yet, or deleted."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=rf"exports/(?P<export_pk>{UUID})/download",
        url_name="export-download",
    )
    def export_download(self, request, pk=None, export_pk=None):
        """The export's file, once done (only to the webinar's host; deleted after a day)."""
        return file_response(self._export(export_pk))


class _WebinarChild:
    """Nested under /webinars/<webinar_pk>/: only the host's own webinar."""

    permission_classes = [permissions.IsAuthenticated, IsHost]

    def get_webinar(self) -> Webinar:
        if not hasattr(self, "_webinar"):
            self._webinar = get_object_or_404(
                Webinar.objects.select_related("customer", "meeting"),
                pk=self.kwargs["webinar_pk"],
                host=self.request.host,
            )
        return self._webinar

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False) and "webinar_pk" in self.kwargs:
            context["webinar"] = self.get_webinar()
        return context


@extend_schema(parameters=[WEBINAR_PK])
class QuestionViewSet(_WebinarChild, viewsets.ModelViewSet):
    """The webinar's registration questions, in form order.

    Delete removes a question from the form; a question someone answered is
    archived instead, so its answers stay in the registrations and exports.
    """

    serializer_class = QuestionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Question.objects.none()
        return (
            self.get_webinar().questions.filter(archived_at__isnull=True).order_by("position", "pk")
        )

    def perform_create(self, serializer):
        serializer.instance = question_create(
            webinar=self.get_webinar(), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = question_update(
            question=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        question_delete(question=instance)


@extend_schema(parameters=[WEBINAR_PK])
class RegistrationViewSet(
    _WebinarChild,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Registrations of one of the host's webinars; create is for integrations (no rate limit)."""

    serializer_class = RegistrationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Registration.objects.none()
        filters = RegistrationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)  # a 400 for a NUL, which PostgreSQL cannot take
        status_filter = filters.validated_data["status"] if self.action == "list" else ""
        return selectors.host_registrations(
            self.get_webinar(), search=filters.validated_data["search"], status=status_filter
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", enum=[s.value for s in Registration.Status]),
            OpenApiParameter("search", str, description="In names, email and organisation."),
        ]
    )
    def list(self, request, *args, **kwargs):
        """The webinar's registrations, newest last; filter by ``status``, find by ``search``."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=RegistrationCreateSerializer, responses={201: RegistrationSerializer})
    def create(self, request, *args, **kwargs):
        """Register someone; 200 with the existing registration if the email is registered."""
        incoming = RegistrationCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        payload = dict(incoming.validated_data)
        source_url = payload.pop("source_url", "")
        data = QueryDict(mutable=True)
        for name, values in form_data_from_json(payload).items():
            data.setlist(name, values)
        webinar = self.get_webinar()
        form = RegistrationForm(data, webinar=webinar, questions=selectors.form_questions(webinar))
        if not form.is_valid():
            raise exceptions.ValidationError(
                {("non_field_errors" if k == "__all__" else k): v for k, v in form.errors.items()}
            )
        try:
            result = registration_create(
                webinar=webinar,
                source_url=source_url,
                channel=Registration.Channel.API,
                **form.registration_data(),
            )
        except RegistrationRefused as exc:
            raise exceptions.ValidationError({"non_field_errors": [exc.message]}) from None
        return Response(
            RegistrationSerializer(result.registration).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=ExportRequestSerializer,
        responses={202: RegistrationExportSerializer},
    )
    @action(detail=False, methods=["post"], url_path="export")
    def export(self, request, webinar_pk=None):
        """Start an export of all the registrations, or of the attendance (``exporter``), as a
        background job; 202 with the job.

        Poll the job's ``status_url`` (also in the Location header) until its
        status is ``done``, then GET its ``download_url``.
        """
        body = ExportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        export = export_start(
            exporter=body.validated_data["exporter"],
            target=self.get_webinar(),
            user=request.user,
            fmt=body.validated_data["format"],
        )
        data = RegistrationExportSerializer(export, context={"request": request}).data
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]}
        )

    @extend_schema(request=None, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, webinar_pk=None, pk=None):
        """Confirm; the confirmation mail with the join link goes out."""
        registration = registration_approve(registration=self.get_object())
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=MessageSerializer, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, webinar_pk=None, pk=None):
        """Reject, with an optional message for the registrant's mail."""
        body = MessageSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        registration = registration_reject(
            registration=self.get_object(), message=body.validated_data.get("message", "")
        )
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=None, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, webinar_pk=None, pk=None):
        """Cancel; a freed seat goes to the first person on the waiting list."""
        registration = registration_cancel(registration=self.get_object())
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(request=None, responses={202: None})
    @action(detail=True, methods=["post"], url_path="resend-confirmation")
    def resend_confirmation(self, request, webinar_pk=None, pk=None):
        """Send the confirmation mail again."""
        registration_resend_confirmation(registration=self.get_object())
        return Response(status=status.HTTP_202_ACCEPTED)
