"""The meeting server the portal fronts, built from settings.

Services get their backend here and nowhere else, so swapping TurboMeeting
for another vendor is a settings change.
"""

from __future__ import annotations

import functools

from django.conf import settings

from conferencing.base import Backend, make_backend


def backend() -> Backend:
    return _backend(
        settings.TM_BACKEND,
        settings.TM_SERVER_URL,
        settings.TM_SERVICE_COMPANY_UID,
        settings.TM_INTEGRATION_CODE,
        settings.TM_ADMIN_EMAIL,
        settings.TM_ADMIN_PASSWORD,
        settings.TM_SERVER_TIME_ZONE,
        settings.TM_READ_TIMEOUT,
        settings.TM_POLL_CONCURRENCY,
    )


@functools.lru_cache(maxsize=8)
def _backend(
    name, url, partner_id, integration_code, admin_email, admin_password, tz, read_timeout, pool
) -> Backend:
    # Cached so every caller shares one pooled HTTP session; keyed by the
    # settings so a changed configuration (or a test's override) gets its own.
    return make_backend(
        name,
        base_url=url,
        service_company_uid=partner_id,
        integration_code=integration_code,
        admin_email=admin_email,
        admin_password=admin_password,
        time_zone=tz,
        read_timeout=read_timeout,
        pool_size=max(pool, 10),  # the poller fans out this wide over one session
    )
