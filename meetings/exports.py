"""The "meetings" exporter: a customer's meetings with what the poller saw of them."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from itertools import islice

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from meetings.selectors import Attendance, attendance_by_meeting
from portal.accounts.models import Customer, Host
from portal.exports.registry import DataExporter, Table, register

COLUMNS = {
    "topic": "Topic",
    "host__user__email": "Host",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "server_meeting_id": "Meeting ID",
    "is_published": "Published",
    "cancelled_at": "Cancelled",
}
_TIMES = {"starts_at", "ends_at", "cancelled_at"}
#: Meetings read (and their samples summed) at a time.
CHUNK = 2_000


@register
class MeetingsExporter(DataExporter):
    """Every meeting of the customer, with the peak attendance and the minutes attended."""

    identifier = "meetings"
    label = _("Meetings")
    model = Customer

    def allowed(self, user, obj: models.Model) -> bool:
        """The customer's administrator hosts, or staff allowed to see meetings."""
        admin = Host.objects.filter(
            customer=obj, user_id=user.pk, is_administrator=True, deleted_at__isnull=True
        )
        if not obj.is_deleted and admin.exists():
            return True
        return bool(user.is_staff and user.has_perm("meetings.view_meeting"))

    def count(self, obj: models.Model) -> int:
        return Meeting.objects.filter(customer=obj).count()

    def table(self, obj: models.Model) -> Table:
        zone = obj.time_zone
        header = [
            f"{heading} ({zone})" if field in _TIMES else heading
            for field, heading in COLUMNS.items()
        ]
        header += ["Peak attending", "Minutes attended"]
        return header, self._rows(obj, zoneinfo.ZoneInfo(zone))

    def _rows(self, customer: Customer, zone: zoneinfo.ZoneInfo) -> Iterator[tuple]:
        rows = (
            Meeting.objects.filter(customer=customer)
            .order_by("starts_at", "pk")
            .values_list("pk", *COLUMNS)
            .iterator(chunk_size=CHUNK)
        )
        times = [i for i, field in enumerate(COLUMNS) if field in _TIMES]
        nothing = Attendance(None, 0)
        while chunk := list(islice(rows, CHUNK)):
            seen = attendance_by_meeting(row[0] for row in chunk)
            for pk, *cells in chunk:
                for i in times:
                    cells[i] = cells[i] and cells[i].astimezone(zone)
                attended = seen.get(pk, nothing)
                yield (*cells, attended.peak, attended.minutes)

    def time_zone(self, obj: models.Model) -> str:
        return obj.time_zone

    def slug(self, obj: models.Model) -> str:
        return obj.slug

    def back_url(self, obj: models.Model) -> str:
        return reverse("dashboard-home")
