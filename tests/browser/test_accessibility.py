"""axe-core finds no serious or critical accessibility violation on any page people use.

Every public page, every embed and every dashboard page, rendered by the real
portal in Chromium, checked by axe-core (through axe-playwright-python).
"""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from meetings import launch
from portal.accounts.services import customer_create, customer_push, host_create
from portal.webhooks.models import Endpoint
from tests.factories import MeetingFactory
from tests.webinars.factories import QuestionFactory, RegistrationFactory, WebinarFactory
from webinars.models import Webinar

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a11y-host-password"
SERIOUS = {"serious", "critical"}


@pytest.fixture
def site(fake_tm, live_server, settings):
    settings.PORTAL_URL = settings.SITE_URL = live_server.url
    customer = customer_push(
        customer_id=customer_create(
            name="Access Co", slug="access", contact_email="it@access.example", time_zone="UTC"
        ).pk
    )
    host = host_create(
        customer=customer,
        email="host@access.example",
        password=PASSWORD,
        first_name="Ada",
        is_administrator=True,
    )
    start = timezone.now() + dt.timedelta(days=2)
    meeting = MeetingFactory(host=host, is_published=True, topic="Open house")
    protected = MeetingFactory(host=host, is_published=True, topic="Board")
    protected.password = "board-pw"
    protected.save()
    webinar = WebinarFactory(
        host=host,
        customer=customer,
        title="Accessible webinars",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        status=Webinar.Status.PUBLISHED,
    )
    QuestionFactory(webinar=webinar)
    RegistrationFactory(webinar=webinar)
    return {"host": host, "meeting": meeting, "protected": protected, "webinar": webinar}


def violations(page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def check(page, url) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    return [f"{url}: {v}" for v in violations(page)]


@pytest.mark.parametrize("width", [1280, 390])
def test_public_pages_and_embeds(page, site, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    webinar, meeting, protected = site["webinar"], site["meeting"], site["protected"]
    urls = [
        f"{base}/p/access/meetings/",
        f"{base}/p/access/meetings/{protected.pk}/join/",
        launch.join_page(meeting),
        f"{base}/w/{webinar.slug}/",
        f"{base}/w/{webinar.slug}/embed/",
        f"{base}/dashboard/login/",
    ]
    found = [v for url in urls for v in check(page, url)]
    # The public form after a failed submit: errors must be announced and labelled too.
    page.goto(f"{base}/w/{webinar.slug}/")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state("load")
    found += [f"{webinar.slug} (errors): {v}" for v in violations(page)]
    assert found == []


@pytest.mark.parametrize("width", [1280, 390])  # at 390 the lists are cards
def test_dashboard_pages(page, site, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    page.goto(f"{base}/dashboard/login/")
    page.get_by_label("Email").fill("host@access.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/dashboard/**")
    m, w = site["meeting"].pk, site["webinar"].pk
    urls = [
        f"{base}/dashboard/",
        f"{base}/dashboard/meetings/new/",
        f"{base}/dashboard/meetings/{m}/",
        f"{base}/dashboard/meetings/{m}/edit/",
        f"{base}/dashboard/meetings/{m}/cancel/",
        f"{base}/dashboard/webinars/",
        f"{base}/dashboard/webinars/new/",
        f"{base}/dashboard/webinars/{w}/",
        f"{base}/dashboard/webinars/{w}/edit/",
        f"{base}/dashboard/webinars/{w}/questions/",
        f"{base}/dashboard/webinars/{w}/registrations/",
        f"{base}/dashboard/password_change/",
    ]
    hook = Endpoint(customer=site["host"].customer, url="https://hooks.example/", events=["x"])
    hook.secret = "whsec_c2VjcmV0"
    hook.save()
    urls += [f"{base}/dashboard/webhooks/", f"{base}/dashboard/webhooks/{hook.pk}/"]
    assert [v for url in urls for v in check(page, url)] == []
