"""The dashboard in the browser's language, then in the language the host chooses, in Chromium."""

import pytest
from django.utils import translation

from portal.accounts.services import customer_create, customer_push, host_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "i18n-host-password"


@pytest.fixture
def spanish(chromium):
    context = chromium.new_context(locale="es-ES")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
    translation.activate("en")


def test_a_host_signs_in_in_the_browsers_language_and_switches_the_dashboard_to_german(
    spanish, fake_tm, live_server, settings
):
    settings.PORTAL_URL = settings.SITE_URL = live_server.url
    customer = customer_push(
        customer_id=customer_create(
            name="Sprachen", slug="sprachen", contact_email="it@sprachen.example", time_zone="UTC"
        ).pk
    )
    host = host_create(
        customer=customer, email="host@sprachen.example", password=PASSWORD, first_name="Ana"
    )
    page = spanish
    page.goto(f"{live_server.url}/dashboard/login/")
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_label("Correo electrónico").fill("host@sprachen.example")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.get_by_role("heading", name="Sus reuniones, Ana").is_visible()

    page.get_by_label("Idioma").select_option("de")
    page.get_by_role("button", name="Cambiar").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Ihre Meetings, Ana").is_visible()
    host.refresh_from_db()
    assert host.language == "de"

    page.get_by_role("link", name="Ein Meeting planen").click()
    page.get_by_role("button", name="Speichern").click()  # nothing filled in
    summary = page.locator("#error-summary")
    assert "Bitte prüfen Sie das Formular." in summary.inner_text()
    assert "Dieses Feld ist zwingend erforderlich." in summary.inner_text()
    assert page.get_by_label("Thema").is_visible()
    # The menu shows the choice made, and "as my browser" brings Spanish back.
    assert page.get_by_label("Sprache").input_value() == "de"
    page.get_by_label("Sprache").select_option("")
    page.get_by_role("button", name="Ändern").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("link", name="Webinarios").is_visible()


def test_a_german_host_reads_why_the_meeting_server_has_not_taken_a_meeting_in_german(
    page, fake_tm, live_server, settings
):
    """The meeting server's words (a stored sync error, then the answer to "Retry now")
    follow the host's language, like the rest of the dashboard."""
    import datetime as dt

    from django.utils import timezone

    from meetings.services import meeting_schedule

    settings.PORTAL_URL = settings.SITE_URL = live_server.url
    customer = customer_push(
        customer_id=customer_create(
            name="Sprachen", slug="sprachen", contact_email="it@sprachen.example", time_zone="UTC"
        ).pk
    )
    host = host_create(customer=customer, email="de@sprachen.example", password=PASSWORD)
    host.language = "de"
    host.save(update_fields=["language"])
    fake_tm.mode = "down"
    start = timezone.now() + dt.timedelta(days=1)
    meeting = meeting_schedule(
        host=host, topic="Planung", starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )

    page.goto(f"{live_server.url}/dashboard/login/")
    page.locator("#id_username").fill("de@sprachen.example")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")
    german = "Der Meeting-Server antwortet gerade nicht."
    assert german in page.locator("#sync-status").inner_text()
    assert "not answering" not in page.content()

    page.get_by_role("button", name="Jetzt erneut versuchen").click()
    page.wait_for_load_state("load")
    assert page.get_by_text(german).first.is_visible()
    assert "not answering" not in page.content()
