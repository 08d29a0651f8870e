"""``{{ meeting|timespan }}``: a meeting's or webinar's time in the active time zone."""

from django import template
from django.utils import timezone

from meetings.timespan import moment as describe_moment, timespan as describe

register = template.Library()


@register.filter
def timespan(item, style: str = "") -> str:
    """Its start and end (both dates when it lasts past midnight), or "recurring";
    ``|timespan:"long"`` spells days and months out."""
    if getattr(item, "is_recurring", False) or item.starts_at is None or item.ends_at is None:
        return "recurring"
    zone = timezone.get_current_timezone()
    return describe(item.starts_at, item.ends_at, zone, zone_name=False, long=style == "long")


@register.filter(expects_localtime=True)
def moment(value, style: str = "") -> str:
    """``{{ webinar.registration_closes_at|moment:"long" }}``: one point in time, written as
    ``timespan`` writes a start."""
    return describe_moment(value, long=style == "long")
