"""Export jobs: record one, queue it, write its file, prune old ones.

Whatever is exported: the exporter (``registry.EXPORTERS``) gives the rows,
the format (``formats.FORMATS``) writes them.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import models, transaction
from django.utils import timezone

from portal import queueing
from portal.exports.formats import FORMATS
from portal.exports.models import ExportJob
from portal.exports.registry import EXPORTERS

log = logging.getLogger(__name__)

#: Progress is written to the database at most this often (and at most every 1,000 rows,
#: which is how often the formats report it), so a fast export is not slowed by updates.
EXPORT_PROGRESS_SECONDS = 0.5
#: A job still queued or running this long after it was asked for has lost its worker.
EXPORT_STALE_AFTER = dt.timedelta(hours=1)
TASK = "portal.exports.tasks.export_run"


def export_start(*, exporter: str, target: models.Model, user, fmt: str) -> ExportJob:
    """Record an export of ``target`` by ``exporter`` and queue it once the transaction commits.

    ``rows_total`` is the count now; the task counts again when it starts, so
    the bar is right even if rows come in between.
    """
    data = EXPORTERS.get(exporter)
    if data is None or not isinstance(target, data.model):
        raise ValidationError({"exporter": f"Choose one of: {', '.join(EXPORTERS)}."})
    if fmt not in ExportJob.Format.values:
        raise ValidationError({"format": f"Choose one of: {', '.join(ExportJob.Format)}."})
    if not data.allowed(user, target):
        raise PermissionDenied
    job = ExportJob.objects.create(
        exporter=exporter,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        requested_by=user if getattr(user, "pk", None) else None,
        format=fmt,
        rows_total=data.count(target),
    )
    job_id = job.pk

    def enqueue() -> None:
        try:
            queueing.queue(TASK, job_id)
        except Exception as exc:  # noqa: BLE001  (kombu raises many types)
            log.exception("could not queue export %s", job_id)
            _export_failed(job_id, f"The export could not be queued ({type(exc).__name__}).")

    transaction.on_commit(enqueue)
    return job


def export_run(*, job_id: int) -> ExportJob | None:
    """Write the job's file: rows from its exporter, through the format, to storage.

    The file is written to a temporary file first and saved to the default
    storage (``exports/...``) only when complete, so a download never sees
    half a file. Any error marks the job failed with a reason the host can
    read; the traceback goes to the log. A job that is already finished is
    left alone (a redelivered task).
    """
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    try:
        data = job.data_exporter
        target = data.get_object(job.object_id)
        if target is None:
            raise LookupError("what it exports was deleted")
        total = data.count(target)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.RUNNING, rows_done=0, rows_total=total
        )
        header, rows = data.table(target)
        name = data.download_name(target, job.created_at, job.format)
        with tempfile.TemporaryFile(prefix="export-") as out:
            count = FORMATS[job.format].write(
                header,
                rows,
                out,
                sheet_title=str(data.label),
                progress=_export_progress(job_id),
                time_zone=data.time_zone(target),
            )
            out.seek(0)
            job.file.save(name, File(out), save=False)
    except Exception as exc:
        log.exception("export %s failed", job_id)
        _export_failed(job_id, _failure_reason(exc))
        if job.file.name:
            job.file.delete(save=False)
        job.refresh_from_db()
        return job
    ExportJob.objects.filter(pk=job_id).update(
        status=ExportJob.Status.DONE,
        file=job.file.name,
        rows_done=count,
        rows_total=max(count, total),
        error="",
        finished_at=timezone.now(),
    )
    job.refresh_from_db()
    return job


def _export_progress(job_id: int):
    """A ``progress`` callback that writes ``rows_done`` at most every EXPORT_PROGRESS_SECONDS."""
    last = [-float("inf")]

    def progress(done: int) -> None:
        now = time.monotonic()
        if now - last[0] < EXPORT_PROGRESS_SECONDS:
            return
        last[0] = now
        ExportJob.objects.filter(pk=job_id).update(rows_done=done)

    return progress


def _failure_reason(exc: BaseException) -> str:
    if isinstance(exc, SoftTimeLimitExceeded):
        return "The export took too long and was stopped. Try CSV, which is faster."
    if isinstance(exc, OSError):
        return f"The export file could not be written or stored ({exc.strerror or exc})."
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"The export failed: {type(exc).__name__}{f': {detail}' if detail else ''}."


def _export_failed(job_id: int, reason: str) -> None:
    ExportJob.objects.filter(pk=job_id).exclude(status=ExportJob.Status.DONE).update(
        status=ExportJob.Status.FAILED, error=reason, finished_at=timezone.now()
    )


def exports_prune(*, now: dt.datetime | None = None) -> int:
    """Delete exports (file and record) older than WEBINAR_EXPORT_RETENTION_HOURS.

    Export files hold personal data, so they are not kept longer than the
    host needs to download them. Jobs that lost their worker (still queued or
    running after EXPORT_STALE_AFTER) are marked failed. Returns how many
    exports were deleted.
    """
    now = now or timezone.now()
    ExportJob.objects.filter(
        status__in=(ExportJob.Status.QUEUED, ExportJob.Status.RUNNING),
        created_at__lt=now - EXPORT_STALE_AFTER,
    ).update(
        status=ExportJob.Status.FAILED,
        error="The export was interrupted (its worker stopped). Start it again.",
        finished_at=now,
    )
    cutoff = now - dt.timedelta(hours=settings.WEBINAR_EXPORT_RETENTION_HOURS)
    deleted = 0
    for job in ExportJob.objects.filter(created_at__lt=cutoff).iterator():
        if job.file.name:
            try:
                job.file.delete(save=False)
            except OSError:
                log.exception("could not delete export file %s; kept its record", job.file.name)
                continue
        job.delete()
        deleted += 1
    return deleted
