"""The registrations as a file at once, for webinars small enough; larger ones export
through a job (``portal.exports``: the registrations page's buttons post to it)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from portal.accounts.access import host_required
from portal.exports.formats import FORMATS
from webinars import selectors
from webinars.dashboard.base import host_webinar
from webinars.models import Webinar


@host_required
def registrations_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The registrations as a spreadsheet, at once (portal/exports/formats.py writes it).

    Above WEBINAR_EXPORT_INLINE_MAX_ROWS registrations the file is written by
    an export job instead: a GET cannot start a job, so it is sent back to the
    registrations page, whose buttons post.
    """
    exporter = FORMATS.get(fmt)
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
