import secrets
import sys

import pytest
from django.views.debug import ExceptionReporter

# Values made at run time: the page also quotes source lines, and these must not be among them.
SECRET = secrets.token_hex(8)
SETTINGS = {
    "TM_SERVICE_COMPANY_UID": SECRET,
    "TM_INTEGRATION_CODE": SECRET,
    "TM_ADMIN_PASSWORD": SECRET,
    "TM_PASSWORD_KEY": SECRET,
    "CONFERENCING_SECRET_KEYS": [SECRET],
    "REDIS_URL": f"redis://:{SECRET}@cache.internal:6379/1",
    "CELERY_BROKER_URL": f"redis://worker:{SECRET}@cache.internal:6379/1",
    "EMAIL_HOST_PASSWORD": SECRET,
}


def error_page(request) -> str:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        return ExceptionReporter(request, *sys.exc_info()).get_traceback_html()


@pytest.mark.parametrize("name", SETTINGS)
def test_the_debug_error_page_hides_every_credential_setting(rf, settings, name):
    settings.DEBUG = True
    setattr(settings, name, SETTINGS[name])
    page = error_page(rf.get("/"))
    assert name in page and SECRET not in page  # listed, its value hidden


def test_settings_that_hold_no_secret_are_still_shown(rf, settings):
    settings.DEBUG = True
    settings.SITE_URL = "https://portal.example.com"
    settings.LANGUAGE_CODE = "en-gb"
    page = error_page(rf.get("/"))
    assert "https://portal.example.com" in page and "en-gb" in page
