"""Webinar pages at a desktop and a phone width: what a full webinar says before its form,
"are you sure?" before a registration is cancelled, and long words that never widen a page."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import CustomerFactory, HostFactory
from tests.webinars.factories import RegistrationFactory, WebinarFactory
from webinars.models import Registration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"  # tests.factories.UserFactory's
WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]
S = Registration.Status


@pytest.fixture
def host(db):
    return HostFactory(
        customer=CustomerFactory(name="Webinar Co", time_zone="UTC"),
        user__email="host@pages.example",
        user__first_name="Grace",
        user__last_name="Hopper",
    )


def sign_in(page, live_server):
    page.goto(f"{live_server.url}/dashboard/login/")
    page.get_by_label("Email").fill("host@pages.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/**")


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_full_webinar_says_so_before_its_form(page, live_server, host, width):
    page.set_viewport_size({"width": width, "height": 900})
    webinar = WebinarFactory(host=host, title="Zero trust", capacity=1, waiting_list=True)
    RegistrationFactory(webinar=webinar)
    page.goto(f"{live_server.url}/w/{webinar.slug}/")

    notice = page.locator("#availability")
    expect(notice).to_contain_text("Full — join the waiting list")
    expect(page.locator("#organiser")).to_have_text(
        "Organised by Webinar Co · hosted by Grace Hopper"
    )
    button = page.get_by_role("button", name="Join the waiting list")
    expect(button).to_be_visible()
    form_top = page.locator("#registration-form").bounding_box()["y"]
    assert notice.bounding_box()["y"] < form_top
    assert fits(page)

    page.get_by_label("First name").fill("Bob")
    page.get_by_label("Last name").fill("Byte")
    page.get_by_label("Email").fill("bob@visitor.example")
    button.click()
    expect(page.locator("#result")).to_have_attribute("data-status", "waitlisted")


@pytest.mark.parametrize("width", WIDTHS)
def test_cancelling_a_registration_asks_first(page, live_server, host, width):
    page.set_viewport_size({"width": width, "height": 900})
    webinar = WebinarFactory(host=host, capacity=1)
    ada = RegistrationFactory(webinar=webinar, first_name="Ada", last_name="Lovelace")
    bob = RegistrationFactory(
        webinar=webinar, first_name="Bob", status=S.WAITLISTED, waitlisted_at=timezone.now()
    )
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/dashboard/webinars/{webinar.pk}/registrations/")
    cancel = page.get_by_role("button", name="Cancel the registration of Ada Lovelace")

    # "Keep it" closes the dialog and changes nothing.
    cancel.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Cancel the registration of Ada Lovelace?")
    expect(dialog).to_contain_text("goes to the first person on the waiting list")
    keep = dialog.get_by_role("link", name="Keep it")
    expect(keep).to_be_focused()
    assert fits(page)
    keep.click()
    expect(dialog).to_have_count(0)
    assert Registration.objects.get(pk=ada.pk).status == S.CONFIRMED

    cancel.click()
    page.get_by_role("dialog").get_by_role("button", name="Cancel registration").click()
    expect(page.locator(".messages")).to_contain_text("Lovelace: cancelled.")
    assert Registration.objects.get(pk=ada.pk).status == S.CANCELLED
    assert Registration.objects.get(pk=bob.pk).status == S.CONFIRMED  # the seat went on


def test_without_a_script_the_confirmation_is_a_page(chromium, live_server, host):
    context = chromium.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 800}
    )
    page = context.new_page()
    try:
        webinar = WebinarFactory(host=host)
        ada = RegistrationFactory(webinar=webinar, first_name="Ada", last_name="Lovelace")
        sign_in(page, live_server)
        registrations = f"{live_server.url}/dashboard/webinars/{webinar.pk}/registrations/"
        page.goto(registrations)
        page.get_by_role("button", name="Cancel the registration of Ada Lovelace").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            f"Cancel the registration of Ada {ada.last_name}?"
        )
        assert fits(page)
        page.get_by_role("button", name="Cancel registration").click()
        page.wait_for_url(registrations)
        assert Registration.objects.get(pk=ada.pk).status == S.CANCELLED
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_long_unbroken_title_never_widens_a_page(page, live_server, host, width):
    page.set_viewport_size({"width": width, "height": 900})
    title = "W" * 200
    webinar = WebinarFactory(host=host, title=title, slug="long-title")
    RegistrationFactory(
        webinar=webinar, first_name="A" * 100, organisation="O" * 200, email=f"{'e' * 60}@x.example"
    )
    sign_in(page, live_server)
    w = f"{live_server.url}/dashboard/webinars/{webinar.pk}"
    for url in (
        f"{live_server.url}/dashboard/webinars/",
        f"{w}/",
        f"{w}/registrations/",
        f"{w}/questions/",
        f"{w}/edit/",
        f"{w}/cancel/confirm/",
        f"{live_server.url}/w/{webinar.slug}/",
    ):
        page.goto(url)
        assert fits(page), url
