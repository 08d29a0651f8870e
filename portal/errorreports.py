"""Error reports (the DEBUG 500 page, the mails to ADMINS) without the portal's secrets.

Django hides settings whose names look secret (KEY, PASS, TOKEN...). The
meeting server's own are named otherwise: ``TM_SERVICE_COMPANY_UID`` and
``TM_INTEGRATION_CODE`` are what /tm/auth checks its caller by. So every
``TM_*`` setting is hidden too, as is any value that is a URL with a
password in it (``REDIS_URL``, the broker's, a cache's ``LOCATION``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.views.debug import SafeExceptionReporterFilter


def _carries_password(value: str) -> bool:
    try:
        return bool(urlsplit(value).password)
    except ValueError:
        return False


class SettingsFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        SafeExceptionReporterFilter.hidden_settings.pattern + "|^TM_|CREDENTIAL",
        flags=re.IGNORECASE,
    )

    def cleanse_setting(self, key, value):
        if isinstance(value, str) and _carries_password(value):
            return self.cleansed_substitute
        return super().cleanse_setting(key, value)
