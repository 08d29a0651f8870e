"""The export task: takes a job's id and calls the service; beat prunes old files."""

from __future__ import annotations

from celery import shared_task

from portal.exports.services import export_run as run, exports_prune as prune

# Far above what an export takes (`make bench` measures one): the limits only stop a
# runaway job. The soft limit raises inside the export, which records the job as failed.
EXPORT_SOFT_TIME_LIMIT = 30 * 60
EXPORT_TIME_LIMIT = EXPORT_SOFT_TIME_LIMIT + 60


@shared_task(
    name="portal.exports.tasks.export_run",
    ignore_result=True,
    soft_time_limit=EXPORT_SOFT_TIME_LIMIT,
    time_limit=EXPORT_TIME_LIMIT,
)
def export_run(job_id: int) -> None:
    """Write an export; failures are recorded on the job, not retried."""
    run(job_id=job_id)


@shared_task(name="portal.exports.tasks.exports_prune", ignore_result=True)
def exports_prune() -> int:
    """Beat: delete export files older than WEBINAR_EXPORT_RETENTION_HOURS."""
    return prune()
