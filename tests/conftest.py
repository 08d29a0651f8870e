import pytest
from django.core.cache import cache

from conferencing.base import register, unregister
from conferencing.fakes.server import serve
from conferencing.fakes.turbomeeting import FakeTurboMeeting
from portal.celery import app as celery_app
from tests.migrations import migrate_to_newest

pytest_plugins = ["tests.reliability.report"]

PARTNER_ID = "test-partner"
INTEGRATION_CODE = "test-integration-code"


@pytest.fixture(autouse=True)
def _isolated(settings):
    """Tasks run in-process unless a test starts a real worker; no state leaks between tests."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    settings.STORAGES = settings.STORAGES | {  # tests do not run collectstatic
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    settings.TM_PASSWORD_ENCODING = "plain"
    settings.TM_CALLBACK_ALLOWED_IPS = ["127.0.0.1", "::1"]
    cache.clear()
    yield
    celery_app.conf.task_always_eager = False
    cache.clear()


@pytest.fixture
def migrated_back():
    """Runs the test from an older state (tests.migrations.migrate_to), and brings the
    database back to the newest."""
    yield
    migrate_to_newest()


@pytest.fixture
def register_backend():
    """``register_backend(name)(cls)``: a backend registered for this test only."""
    names = []

    def registering(name):
        names.append(name)
        return register(name)

    yield registering
    for name in names:
        unregister(name)


@pytest.fixture
def fake_tm(settings):
    """A fake TurboMeeting server on a loopback port, with the portal pointed at it."""
    fake = FakeTurboMeeting(
        partner_id=PARTNER_ID,
        integration_code=INTEGRATION_CODE,
        admin_email="sysadmin@example.com",
        admin_password="sysadmin-secret",
    )
    with serve(fake) as server:
        settings.TM_SERVER_URL = server.url
        settings.TM_SERVICE_COMPANY_UID = PARTNER_ID
        settings.TM_INTEGRATION_CODE = INTEGRATION_CODE
        settings.TM_ADMIN_EMAIL = "sysadmin@example.com"
        settings.TM_ADMIN_PASSWORD = "sysadmin-secret"
        settings.SERVER_READ_TIMEOUT = 0.5
        fake.url = server.url
        environment_server_follows_settings()
        yield fake


def environment_server_follows_settings():
    """What `migrate` does: the environment's server row takes the TM_* settings a test set."""
    from portal.accounts.services import server_sync_environment

    return server_sync_environment()


def csp(response) -> dict[str, str]:
    """A response's Content-Security-Policy, by directive: {"frame-ancestors": "'self' ..."}."""
    header = response["Content-Security-Policy"]
    pairs = (d.strip().partition(" ") for d in header.split(";") if d.strip())
    return {name: value for name, _, value in pairs}
