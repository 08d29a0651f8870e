"""The export pages: start a job, follow its progress, download its file.

One set of views for every exporter; the API's downloads (portal/exports/api.py,
webinars/api.py) hand out the file through ``file_response`` as well.
"""

from __future__ import annotations

import uuid
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts.access import host_required
from portal.exports.formats import FORMATS, content_disposition
from portal.exports.models import ExportJob
from portal.exports.registry import EXPORTERS
from portal.exports.services import export_start as start

#: How often the page without a script reloads itself while the job runs.
EXPORT_REFRESH_SECONDS = 2


def job_for(user, uid: uuid.UUID | str, **scope) -> ExportJob:
    """The job, if its exporter lets ``user`` have it (checked again on every request, so a
    host who leaves loses their files); anyone else gets 404. ``scope``: more filters."""
    job = ExportJob.objects.filter(uid=uid, **scope).first()
    if job is None or job.exporter not in EXPORTERS:
        raise Http404("no such export")
    target = job.data_exporter.get_object(job.object_id)
    if target is None or not job.data_exporter.allowed(user, target):
        raise Http404("no such export")
    job.target = target
    return job


def file_response(job: ExportJob) -> FileResponse:
    """The stored file, streamed from storage: never a public media URL (personal data)."""
    if job.status != ExportJob.Status.DONE or not job.file.name:
        raise Http404("The export is not done.")
    try:
        stored = job.file.open("rb")
    except FileNotFoundError:
        raise Http404("The export's file was deleted.") from None
    response = FileResponse(stored, content_type=FORMATS[job.format].content_type)
    response["Content-Disposition"] = content_disposition(job.download_name)
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@host_required
def export_start(request: HttpRequest, exporter: str, object_id: int) -> HttpResponse:
    """Queue an export and show its job."""
    data = EXPORTERS.get(exporter)
    target = data.get_object(object_id) if data else None
    fmt = request.POST.get("format", "")
    if target is None or fmt not in ExportJob.Format.values:
        raise Http404("no such export")
    try:
        job = start(exporter=exporter, target=target, user=request.user, fmt=fmt)
    except PermissionDenied:
        raise Http404("no such export") from None
    return redirect("dashboard-export-job", uid=job.uid)


def job_status(job: ExportJob) -> dict:
    download = None
    if job.status == ExportJob.Status.DONE:
        download = reverse("dashboard-export-download", kwargs={"uid": job.uid})
        state_text = _("Ready: %(rows)s rows.") % {"rows": job.rows_done}
    elif job.status == ExportJob.Status.FAILED:
        state_text = _("Failed.")
    else:
        state_text = _("%(status)s: %(rows)s of %(total)s rows.") % {
            "status": job.get_status_display(),
            "rows": job.rows_done,
            "total": job.rows_total,
        }
    return {
        "id": str(job.uid),
        "state_text": state_text,
        "status": job.status,
        "status_display": job.get_status_display(),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.percent,
        "error": job.error,
        "download_url": download,
    }


@login_required
def export_job(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    """The job's progress bar, refreshed by a script (or, without one, a meta refresh)."""
    job = job_for(request.user, uid)
    data = job.data_exporter
    zone = data.time_zone(job.target)
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        return render(
            request,
            "exports/job.html",
            {
                "export": job,
                "exporter": data,
                "target": job.target,
                "back_url": data.back_url(job.target),
                "zone": zone,
                "job": job_status(job),
                "refresh_seconds": EXPORT_REFRESH_SECONDS,
            },
        )


@login_required
def export_job_status(request: HttpRequest, uid: uuid.UUID) -> JsonResponse:
    """The job as JSON, for the page's script."""
    response = JsonResponse(job_status(job_for(request.user, uid)))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def export_download(request: HttpRequest, uid: uuid.UUID) -> HttpResponse:
    return file_response(job_for(request.user, uid))
