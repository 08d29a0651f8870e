"""What people see, at a desktop's and a phone's width: the pages the README shows.

``make screenshots`` runs this with SCREENSHOTS_DIR=docs/screenshots and
commits nothing by itself; in ``make test`` the pictures go to a temporary
folder, and the test still checks that each page fits its width.
"""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from portal.accounts.services import customer_create, customer_push, customer_update, host_create
from tests.factories import MeetingFactory
from tests.webinars.factories import QuestionFactory, RegistrationFactory
from webinars.models import Webinar
from webinars.services import webinar_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "screenshot-password"
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def folder(tmp_path) -> Path:
    chosen = os.environ.get("SCREENSHOTS_DIR")
    return Path(chosen) if chosen else tmp_path


@pytest.fixture
def shown(fake_tm, live_server, other_site, settings):
    settings.PORTAL_URL = settings.SITE_URL = live_server.url
    customer = customer_push(
        customer_id=customer_create(
            name="Acme Corporation",
            slug="acme",
            contact_email="it@acme.example",
            time_zone="Europe/Berlin",
        ).pk
    )
    customer_update(customer=customer, embed_origins=other_site.origin)
    host = host_create(
        customer=customer,
        email="ada@acme.example",
        password=PASSWORD,
        first_name="Ada",
        last_name="Host",
        is_administrator=True,
    )
    start = (timezone.now() + dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    for offset, topic in [(0, "Product demo"), (26, "Quarterly customer call"), (50, "Team sync")]:
        MeetingFactory(
            host=host,
            topic=topic,
            is_published=True,
            starts_at=start + dt.timedelta(hours=offset),
            ends_at=start + dt.timedelta(hours=offset + 1),
        )
    webinar = webinar_create(
        host=host,
        title="What's new in Acme 2027",
        description="An hour with the product team: **what ships**, what changes, and your "
        "questions answered live.",
        speakers="Grace Hopper, VP Product\nAlan Turing, Chief Architect",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=100,
        status=Webinar.Status.PUBLISHED,
    )
    QuestionFactory(webinar=webinar, label="Your role")
    for first, last in [("Linus", "Byte"), ("Marie", "Curie"), ("Niels", "Bohr")]:
        RegistrationFactory(webinar=webinar, first_name=first, last_name=last)
    other_site.html = (
        "<!doctype html><meta name=viewport content='width=device-width'>"
        "<title>Acme events</title><h1 style='font-family:sans-serif'>Acme events</h1>"
        f'<iframe data-portal-embed src="{live_server.url}/w/{webinar.slug}/embed/" '
        'title="Register" style="width:100%;border:0" height="700"></iframe>'
        f'<script src="{live_server.url}/static/portal/embed.js" async></script>'
    )
    return {"webinar": webinar}


def sign_in(page, live_server):
    page.goto(f"{live_server.url}/dashboard/login/")
    page.get_by_label("Email").fill("ada@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/**")


@pytest.mark.parametrize("device", WIDTHS)
def test_the_pages_people_see(page, shown, live_server, other_site, folder, device):
    width = WIDTHS[device]
    page.set_viewport_size({"width": width, "height": 900})
    webinar = shown["webinar"]
    shots = {
        "webinar-page": f"{live_server.url}/w/{webinar.slug}/",
        "embed-on-another-site": other_site.url,
    }
    for name, url in shots.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        save(page, folder, name, device)
    sign_in(page, live_server)
    for name, url in {
        "dashboard-meetings": f"{live_server.url}/dashboard/",
        "registrations": f"{live_server.url}/dashboard/webinars/{webinar.pk}/registrations/",
    }.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        save(page, folder, name, device)


def save(page, folder: Path, name: str, device: str) -> None:
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert fits, f"{name} is wider than the {device}'s screen"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{device}.png"), full_page=True)
