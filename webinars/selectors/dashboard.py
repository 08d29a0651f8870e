"""The dashboard's reads: the host's webinars, their registrations, the chart, recent exports."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate, TruncHour
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.accounts.models import Host
from portal.exports.models import ExportJob
from webinars.models import Registration, Webinar

S = Registration.Status


def _count(status: str) -> Count:
    return Count("registrations", filter=Q(registrations__status=status))


def dashboard_webinars(host: Host) -> QuerySet[Webinar]:
    """The host's webinars with their registration counts, in one query."""
    return (
        Webinar.objects.filter(host=host)
        .select_related("meeting", "customer")
        .annotate(
            confirmed_count=_count(S.CONFIRMED),
            pending_count=_count(S.PENDING),
            waiting_count=_count(S.WAITLISTED),
        )
        .order_by("cancelled_at", "-starts_at", "pk")
    )


def host_registrations(
    webinar: Webinar, *, search: str = "", status: str = ""
) -> QuerySet[Registration]:
    registrations = webinar.registrations.order_by("created_at", "pk")
    if status:
        registrations = registrations.filter(status=status)
    for word in search.split()[:5]:
        registrations = registrations.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(organisation__icontains=word)
        )
    return registrations


def registrations_chart(webinar: Webinar, *, width: int = 600, height: int = 120) -> dict:
    """An SVG polyline of the running total of the registered, by the day they came in.

    It counts whom the "registered" card counts (confirmed), so its top is the
    card's number. When everyone came in on one day, it is drawn by the hour of
    that day instead of as a flat line from one day to the same day.
    """
    zone = zoneinfo.ZoneInfo(webinar.customer.time_zone)
    registered = webinar.registrations.filter(status=S.CONFIRMED)
    per_day = _running_totals(registered, TruncDate("created_at", tzinfo=zone))
    if not per_day:
        return {"points": "", "total": 0, "days": 0}
    first, last = per_day[0][0], per_day[-1][0]
    if first != last:
        steps = [((day - first).days, total) for day, total in per_day]
        span, axis = (
            (last - first).days,
            (
                date_format(first, "d M"),
                date_format(last, "d M"),
                _("day of registration"),
            ),
        )
    else:
        per_hour = _running_totals(registered, TruncHour("created_at", tzinfo=zone))
        hour = dt.timedelta(hours=1)
        start, end = per_hour[0][0], per_hour[-1][0] + hour
        steps = [((at - start) / hour, total) for at, total in per_hour]
        steps.append(((end - start) / hour, steps[-1][1]))  # across to the end of its hour
        span = (end - start) / hour
        axis = (
            f"{start:%H:%M}",
            f"{end:%H:%M}",
            _("hour of registration, %(day)s") % {"day": date_format(first, "d M")},
        )
    total = per_day[-1][1]
    points = " ".join(
        f"{at / span * width:.1f},{height - running / total * (height - 10):.1f}"
        for at, running in steps
    )
    days = (last - first).days + 1
    return {
        "points": points,
        "total": total,
        "days": days,
        "first": first,
        "last": last,
        "width": width,
        "height": height,
        "label": _("Registered over time: %(total)s in %(days)s days")
        % {"total": total, "days": days},
        "caption": _("%(total)s registered from %(first)s to %(last)s.")
        % {
            "total": total,
            "first": date_format(first, "d M Y"),
            "last": date_format(last, "d M Y"),
        },
        "y_max": total,
        "y_label": _("registered"),
        "x_start": axis[0],
        "x_end": axis[1],
        "x_label": axis[2],
    }


def _running_totals(registrations: QuerySet[Registration], bucket) -> list[tuple[Any, int]]:
    """(bucket, how many came in up to and including it), in order, one query."""
    per_bucket = registrations.annotate(at=bucket).values_list("at").annotate(n=Count("pk"))
    running, totals = 0, []
    for at, n in per_bucket.order_by("at"):
        running += n
        totals.append((at, running))
    return totals


def recent_exports(webinar: Webinar, *, limit: int = 5) -> list[ExportJob]:
    """The webinar's latest export jobs, newest first (older ones are pruned after a day)."""
    return list(webinar.exports.order_by("-created_at", "-pk")[:limit])
