"""Error reports (the DEBUG 500 page, the mails to ADMINS) without the portal's secrets.

Django hides settings whose names look secret (KEY, PASS, TOKEN...). A vendor's
own may be named otherwise (a partner ID that its callbacks check the caller
by): every setting whose name starts with a prefix a vendor declares
(``SECRET_SETTINGS`` of its package, portal/vendors.py) is hidden too, as is
any value that is a URL with a password in it (``REDIS_URL``, the broker's,
a cache's ``LOCATION``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.views.debug import SafeExceptionReporterFilter

from portal import vendors


def _carries_password(value: str) -> bool:
    try:
        return bool(urlsplit(value).password)
    except ValueError:
        return False


class SettingsFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        SafeExceptionReporterFilter.hidden_settings.pattern + "|CREDENTIAL",
        flags=re.IGNORECASE,
    )

    def cleanse_setting(self, key, value):
        if isinstance(value, str) and _carries_password(value):
            return self.cleansed_substitute
        if isinstance(key, str) and key.startswith(vendors.declared("SECRET_SETTINGS")):
            return self.cleansed_substitute
        return super().cleanse_setting(key, value)
