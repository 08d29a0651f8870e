"""Checks on the values people give a customer or a server."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError

from portal import framing


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a known time zone (e.g. Europe/Berlin).") from None


def validate_origins(value: str) -> None:
    """Exact origins (scheme://host[:port]), at most framing.MAX_ORIGINS; every mistake at once."""
    origins = list(dict.fromkeys(o.rstrip("/") for o in value.split()))
    if len(origins) > framing.MAX_ORIGINS:
        raise ValidationError(
            f"At most {framing.MAX_ORIGINS} sites may show the embeds; this list has "
            f"{len(origins)}. List only the sites that show them."
        )
    problems = []
    for origin in origins:
        scheme, sep, rest = origin.partition("://")
        if scheme not in ("http", "https") or not sep or not rest or "/" in rest:
            problems.append(
                f"{origin!r} is not an origin: write scheme and host, e.g. https://www.example.com"
            )
        elif "*" in rest:
            problems.append(
                f"{origin!r} has a wildcard: list each site exactly, e.g. https://www.example.com"
            )
        elif not framing.is_exact_origin(origin):
            problems.append(
                f"{origin!r} cannot be named in a Content-Security-Policy: use letters, digits, "
                "dots and hyphens in the host, and a port of at most five digits."
            )
    if problems:
        raise ValidationError(problems)
