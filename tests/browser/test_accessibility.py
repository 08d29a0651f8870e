"""axe-core finds no moderate, serious or critical accessibility violation on any page
people use.

Every public page, every embed and every dashboard page, rendered by the real
portal in Chromium at a phone's and a desktop's width and in each of the portal's
languages, checked by axe-core (through axe-playwright-python).
"""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import timezone, translation

from meetings import launch
from meetings.feeds.listing import HTML_PAGE_SIZE
from portal.accounts.services import customer_create, customer_push, host_create
from portal.webhooks.models import Endpoint
from tests.factories import MeetingFactory
from tests.webinars.factories import QuestionFactory, RegistrationFactory, WebinarFactory
from webinars.models import Webinar

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a11y-host-password"
CHECKED = {"moderate", "serious", "critical"}
WIDTHS = [1280, 390]  # at 390 the lists are cards
LANGUAGES = [code for code, name in settings.LANGUAGES]


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
    question = QuestionFactory(webinar=webinar)
    registration = RegistrationFactory(webinar=webinar)
    return {
        "host": host,
        "meeting": meeting,
        "protected": protected,
        "webinar": webinar,
        "question": question,
        "registration": registration,
    }


@pytest.fixture(params=LANGUAGES)
def page(request, chromium):
    """A page whose browser asks for one of the portal's languages."""
    context = chromium.new_context(locale=request.param)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.language = request.param
    yield page
    context.close()
    translation.activate("en")


def violations(page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in CHECKED
    ]


def check(page, url) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == page.language, url
    return [f"{url}: {v}" for v in violations(page)]


@pytest.mark.parametrize("width", WIDTHS)
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
        f"{base}/dashboard/password_reset/",
    ]
    found = [v for url in urls for v in check(page, url)]
    # The public form after a failed submit: errors must be announced and labelled too.
    page.goto(f"{base}/w/{webinar.slug}/")
    page.locator("#registration-form button[type=submit]").click()
    page.wait_for_load_state("load")
    found += [f"{webinar.slug} (errors): {v}" for v in violations(page)]
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_meetings_list_a_page_at_a_time(page, site, live_server, width):
    """Past one page, the list's links to the earlier and later meetings (a nav landmark)."""
    start = timezone.now() + dt.timedelta(days=3)
    for n in range(HTML_PAGE_SIZE):  # with the site's two, a second page
        MeetingFactory(
            host=site["host"],
            is_published=True,
            topic=f"Briefing {n + 1}",
            starts_at=start + dt.timedelta(hours=n),
            ends_at=start + dt.timedelta(hours=n + 1),
        )
    page.set_viewport_size({"width": width, "height": 900})
    base = f"{live_server.url}/p/access/meetings/"
    found = [v for url in (base, f"{base}?page=2") for v in check(page, url)]
    assert page.locator("nav a[rel=prev]").count() == 1  # the second page was the one checked
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("width", WIDTHS)
def test_dashboard_pages(page, site, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    page.goto(f"{base}/dashboard/login/")
    page.locator("#id_username").fill("host@access.example")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/dashboard/**")
    m, w = site["meeting"].pk, site["webinar"].pk
    q, r = site["question"].pk, site["registration"].pk
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
        f"{base}/dashboard/webinars/{w}/cancel/confirm/",
        f"{base}/dashboard/webinars/{w}/questions/{q}/edit/",
        f"{base}/dashboard/webinars/{w}/questions/{q}/delete/confirm/",
        f"{base}/dashboard/webinars/{w}/registrations/{r}/reject/confirm/",
        f"{base}/dashboard/webinars/{w}/custom-page/",
        f"{base}/dashboard/embedding/",
        f"{base}/dashboard/password_change/",
    ]
    hook = Endpoint(customer=site["host"].customer, url="https://hooks.example/", events=["x"])
    hook.secret = "whsec_c2VjcmV0"
    hook.save()
    urls += [f"{base}/dashboard/webhooks/", f"{base}/dashboard/webhooks/{hook.pk}/"]
    found = [v for url in urls for v in check(page, url)]
    # A dashboard form after a failed submit: its summary and errors are checked too.
    page.goto(f"{base}/dashboard/meetings/new/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    found += [f"meeting form (errors): {v}" for v in violations(page)]
    assert found == [], "\n".join(found)
