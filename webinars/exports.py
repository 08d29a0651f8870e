"""The webinars' exporters: "registrations" and "attendance" (``portal.exports.registry``)."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.exports.registry import DataExporter, Table, register
from webinars import selectors
from webinars.models import Webinar


class _WebinarExporter(DataExporter):
    model = Webinar

    def queryset(self) -> models.QuerySet:
        return Webinar.objects.select_related("customer", "host__customer", "meeting")

    def allowed(self, user, obj: models.Model) -> bool:
        """The webinar's host (a host account still in use), or staff allowed to read
        registrations (as in the admin)."""
        host = obj.host
        if host.user_id == user.pk and not host.is_deleted:
            return True
        return bool(user.is_staff and user.has_perm("webinars.view_registration"))

    def count(self, obj: models.Model) -> int:
        return obj.registrations.count()

    def time_zone(self, obj: models.Model) -> str:
        return obj.customer.time_zone

    def slug(self, obj: models.Model) -> str:
        return obj.slug


@register
class RegistrationsExporter(_WebinarExporter):
    """Every registration, a column per question (``selectors.registration_table``)."""

    identifier = "registrations"
    label = _("Registrations")

    def table(self, obj: models.Model) -> Table:
        return selectors.registration_table(obj)

    def back_url(self, obj: models.Model) -> str:
        return reverse("dashboard-webinar-registrations", args=[obj.pk])


@register
class AttendanceExporter(_WebinarExporter):
    """Every registration with its status and when its holder pressed Join."""

    identifier = "attendance"
    label = _("Attendance")

    def table(self, obj: models.Model) -> Table:
        return selectors.attendance_table(obj)

    def back_url(self, obj: models.Model) -> str:
        return reverse("dashboard-webinar", args=[obj.pk])
