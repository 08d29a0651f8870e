"""What the export API reads and answers (``portal.exports.api``; the webinars' export
endpoints answer with a subclass of ``ExportJobSerializer``)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.reverse import reverse

from portal.exports.models import ExportJob
from portal.exports.registry import EXPORTERS


class ExportStartSerializer(serializers.Serializer):
    exporter = serializers.ChoiceField(
        choices=[], help_text="The data set: one of the registered exporters."
    )
    object_id = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        help_text="The id of what it exports: a webinar for registrations and attendance, "
        "a customer for meetings.",
    )
    format = serializers.ChoiceField(choices=ExportJob.Format.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read when used, not at import: apps register their exporters when they are ready.
        self.fields["exporter"].choices = [(k, EXPORTERS[k].label) for k in sorted(EXPORTERS)]


class ExportJobSerializer(serializers.ModelSerializer):
    """An export job: poll ``status_url`` until ``status`` is done, then GET ``download_url``."""

    id = serializers.UUIDField(source="uid", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField(
        help_text="Set once the export is done; the file is deleted after a day."
    )

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "exporter",
            "object_id",
            "format",
            "status",
            "rows_done",
            "rows_total",
            "percent",
            "error",
            "created_at",
            "finished_at",
            "status_url",
            "download_url",
        ]
        read_only_fields = fields

    #: The routes that report the job and hand out its file, and what they are given.
    status_route = "export-detail"
    download_route = "export-download"

    def route_kwargs(self, job: ExportJob) -> dict:
        return {"uid": job.uid}

    def _url(self, name: str, job: ExportJob) -> str:
        return reverse(name, kwargs=self.route_kwargs(job), request=self.context.get("request"))

    def get_status_url(self, job: ExportJob) -> str:
        return self._url(self.status_route, job)

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportJob.Status.DONE:
            return None
        return self._url(self.download_route, job)
