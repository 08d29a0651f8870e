"""Headers every page sends: a script policy, and no caching of what a signed-in person sees."""

import re
from pathlib import Path

import pytest

from tests.conftest import csp
from tests.factories import HostFactory, MeetingFactory
from tests.webinars.factories import WebinarFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_template_has_an_inline_script():
    """script-src 'self' would block it: scripts are static files."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if inline.search(path.read_text())
    ]
    assert offenders == []


def test_every_page_sends_a_script_policy(client):
    host = HostFactory(customer__slug="acme")
    webinar = WebinarFactory(host=host, customer=host.customer)
    urls = ["/dashboard/login/", "/p/acme/meetings/", f"/w/{webinar.slug}/", "/api/docs/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        policy = csp(response)
        assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'", url
        assert policy["object-src"] == "'none'", url


def test_the_api_docs_load_nothing_from_elsewhere(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower() and "<script src=" in page


def test_what_a_signed_in_host_sees_is_not_cached(client):
    host = HostFactory(customer__slug="acme")
    meeting = MeetingFactory(host=host, customer=host.customer)
    webinar = WebinarFactory(host=host, customer=host.customer)
    client.force_login(host.user)
    for url in [
        "/dashboard/",
        f"/dashboard/meetings/{meeting.pk}/",
        f"/dashboard/webinars/{webinar.pk}/registrations/",
        f"/api/v1/meetings/{meeting.pk}/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url
    client.logout()
    public = client.get("/p/acme/meetings/")
    assert public["Cache-Control"] == "public, no-cache"  # a feed keeps its own
