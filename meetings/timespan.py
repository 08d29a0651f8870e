"""When something happens, in words: one line for the lists, pages, feeds and invitations."""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import pgettext


def timespan(
    start: dt.datetime,
    end: dt.datetime,
    zone: dt.tzinfo,
    *,
    zone_name: bool = True,
    long: bool = False,
) -> str:
    """E.g. "Wed 14 Oct 2026, 15:00–16:00 CEST"; with both dates when it ends on another
    day: "Sun 20 Dec 2026, 10:00 CET – Sun 27 Dec 2026, 10:00 CET". ``long`` spells
    the days and months out ("Wednesday, 14 October 2026, 15:00"). Names and order
    follow the active language (German: "Mi, 14. Okt 2026, 15:00–16:00 CEST")."""
    start, end = start.astimezone(zone), end.astimezone(zone)

    def day(at: dt.datetime) -> str:
        return moment(at, long=long)

    def named(moment: dt.datetime) -> str:
        return f" {moment.tzname()}" if zone_name else ""

    if end.date() == start.date():
        return f"{day(start)}–{end:%H:%M}{named(end)}"
    return f"{day(start)}{named(start)} – {day(end)}{named(end)}"


def moment(at: dt.datetime, *, long: bool = False) -> str:
    """One point in time as ``timespan`` writes its start, in the active language."""
    # Django's names (translated), not strftime's (the C locale's English). The formats
    # are translated too: each language writes a date its own way (German "Mittwoch,
    # 14. Oktober 2026", Spanish "miércoles, 14 de octubre de 2026").
    if long:
        return formats.date_format(at, pgettext("date format, long", "l, j F Y, H:i"))
    return formats.date_format(at, pgettext("date format, short", "D j M Y, H:i"))
