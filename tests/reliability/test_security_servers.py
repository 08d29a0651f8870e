"""Meeting-server records, settings and checks: what staff, visitors and settings cannot abuse.

One check per hole an outside review found; each fails on the code before its fix.
"""

from __future__ import annotations

import secrets
import sys

import pytest
from django.views.debug import ExceptionReporter
from rest_framework.test import APIClient

from conferencing.base import ConferencingError
from conferencing.fakes.server import serve
from portal import servers
from portal.accounts import services
from portal.accounts.models import Customer, MeetingServer
from portal.checks import mail_and_links_reach_people
from tests.factories import CustomerFactory
from vendors.turbomeeting.checks import password_encoding_known, proxies_are_not_callers

pytestmark = pytest.mark.django_db


class Listener:
    """Someone else's HTTP server: it answers ``status`` to anything and keeps what it was sent."""

    def __init__(self, status: str = "200 OK", location: str = ""):
        self.received: list[str] = []
        self.status, self.location = status, location

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.received.append(f"{environ['PATH_INFO']}?{environ['QUERY_STRING']} {body!r}")
        headers = [("Content-Type", "text/plain")]
        start_response(self.status, headers + ([("Location", self.location)] * bool(self.location)))
        return [b""]


@pytest.fixture
def staff_api(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def test_a_servers_stored_secrets_never_go_to_a_new_address(staff_api):
    server = services.server_save(
        server=MeetingServer(backend="turbomeeting", name="TM", base_url="https://tm.example"),
        credentials={
            "service_company_uid": "partner",
            "admin_email": "root@tm.example",
            "integration_code": "stored-integration-code",
            "admin_password": "stored-admin-password",
        },
    )
    listener = Listener()
    with serve(listener) as running:
        patched = staff_api.patch(
            f"/api/v1/servers/{server.pk}/", {"base_url": running.url}, format="json"
        )
        assert patched.status_code == 400  # the API asks for the secrets again
        # Saved anyway (as any other caller of the service could), the secrets stay behind.
        services.server_save(server=server, base_url=running.url)
        server.refresh_from_db()
        with pytest.raises(ConferencingError):
            servers.server_backend(server).meeting_status("123456")
    sent = "\n".join(listener.received)
    assert listener.received and "stored-integration-code" not in sent
    assert "stored-admin-password" not in sent


def test_a_trusted_proxy_written_as_ipv4_mapped_ipv6_is_still_a_caller(settings):
    settings.TRUSTED_PROXIES = ["::ffff:127.0.0.0/104"]
    settings.TM_CALLBACK_ALLOWED_IPS = ["127.0.0.1"]
    [error] = proxies_are_not_callers(None)
    assert error.id == "portal.E002" and "::ffff:127.0.0.0/104 and 127.0.0.1" in error.msg


def test_the_debug_error_page_shows_no_meeting_server_credential(rf, settings):
    settings.DEBUG = True
    # Made at run time and kept in no local variable: the page quotes source lines and locals.
    settings.TM_INTEGRATION_CODE = secrets.token_hex(8)
    settings.TM_SERVICE_COMPANY_UID = secrets.token_hex(8)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        page = ExceptionReporter(rf.get("/"), *sys.exc_info()).get_traceback_html()
    assert "TM_INTEGRATION_CODE" in page
    assert settings.TM_INTEGRATION_CODE not in page
    assert settings.TM_SERVICE_COMPANY_UID not in page


def test_embed_origins_are_exact_few_and_the_header_stays_small(staff_api, client):
    customer = CustomerFactory(slug="acme", embed_origins="https://www.acme.example")
    url = f"/api/v1/customers/{customer.pk}/"
    for origins in ["https://*.com", "\n".join(f"https://s{n}.example" for n in range(60_000))]:
        assert staff_api.patch(url, {"embed_origins": origins}, format="json").status_code == 400
    # A list stored before these rules: the header names only exact origins, and few.
    Customer.objects.filter(pk=customer.pk).update(
        embed_origins="https://*.com\n" + "\n".join(f"https://s{n}.example" for n in range(60_000))
    )
    header = client.get("/p/acme/meetings/")["Content-Security-Policy"]
    assert "*" not in header and len(header) < 2_000


def test_the_connection_test_reaches_only_the_backends_own_endpoint(staff_api):
    internal = Listener()
    with serve(internal) as target:
        # "#" would make the path the client appends a fragment: the record's own URL is fetched.
        for base_url in (f"{target.url}/internal#", f"{target.url}/internal?x=", "ftp://x"):
            created = staff_api.post(
                "/api/v1/servers/",
                {"name": "Probe", "kind": "webex", "base_url": base_url},
                format="json",
            )
            assert created.status_code == 400, base_url
        stored = MeetingServer.objects.create(
            backend="turbomeeting", name="Probe", base_url=f"{target.url}/internal#"
        )
        assert not staff_api.post(f"/api/v1/servers/{stored.pk}/test/").json()["ok"]
        # A server that redirects the portal elsewhere is not followed there.
        redirecting = Listener(status="302 Found", location=f"{target.url}/internal")
        with serve(redirecting) as server:
            stored.base_url = server.url
            stored.save()
            staff_api.post(f"/api/v1/servers/{stored.pk}/test/")
    assert internal.received == [] and redirecting.received


def test_anonymous_healthz_calls_each_meeting_server_at_most_once_in_a_while(client, fake_tm):
    CustomerFactory()  # on the environment's server, so /healthz asks it
    for _ in range(20):
        client.get("/healthz")
    assert len(fake_tm.requests) == 1


def test_production_must_send_mail_to_people_and_links_to_its_public_address(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # EMAIL_URL unset
    settings.SITE_URL = "http://localhost:8000"
    assert [e.id for e in mail_and_links_reach_people(None)] == ["portal.E007", "portal.E008"]
    settings.TM_PASSWORD_ENCODING = "rot13"
    assert [e.id for e in password_encoding_known(None)] == ["portal.E006"]
