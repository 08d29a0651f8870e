"""Registration exports: record a job, queue it, write its file, prune old ones."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
import time

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from portal import queueing
from webinars import selectors
from webinars.exporters import EXPORTERS
from webinars.models import RegistrationExport, Webinar

log = logging.getLogger(__name__)

#: Progress is written to the database at most this often (and at most every 1,000 rows,
#: which is how often the exporters report it), so a fast export is not slowed by updates.
EXPORT_PROGRESS_SECONDS = 0.5
#: A job still queued or running this long after it was asked for has lost its worker.
EXPORT_STALE_AFTER = dt.timedelta(hours=1)


def registration_export_start(*, webinar: Webinar, user, fmt: str) -> RegistrationExport:
    """Record an export of the webinar's registrations and queue it once the transaction commits.

    ``rows_total`` is the count now; the task counts again when it starts, so
    the bar is right even if people register in between.
    """
    if fmt not in RegistrationExport.Format.values:
        raise ValidationError({"format": f"Choose one of: {', '.join(RegistrationExport.Format)}."})
    export = RegistrationExport.objects.create(
        webinar=webinar,
        requested_by=user if getattr(user, "pk", None) else None,
        format=fmt,
        rows_total=webinar.registrations.count(),
    )
    export_id = export.pk

    def enqueue() -> None:
        try:
            queueing.queue("webinars.tasks.export_registrations", export_id)
        except Exception as exc:  # noqa: BLE001  (kombu raises many types)
            log.exception("could not queue registration export %s", export_id)
            _export_failed(export_id, f"The export could not be queued ({type(exc).__name__}).")

    transaction.on_commit(enqueue)
    return export


def registration_export_run(*, export_id: int) -> RegistrationExport | None:
    """Write the export's file: rows from the database, through the exporter, to storage.

    The file is written to a temporary file first and saved to the default
    storage (``exports/...``) only when complete, so a download never sees
    half a file. Any error marks the job failed with a reason the host can
    read; the traceback goes to the log. A job that is already finished is
    left alone (a redelivered task).
    """
    export = (
        RegistrationExport.objects.select_related("webinar__customer").filter(pk=export_id).first()
    )
    if export is None or export.is_finished:
        return export
    webinar = export.webinar
    try:
        exporter = EXPORTERS[export.format]
        total = webinar.registrations.count()
        RegistrationExport.objects.filter(pk=export_id).update(
            status=RegistrationExport.Status.RUNNING, rows_done=0, rows_total=total
        )
        header, rows = selectors.registration_table(webinar)
        name = export.download_name
        with tempfile.TemporaryFile(prefix="export-") as out:
            count = exporter.write(
                header,
                rows,
                out,
                sheet_title="Registrations",
                progress=_export_progress(export_id),
                time_zone=webinar.customer.time_zone,
            )
            out.seek(0)
            export.file.save(name, File(out), save=False)
    except Exception as exc:
        log.exception("registration export %s failed", export_id)
        _export_failed(export_id, _failure_reason(exc))
        if export.file.name:
            export.file.delete(save=False)
        export.refresh_from_db()
        return export
    RegistrationExport.objects.filter(pk=export_id).update(
        status=RegistrationExport.Status.DONE,
        file=export.file.name,
        rows_done=count,
        rows_total=max(count, total),
        error="",
        finished_at=timezone.now(),
    )
    export.refresh_from_db()
    return export


def _export_progress(export_id: int):
    """A ``progress`` callback that writes ``rows_done`` at most every EXPORT_PROGRESS_SECONDS."""
    last = [-float("inf")]

    def progress(done: int) -> None:
        now = time.monotonic()
        if now - last[0] < EXPORT_PROGRESS_SECONDS:
            return
        last[0] = now
        RegistrationExport.objects.filter(pk=export_id).update(rows_done=done)

    return progress


def _failure_reason(exc: BaseException) -> str:
    if isinstance(exc, SoftTimeLimitExceeded):
        return "The export took too long and was stopped. Try CSV, which is faster."
    if isinstance(exc, OSError):
        return f"The export file could not be written or stored ({exc.strerror or exc})."
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"The export failed: {type(exc).__name__}{f': {detail}' if detail else ''}."


def _export_failed(export_id: int, reason: str) -> None:
    RegistrationExport.objects.filter(pk=export_id).exclude(
        status=RegistrationExport.Status.DONE
    ).update(status=RegistrationExport.Status.FAILED, error=reason, finished_at=timezone.now())


def registration_exports_prune(*, now: dt.datetime | None = None) -> int:
    """Delete exports (file and record) older than WEBINAR_EXPORT_RETENTION_HOURS.

    Export files hold personal data, so they are not kept longer than the
    host needs to download them. Jobs that lost their worker (still queued or
    running after EXPORT_STALE_AFTER) are marked failed. Returns how many
    exports were deleted.
    """
    now = now or timezone.now()
    RegistrationExport.objects.filter(
        status__in=(RegistrationExport.Status.QUEUED, RegistrationExport.Status.RUNNING),
        created_at__lt=now - EXPORT_STALE_AFTER,
    ).update(
        status=RegistrationExport.Status.FAILED,
        error="The export was interrupted (its worker stopped). Start it again.",
        finished_at=now,
    )
    cutoff = now - dt.timedelta(hours=settings.WEBINAR_EXPORT_RETENTION_HOURS)
    deleted = 0
    for export in RegistrationExport.objects.filter(created_at__lt=cutoff).iterator():
        if export.file.name:
            try:
                export.file.delete(save=False)
            except OSError:
                log.exception("could not delete export file %s; kept its record", export.file.name)
                continue
        export.delete()
        deleted += 1
    return deleted
