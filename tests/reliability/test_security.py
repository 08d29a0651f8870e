"""Sweeps over every route: framing headers, CSRF on every form, and no secret in any log.

The route table must name every route the portal has (outside the admin),
so a new page cannot be added without these checks covering it.
"""

from __future__ import annotations

import logging
import uuid

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import Client
from django.urls import URLResolver, get_resolver
from rest_framework.authtoken.models import Token

from meetings import launch
from portal.accounts.models import MeetingServer
from portal.exports.models import ExportJob
from portal.webhooks.models import Delivery, Endpoint
from tests.conftest import PARTNER_ID, csp, environment_server_follows_settings
from tests.factories import CustomerFactory, HostFactory, MeetingFactory
from tests.webinars.factories import QuestionFactory, RegistrationFactory, WebinarFactory
from webinars import mail
from webinars.services.registrations import registration_create

pytestmark = pytest.mark.django_db

ORIGIN = "https://www.acme.example"
EMBEDDABLE = {"published-meetings", "webinar-embed"}
# Routes a browser's ambient session cannot be used against, and why.
NO_CSRF = {
    "tm-auth": "the meeting server's callback: allow-listed addresses and the partner ID",
    "tm-meetings": "the meeting server's callback: an unguessable, expiring token",
    "tm-server-auth": "a configured server's callback: its allow-list and partner ID",
    "tm-server-meetings": "a configured server's callback: an unguessable, expiring token",
    "webinar-register": "public endpoint: no session is read, so none can be ridden",
    "webinar-embed": "embedded form: a signed, expiring form token instead of the cookie",
    "webinar-cancel-registration": "the signed token in the mailed link is the secret",
    "api-token": "reads no session; answers only to the email and password posted",
}


