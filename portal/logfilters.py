"""Logs without the meeting server's secrets or anyone's capability URLs.

A meeting server may pass passwords in a callback's query string
(``GET /<callback>?email=..&password=..``), so a web server's
access log would keep every password (or its token) that passes: whatever
reaches a path a vendor names (``SECRET_QUERY_PATHS``, portal/vendors.py) is
logged without its query string. Some URLs are themselves the key (a join
link, a registration's cancel link, a vendor's ``TOKEN_PATHS``, a password
reset): they are logged with the token masked. Both servers the README runs use this: runserver's
``django.server`` logger and Django's "Not Found:" warnings (``django.request``)
through ``RedactPaths`` (settings.LOGGING), gunicorn through ``GunicornLogger``
(``gunicorn.conf.py`` beside manage.py names it).

A request target is judged as it may be routed: percent-decoded (``/%61uth``
is ``/auth``), with slashes merged and dot segments resolved, and in absolute
form (``GET http://host/<callback>?..``) by its path.
"""

from __future__ import annotations

import functools
import logging
import posixpath
import re
from urllib.parse import unquote, urlsplit

from portal import vendors

#: The portal's own paths whose next segment is a secret (the vendors add theirs).
OWN_TOKEN_PATHS = (r"/join/", r"/w/[^/]+/cancel/", r"/dashboard/reset/[^/]+/")
MASK = "***"


@functools.cache
def _capabilities() -> re.Pattern[str]:
    """Paths whose next segment is a secret: (prefix)(token)."""
    prefixes = "|".join((*vendors.declared("TOKEN_PATHS"), *OWN_TOKEN_PATHS))
    return re.compile(rf"^({prefixes})(?!set-password/)[^/]+")


def _secret_query(path: str) -> bool:
    return path.startswith(vendors.declared("SECRET_QUERY_PATHS"))


def redact_target(target: str) -> str:
    """A request target (or a Referer) as a log may keep it; others are left as they are."""
    if target.startswith("/"):
        prefix, (path, _, query) = "", target.partition("?")
    elif "://" in target:
        parts = urlsplit(target)
        prefix, path, query = f"{parts.scheme}://{parts.netloc}", parts.path, parts.query
    else:
        return target  # "*", "host:443", "-": no path to judge
    routed = _as_routed(unquote(path))
    masked = _capabilities().sub(lambda m: m.group(1) + MASK, routed)
    if _secret_query(routed):
        return prefix + masked
    if masked != routed:
        return prefix + masked + (f"?{query}" if query else "")
    return target


def _as_routed(path: str) -> str:
    """The path a proxy in front (nginx merges slashes and resolves dot segments) may
    hand on: ``//a/./b`` reaches /a/b there."""
    routed = posixpath.normpath(re.sub("/+", "/", path))
    return routed + "/" if path.endswith("/") and routed != "/" else routed


def redact_request_line(request_line: str) -> str:
    """``GET /<callback>?password=x HTTP/1.1`` -> ``GET /<callback> HTTP/1.1``."""
    method, _, rest = request_line.partition(" ")
    target, _, protocol = rest.partition(" ")
    redacted = redact_target(target)
    if redacted == target:
        return request_line
    return " ".join(part for part in (method, redacted, protocol) if part)


class RedactPaths(logging.Filter):
    """For runserver's ``django.server`` records (a request line) and ``django.request``'s
    "Not Found: %s" and the like (a path): every string argument is redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                (redact_request_line(arg) if " " in arg else redact_target(arg))
                if isinstance(arg, str)
                else arg
                for arg in record.args
            )
        return True


try:
    from gunicorn.glogging import Logger
except ImportError:  # gunicorn is not needed to import the settings
    Logger = None

if Logger is not None:

    class GunicornLogger(Logger):
        """gunicorn's access log, with %(r)s, %(U)s, %(q)s and the Referer redacted."""

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            atoms["r"] = redact_request_line(str(atoms.get("r", "")))
            path = str(atoms.get("U") or "")
            if _secret_query(_as_routed(path)):
                atoms["q"] = ""
            atoms["U"] = redact_target(path)
            for referer in ("f", "{referer}i"):
                if isinstance(atoms.get(referer), str):
                    atoms[referer] = redact_target(atoms[referer])
            return atoms
