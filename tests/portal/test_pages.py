"""What every page has: a heading, the favicon; and a dashboard that says where to begin."""

import pytest
from django.contrib.staticfiles import finders

from meetings import launch
from tests.factories import CustomerFactory, HostFactory, MeetingFactory
from tests.webinars.factories import WebinarFactory

pytestmark = pytest.mark.django_db


def test_every_kind_of_page_has_a_heading_and_the_favicon(client):
    host = HostFactory(customer=CustomerFactory(slug="acme"))
    meeting = MeetingFactory(host=host, is_published=True)
    webinar = WebinarFactory(host=host, customer=host.customer)
    public = [
        "/p/acme/meetings/",
        f"/w/{webinar.slug}/",
        f"/w/{webinar.slug}/embed/",
        launch.join_page(meeting).removeprefix("http://localhost:8000"),
        "/dashboard/login/",
        "/dashboard/password_reset/",
        "/dashboard/password_reset/done/",
        "/dashboard/reset/MQ/set-password/",
        "/dashboard/reset/done/",
    ]
    client.force_login(host.user)
    signed_in = [
        "/dashboard/",
        f"/dashboard/meetings/{meeting.pk}/",
        "/dashboard/webinars/",
        "/dashboard/password_change/",
        "/dashboard/password_change/done/",
    ]
    for url in public + signed_in:
        page = client.get(url, follow=True).content.decode()
        assert page.count("<h1") == 1, url
        assert 'rel="icon" href="/static/portal/favicon.svg"' in page, url
    assert finders.find("portal/favicon.svg")


def test_an_empty_dashboard_says_what_to_do_first(client):
    host = HostFactory()
    client.force_login(host.user)
    page = client.get("/dashboard/").content.decode()
    assert 'id="first-steps"' in page and "Schedule your first meeting" in page
    MeetingFactory(host=host)
    assert 'id="first-steps"' not in client.get("/dashboard/").content.decode()


def test_changing_a_password_shows_the_reason_under_the_field(client):
    host = HostFactory()
    client.force_login(host.user)
    page = client.post(
        "/dashboard/password_change/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    ).content.decode()
    assert 'class="error-summary" id="error-summary" role="alert" tabindex="-1"' in page
    assert 'id="id_old_password_error"' in page and "breadcrumbs" not in page  # not the admin's
