"""The embedded registration form in the visitor's browser language (Spanish), in Chromium."""

import re

import pytest
from django.utils import translation

from tests.factories import CustomerFactory, HostFactory
from tests.webinars.factories import WebinarFactory
from webinars.models import Registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def spanish(chromium):
    context = chromium.new_context(locale="es-ES")
    yield context.new_page()
    context.close()
    translation.activate("en")


def test_the_embed_speaks_the_browsers_language_and_so_does_the_mail(
    spanish, live_server, settings, mailoutbox
):
    settings.SITE_URL = live_server.url
    customer = CustomerFactory(time_zone="Europe/Madrid")
    webinar = WebinarFactory(host=HostFactory(customer=customer), title="Cohetes")
    spanish.goto(f"{live_server.url}/w/{webinar.slug}/embed/")
    assert spanish.locator("html").get_attribute("lang") == "es"
    assert spanish.get_by_role("button", name="Inscribirse").is_visible()
    assert spanish.get_by_label("Nombre", exact=False).first.is_visible()
    assert "Organizado por" in spanish.locator("#organiser").inner_text()

    spanish.get_by_role("button", name="Inscribirse").click()  # nothing filled in
    assert "Algunos campos requieren su atención." in spanish.locator("#error-summary").inner_text()

    spanish.locator("#reg-first_name").fill("Ada")
    spanish.locator("#reg-last_name").fill("Lovelace")
    spanish.locator("#reg-email").fill("ada@example.com")
    spanish.get_by_role("button", name="Inscribirse").click()
    assert "Está inscrito." in spanish.locator("#result").inner_text()
    assert Registration.objects.get().language == "es"
    assert mailoutbox[-1].subject == "Está inscrito: Cohetes"


def test_the_meetings_pages_zone_switch_speaks_the_page_language(chromium, live_server):
    from tests.factories import MeetingFactory

    customer = CustomerFactory(slug="berlin", time_zone="Europe/Berlin", language="de")
    MeetingFactory(host=HostFactory(customer=customer), is_published=True, topic="Vorstand")
    context = chromium.new_context(locale="en-US", timezone_id="America/New_York")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/p/berlin/meetings/")
        switch = page.locator("#zone-switch")
        assert switch.inner_text() == "In meiner Zeitzone anzeigen"
        switch.click()
        assert switch.inner_text() == "In der Zeit von Europe/Berlin anzeigen"
        when = page.locator("time[datetime]").first.inner_text()
        assert re.search(r"\b\d{1,2}\. ", when), when  # "Mi., 14. Okt. 2026": German, not English
    finally:
        context.close()
        translation.activate("en")
