"""Export jobs over the API, for every registered exporter.

``POST /api/v1/exports/`` starts one (an exporter, the object it applies to, a
format); ``GET /api/v1/exports/<id>/`` reports it; ``.../download/`` hands out
the file through the same function as the dashboard's download. Who may start,
read and download one is the exporter's ``allowed``, as on the dashboard; a job
or object the caller may not have answers 404, as if it did not exist.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.exports.models import ExportJob
from portal.exports.registry import EXPORTERS
from portal.exports.serializers import ExportJobSerializer, ExportStartSerializer
from portal.exports.services import export_start
from portal.exports.views import file_response, job_for

NOT_YOURS = "No such export, or no such object you may export."


class ExportJobViewSet(viewsets.GenericViewSet):
    """Exports of any data set the caller may export: a host's webinars' registrations
    and attendance, an administrator's customer's meetings; staff as their permissions allow."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ExportJobSerializer
    queryset = ExportJob.objects.none()
    lookup_field = "uid"
    lookup_value_converter = "uuid"

    @extend_schema(
        request=ExportStartSerializer,
        responses={
            202: ExportJobSerializer,
            404: OpenApiResponse(description=NOT_YOURS),
        },
    )
    def create(self, request):
        """Start an export as a background job; 202 with the job (its URL also in Location)."""
        body = ExportStartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        exporter = body.validated_data["exporter"]
        target = EXPORTERS[exporter].get_object(body.validated_data["object_id"])
        # As on the dashboard: an object that does not exist and one the caller may not
        # export answer alike, so the answer tells nobody what exists.
        if target is None:
            raise Http404(NOT_YOURS)
        try:
            job = export_start(
                exporter=exporter,
                target=target,
                user=request.user,
                fmt=body.validated_data["format"],
            )
        except PermissionDenied:
            raise Http404(NOT_YOURS) from None
        data = ExportJobSerializer(job, context={"request": request}).data
        return Response(
            data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["status_url"]}
        )

    @extend_schema(
        responses={200: ExportJobSerializer, 404: OpenApiResponse(description=NOT_YOURS)}
    )
    def retrieve(self, request, uid=None):
        """The job: its status, progress and, once done, the file's URL."""
        job = job_for(request.user, uid)
        return Response(ExportJobSerializer(job, context={"request": request}).data)

    @extend_schema(
        request=None,
        responses={
            # The binary type first: a generated client that reads it as bytes reads both.
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): (
                OpenApiTypes.BINARY
            ),
            (200, "text/csv"): OpenApiTypes.STR,
            404: OpenApiResponse(description="No such export, not done yet, or deleted."),
        },
    )
    @action(detail=True, methods=["get"], url_name="download")
    def download(self, request, uid=None):
        """The export's file, once done (deleted after a day)."""
        return file_response(job_for(request.user, uid))