def _routes(patterns=None, prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            if p.app_name != "admin":
                yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif p.name and not str(p.pattern).endswith("(?P<format>[a-z0-9]+)/?$"):
            yield p.name


@pytest.fixture
def site(db):
    """One of everything, owned by one host, and the URL of every route for it."""
    host = HostFactory(customer=CustomerFactory(slug="acme", embed_origins=ORIGIN))
    meeting = MeetingFactory(host=host, is_published=True)
    webinar = WebinarFactory(host=host, customer=host.customer)
    question = QuestionFactory(webinar=webinar)
    registration = RegistrationFactory(webinar=webinar)
    export = ExportJob.objects.create(exporter="registrations", target=webinar, format="csv")
    server = MeetingServer.objects.create(
        backend="webex", name="Webex", base_url="https://acme.webex.com/acme"
    )
    tm_server = MeetingServer.objects.create(
        backend="turbomeeting", name="TurboMeeting", base_url="https://tm.acme.example"
    )
    join = launch.join_page(meeting).removeprefix(settings.SITE_URL.rstrip("/"))
    hook = Endpoint(customer=host.customer, url="https://hooks.acme.example/", events=["x"])
    hook.secret = "whsec_c2VjcmV0"
    hook.save()
    delivery = Delivery.objects.create(endpoint=hook, message_id="msg_1", event="x", payload="{}")
    hooks, api_hooks = f"/dashboard/webhooks/{hook.pk}", "/api/v1/webhooks"
    w, m = f"/dashboard/webinars/{webinar.pk}", f"/dashboard/meetings/{meeting.pk}"
    api_w = f"/api/v1/webinars/{webinar.pk}"
    urls = {
        "tm-auth": "/tm/auth",
        "tm-meetings": "/tm/meetings/not-a-token",
        "tm-server-auth": f"/tm/servers/{tm_server.pk}/auth",
        "tm-server-meetings": f"/tm/servers/{tm_server.pk}/meetings/not-a-token",
        "healthz": "/healthz?check=database",
        "published-meetings": "/p/acme/meetings/",
        "published-meetings-feed": "/p/acme/meetings.xml",
        "published-meeting-join": f"/p/acme/meetings/{meeting.pk}/join/",
        "meeting-join": join,
        "dashboard-webinars": "/dashboard/webinars/",
        "dashboard-webinar-new": "/dashboard/webinars/new/",
        "dashboard-webinar": f"{w}/",
        "dashboard-webinar-edit": f"{w}/edit/",
        "dashboard-webinar-cancel": f"{w}/cancel/",
        "dashboard-webinar-cancel-confirm": f"{w}/cancel/confirm/",
        "dashboard-webinar-questions": f"{w}/questions/",
        "dashboard-webinar-question-edit": f"{w}/questions/{question.pk}/edit/",
        "dashboard-webinar-question-delete": f"{w}/questions/{question.pk}/delete/",
        "dashboard-webinar-question-delete-confirm": (
            f"{w}/questions/{question.pk}/delete/confirm/"
        ),
        "dashboard-webinar-question-move": f"{w}/questions/{question.pk}/move/",
        "dashboard-webinar-registrations": f"{w}/registrations/",
        "dashboard-webinar-export": f"{w}/registrations.csv",
        "dashboard-export-start": f"/dashboard/exports/registrations/{webinar.pk}/",
        "dashboard-export-job": f"/dashboard/exports/{export.uid}/",
        "dashboard-export-status": f"/dashboard/exports/{export.uid}/status.json",
        "dashboard-export-download": f"/dashboard/exports/{export.uid}/download/",
        "dashboard-webinar-registration-action": f"{w}/registrations/{registration.pk}/cancel/",
        "dashboard-webinar-registration-confirm": (
            f"{w}/registrations/{registration.pk}/cancel/confirm/"
        ),
        "dashboard-webinar-custom-page": f"{w}/custom-page/",
        "dashboard-home": "/dashboard/",
        "dashboard-status": "/dashboard/status.json",
        "dashboard-join": "/dashboard/join/",
        "dashboard-meeting-new": "/dashboard/meetings/new/",
        "dashboard-meeting": f"{m}/",
        "dashboard-meeting-edit": f"{m}/edit/",
        "dashboard-meeting-cancel": f"{m}/cancel/",
        "dashboard-meeting-retry": f"{m}/retry/",
        "dashboard-meeting-stop": f"{m}/stop/",
        "dashboard-meeting-start": f"{m}/start/",
        "dashboard-meeting-recording-publish": f"{m}/recordings/publish/",
        "dashboard-meeting-schedule-on-server": f"{m}/schedule-on-server/",
        "dashboard-meeting-server-answer": f"{m}/server-answer/?AT=SM&ST=FAIL",
        "dashboard-meeting-server-sign-in": f"{m}/server-sign-in/",
        "dashboard-meeting-command-file": f"{m}/launch-host.xml",
        "dashboard-embedding": "/dashboard/embedding/",
        "dashboard-language": "/dashboard/language/",
        "dashboard-webhooks": "/dashboard/webhooks/",
        "dashboard-webhook": f"{hooks}/",
        "dashboard-webhook-enable": f"{hooks}/enable/",
        "dashboard-webhook-rotate": f"{hooks}/rotate/",
        "dashboard-webhook-redeliver": f"{hooks}/deliveries/{delivery.pk}/redeliver/",
        "webhook-endpoint-list": f"{api_hooks}/endpoints/",
        "webhook-endpoint-detail": f"{api_hooks}/endpoints/{hook.pk}/",
        "webhook-endpoint-rotate-secret": f"{api_hooks}/endpoints/{hook.pk}/rotate-secret/",
        "webhook-delivery-list": f"{api_hooks}/deliveries/",
        "webhook-delivery-detail": f"{api_hooks}/deliveries/{delivery.pk}/",
        "webhook-delivery-redeliver": f"{api_hooks}/deliveries/{delivery.pk}/redeliver/",
        "login": "/dashboard/login/",
        "logout": "/dashboard/logout/",
        "password_change": "/dashboard/password_change/",
        "password_change_done": "/dashboard/password_change/done/",
        "password_reset": "/dashboard/password_reset/",
        "password_reset_done": "/dashboard/password_reset/done/",
        "password_reset_confirm": "/dashboard/reset/MQ/set-password/",
        "password_reset_complete": "/dashboard/reset/done/",
        "webinar-page": f"/w/{webinar.slug}/",
        "webinar-embed": f"/w/{webinar.slug}/embed/",
        "webinar-register": f"/w/{webinar.slug}/register",
        "webinar-cancel-registration": f"/w/{webinar.slug}/cancel/{mail.cancel_token(registration)}/",  # noqa: E501
        "api-token": "/api/v1/auth/token/",
        "api-root": "/api/v1/",
        "api-schema": "/api/schema/",
        "api-docs": "/api/docs/",
        "customer-list": "/api/v1/customers/",
        "customer-detail": f"/api/v1/customers/{host.customer.pk}/",
        "customer-resolve": f"/api/v1/customers/{host.customer.pk}/resolve/",
        "customer-server": f"/api/v1/customers/{host.customer.pk}/server/",
        "customer-sync": f"/api/v1/customers/{host.customer.pk}/sync/",
        "customer-host-list": f"/api/v1/customers/{host.customer.pk}/hosts/",
        "customer-host-detail": f"/api/v1/customers/{host.customer.pk}/hosts/{host.pk}/",
        "server-list": "/api/v1/servers/",
        "server-detail": f"/api/v1/servers/{server.pk}/",
        "server-test": f"/api/v1/servers/{server.pk}/test/",
        "server-kinds": "/api/v1/servers/kinds/",
        "meeting-list": "/api/v1/meetings/",
        "meeting-detail": f"/api/v1/meetings/{meeting.pk}/",
        "meeting-command-file": f"/api/v1/meetings/{meeting.pk}/command-file/",
        "meeting-status": f"/api/v1/meetings/{meeting.pk}/status/",
        "export-list": "/api/v1/exports/",
        "export-detail": f"/api/v1/exports/{export.uid}/",
        "export-download": f"/api/v1/exports/{export.uid}/download/",
        "webinar-list": "/api/v1/webinars/",
        "webinar-detail": f"{api_w}/",
        "webinar-cancel": f"{api_w}/cancel/",
        "webinar-export-detail": f"{api_w}/exports/{export.uid}/",
        "webinar-export-download": f"{api_w}/exports/{export.uid}/download/",
        "webinar-question-list": f"{api_w}/questions/",
        "webinar-question-detail": f"{api_w}/questions/{question.pk}/",
        "webinar-registration-list": f"{api_w}/registrations/",
        "webinar-registration-export": f"{api_w}/registrations/export/",
        "webinar-registration-detail": f"{api_w}/registrations/{registration.pk}/",
        "webinar-registration-approve": f"{api_w}/registrations/{registration.pk}/approve/",
        "webinar-registration-cancel": f"{api_w}/registrations/{registration.pk}/cancel/",
        "webinar-registration-reject": f"{api_w}/registrations/{registration.pk}/reject/",
        "webinar-registration-resend-confirmation": (
            f"{api_w}/registrations/{registration.pk}/resend-confirmation/"
        ),
    }
    return host, urls


def test_the_table_names_every_route(site):
    _, urls = site
    assert set(_routes()) == set(urls)


def test_no_page_can_be_framed_but_the_embeds(client, site, fake_tm):
    """Signed in or not, whatever the status: clickjacking finds no frameable page."""
    host, urls = site
    for signed_in in (False, True):
        if signed_in:
            client.force_login(host.user)
        for name, url in urls.items():
            response = client.get(url, HTTP_REFERER=f"{ORIGIN}/events/")
            ancestors = csp(response)["frame-ancestors"]
            if name in EMBEDDABLE and response.status_code == 200:
                assert "X-Frame-Options" not in response, name
                assert ancestors == f"'self' {ORIGIN}", name
            else:
                assert response["X-Frame-Options"] == "DENY", (name, response.status_code)
                assert ancestors == "'none'", name


def test_every_form_a_session_can_post_needs_the_csrf_token(site, fake_tm):
    """A page elsewhere cannot make a signed-in host's browser post anything."""
    host, urls = site
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(host.user)
    for name, url in urls.items():
        status = browser.post(url, {"name": "x"}).status_code
        if name in NO_CSRF:
            assert status != 403 or name == "webinar-embed", (name, status)
        else:
            assert status in (403, 405), (name, status)  # 405: GET only, nothing to ride


def test_no_password_or_token_reaches_the_logs(client, caplog, settings, fake_tm):
    """Every way a secret passes through the portal, with everything logged at DEBUG."""
    key = Fernet.generate_key()
    settings.TM_PASSWORD_ENCODING, settings.TM_PASSWORD_KEY = "fernet", key.decode()
    settings.TM_SERVICE_COMPANY_UID = PARTNER_ID
    environment_server_follows_settings()  # what migrate does: /tm/auth reads the row
    host = HostFactory()
    secrets = {"password": "correct horse battery", "wrong": f"wrong-{uuid.uuid4()}"}
    with caplog.at_level(logging.DEBUG):
        client.post(
            "/dashboard/login/", {"username": host.user.email, "password": secrets["wrong"]}
        )
        client.post(
            "/dashboard/login/", {"username": host.user.email, "password": secrets["password"]}
        )
        token = client.post(
            "/api/v1/auth/token/",
            {"username": host.user.email, "password": secrets["password"]},
        ).json()["token"]
        secrets["api token"] = token
        for password in (secrets["password"], secrets["wrong"]):
            fernet = Fernet(key).encrypt(password.encode()).decode()
            secrets[f"fernet {password}"] = fernet
            client.get(
                "/tm/auth",
                {"service_company_uid": PARTNER_ID, "email": host.user.email, "password": fernet},
            )
        meeting_password = f"meeting-{uuid.uuid4()}"
        secrets["meeting password"] = meeting_password
        api = Client(HTTP_AUTHORIZATION=f"Token {token}")
        api.post(
            "/api/v1/meetings/",
            {"topic": "Board", "is_recurring": True, "password": meeting_password},
            content_type="application/json",
        )
        webinar = WebinarFactory(host=host, customer=host.customer)
        registration = registration_create(
            webinar=webinar, first_name="A", last_name="B", email="a@example.com"
        ).registration
        secrets["cancel token"] = mail.cancel_token(registration)
        client.post(f"/w/{webinar.slug}/cancel/{secrets['cancel token']}/")
    assert caplog.records
    leaked = {name for name, value in secrets.items() if value in caplog.text}
    assert leaked == set()
    assert Token.objects.filter(key=token).exists()  # the token was real
