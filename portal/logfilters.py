"""Access logs without the meeting server's secrets.

The meeting server calls ``GET /tm/auth?email=..&password=..`` (spec §6), so
a web server's access log would keep every password (or its Fernet token)
that passes. Both servers the README runs log /tm/* paths without their
query strings: runserver through the ``django.server`` logger (the filter
below, in settings.LOGGING), gunicorn through ``GunicornLogger``
(``gunicorn.conf.py`` beside manage.py names it).
"""

from __future__ import annotations

import logging

SECRET_PATHS = "/tm/"


def without_query(request_line: str) -> str:
    """``GET /tm/auth?password=x HTTP/1.1`` -> ``GET /tm/auth HTTP/1.1``, for /tm/ paths only."""
    method, _, rest = request_line.partition(" ")
    target, _, protocol = rest.partition(" ")
    if not target.startswith(SECRET_PATHS):
        return request_line
    return " ".join(part for part in (method, target.partition("?")[0], protocol) if part)


class HideCallbackQueries(logging.Filter):
    """For runserver's ``django.server`` records, whose first argument is the request line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            record.args = (without_query(record.args[0]), *record.args[1:])
        return True


try:
    from gunicorn.glogging import Logger
except ImportError:  # gunicorn is not needed to import the settings
    Logger = None

if Logger is not None:

    class GunicornLogger(Logger):
        """gunicorn's access log, with /tm/* query strings left out of %(r)s and %(q)s."""

        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            if str(atoms.get("U", "")).startswith(SECRET_PATHS):
                atoms["q"] = ""
                atoms["r"] = without_query(atoms["r"])
            return atoms
