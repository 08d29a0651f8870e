"""One export job, whatever is exported: the exporter's name, the object, the file."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.exports.registry import EXPORTERS, DataExporter


def _export_path(job: ExportJob, filename: str) -> str:
    """``exports/<object id>-<random>-<name>``: unguessable, and never served at a public URL."""
    return f"exports/{job.object_id}-{secrets.token_urlsafe(12)}-{filename}"


class ExportJob(models.Model):
    """One export written by the Celery task (``portal.exports.tasks.export_run``).

    ``exporter`` names a ``portal.exports.registry`` exporter; ``target`` is the
    object it exports (a webinar, a customer). The file is kept on the default
    storage for ``WEBINAR_EXPORT_RETENTION_HOURS`` and handed out only by the
    download view, which asks the exporter whether the person may have it.
    """

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel (.xlsx)")
        CSV = "csv", _("CSV (.csv)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.DONE, Status.FAILED)

    # What URLs name the job by: a counter would let anyone who sees one guess the others.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exporter = models.CharField(max_length=40, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(max_length=8, choices=Format.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=_export_path, max_length=300, blank=True)
    error = models.TextField(blank=True, help_text="Why it failed, for the person who asked.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.exporter} {self.format} export of {self.object_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def data_exporter(self) -> DataExporter:
        return EXPORTERS[self.exporter]

    @property
    def download_name(self) -> str:
        return self.data_exporter.download_name(self.target, self.created_at, self.format)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)
