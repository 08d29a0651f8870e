"""Host pages for registration exports: at once, or as a background job with progress."""

from __future__ import annotations

import uuid
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts.access import host_required
from webinars import selectors
from webinars.dashboard.base import host_webinar
from webinars.exporters import EXPORTERS, content_disposition
from webinars.models import RegistrationExport, Webinar
from webinars.services.exports import registration_export_start


@host_required
def registrations_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The registrations as a spreadsheet, at once (webinars/exporters.py writes the file).

    Above WEBINAR_EXPORT_INLINE_MAX_ROWS registrations the file is written by a
    Celery task instead (``export_start``): a GET cannot start a job, so it is
    sent back to the registrations page, whose buttons post.
    """
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        raise Http404("no such format")
    webinar = host_webinar(request, pk)
    if exports_in_background(webinar):
        messages.info(request, _("This webinar has many registrations: start the export below."))
        return redirect("dashboard-webinar-registrations", pk=pk)
    header, rows = selectors.registration_table(webinar)
    return exporter.response(
        header,
        rows,
        filename=f"registrations-{webinar.slug}.{exporter.extension}",
        sheet_title="Registrations",
        time_zone=webinar.customer.time_zone,
    )


def exports_in_background(webinar: Webinar, total: int | None = None) -> bool:
    if total is None:
        total = webinar.registrations.count()
    return total > settings.WEBINAR_EXPORT_INLINE_MAX_ROWS


@require_POST
@host_required
def export_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue an export (any size: the page offers it for large webinars) and show its job."""
    webinar = host_webinar(request, pk)
    fmt = request.POST.get("format", "")
    if fmt not in RegistrationExport.Format.values:
        raise Http404("no such format")
    export = registration_export_start(webinar=webinar, user=request.user, fmt=fmt)
    return redirect("dashboard-webinar-export-job", pk=pk, eid=export.uid)


def _export(request: HttpRequest, pk: int, eid: uuid.UUID) -> RegistrationExport:
    """The job, for the webinar's host (a host account still in use) or staff allowed to
    read registrations (as in the admin); anyone else gets 404."""
    export = get_object_or_404(
        RegistrationExport.objects.select_related("webinar__host", "webinar__customer"),
        uid=eid,
        webinar_id=pk,
    )
    host = export.webinar.host
    if host.user_id == request.user.pk and not host.is_deleted:
        return export
    if request.user.is_staff and request.user.has_perm("webinars.view_registration"):
        return export
    raise Http404("no such export")


def _export_status(request: HttpRequest, export: RegistrationExport) -> dict:
    download = None
    if export.status == RegistrationExport.Status.DONE:
        download = reverse(
            "dashboard-webinar-export-download",
            kwargs={"pk": export.webinar_id, "eid": export.uid},
        )
    if export.status == RegistrationExport.Status.DONE:
        state_text = _("Ready: %(rows)s registrations.") % {"rows": export.rows_done}
    elif export.status == RegistrationExport.Status.FAILED:
        state_text = _("Failed.")
    else:
        state_text = _("%(status)s: %(rows)s of %(total)s registrations.") % {
            "status": export.get_status_display(),
            "rows": export.rows_done,
            "total": export.rows_total,
        }
    return {
        "id": str(export.uid),
        "state_text": state_text,
        "status": export.status,
        "status_display": export.get_status_display(),
        "rows_done": export.rows_done,
        "rows_total": export.rows_total,
        "percent": export.percent,
        "error": export.error,
        "download_url": download,
    }


@login_required
def export_job(request: HttpRequest, pk: int, eid: uuid.UUID) -> HttpResponse:
    """The job's progress bar, refreshed by a script (or, without one, a meta refresh)."""
    export = _export(request, pk, eid)
    with timezone.override(zoneinfo.ZoneInfo(export.webinar.customer.time_zone)):
        return render(
            request,
            "webinars/dashboard/export_job.html",
            {
                "webinar": export.webinar,
                "export": export,
                "job": _export_status(request, export),
                "refresh_seconds": EXPORT_REFRESH_SECONDS,
            },
        )


EXPORT_REFRESH_SECONDS = 2


@login_required
def export_job_status(request: HttpRequest, pk: int, eid: uuid.UUID) -> JsonResponse:
    """The job as JSON, for the page's script."""
    response = JsonResponse(_export_status(request, _export(request, pk, eid)))
    response["Cache-Control"] = "no-store"
    return response


@login_required
def export_download(request: HttpRequest, pk: int, eid: uuid.UUID) -> HttpResponse:
    """The stored file, streamed from storage: never a public media URL (personal data)."""
    export = _export(request, pk, eid)
    if export.status != RegistrationExport.Status.DONE or not export.file.name:
        raise Http404("not ready")
    try:
        stored = export.file.open("rb")
    except FileNotFoundError:
        raise Http404("the file was deleted") from None
    response = FileResponse(stored, content_type=EXPORTERS[export.format].content_type)
    response["Content-Disposition"] = content_disposition(export.download_name)
    response["Cache-Control"] = "private, no-store"
    return response
