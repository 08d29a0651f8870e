"""The server's ``YYYY/MM/DD HH:MM`` wall-clock strings.

TurboMeeting times carry no zone: they are read in the server's configured
time zone. The portal keeps aware datetimes everywhere else, so conversion
happens here, at the client boundary, and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_SERVER_TIME = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2}) +(\d{1,2}):(\d{2})")


def zone(tz: str | ZoneInfo | dt.tzinfo) -> dt.tzinfo:
    """A tzinfo from a zone name; an unknown name is a configuration error, hence ValueError."""
    if isinstance(tz, dt.tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r}") from None


def to_server_time(value: dt.datetime, tz: str | ZoneInfo | dt.tzinfo) -> str:
    """Seconds are dropped: the server schedules to the minute."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("refusing a naive datetime: its time zone would be a guess")
    local = value.astimezone(zone(tz))
    return f"{local.year:04d}/{local.month:02d}/{local.day:02d} {local.hour:02d}:{local.minute:02d}"


def from_server_time(text: str, tz: str | ZoneInfo | dt.tzinfo) -> dt.datetime:
    """An aware datetime in ``tz``.

    A wall time that does not exist (skipped by a DST change) is moved forward
    the way the clocks were, so the result is always a real instant.
    """
    match = _SERVER_TIME.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not a server time (expected YYYY/MM/DD HH:MM): {str(text)[:40]!r}")
    year, month, day, hour, minute = (int(part) for part in match.groups())
    try:
        naive = dt.datetime(year, month, day, hour, minute)
    except ValueError as exc:
        raise ValueError(f"not a valid server time {text.strip()!r}: {exc}") from None
    tzinfo = zone(tz)
    local = naive.replace(tzinfo=tzinfo)
    return local.astimezone(dt.UTC).astimezone(tzinfo)
