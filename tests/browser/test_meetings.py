"""A host schedules a published meeting; a customer's site embeds the feed and sees it go live."""

import datetime as dt

import pytest
from django.utils import timezone

from meetings.models import Meeting
from meetings.tasks import meetings_poll
from portal.accounts.models import Customer, SyncState
from portal.accounts.services import customer_create, customer_push, customer_update, host_create
from tests.factories import MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-host-password"


@pytest.fixture
def host(fake_tm, live_server, settings):
    settings.PORTAL_URL = live_server.url
    customer = customer_create(
        name="Embed Co", slug="embed-co", contact_email="it@embed.example", time_zone="UTC"
    )
    customer = customer_push(customer_id=customer.pk)
    assert customer.sync_state == SyncState.SYNCED
    return host_create(
        customer=customer, email="host@embed.example", password=PASSWORD, first_name="Emma"
    )


def embed_page(feed_url: str) -> str:
    return (
        "<!doctype html><title>Our events</title><h1>Upcoming events</h1>"
        f'<iframe id="feed" src="{feed_url}" width="600" height="400"></iframe>'
    )


def test_host_schedules_and_an_embedded_feed_shows_it_live(
    page, host, live_server, other_site, fake_tm
):
    customer_update(
        customer=Customer.objects.get(pk=host.customer_id), embed_origins=other_site.origin
    )

    page.goto(live_server.url + "/dashboard/")
    page.get_by_label("Email").fill("host@embed.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Schedule a meeting").click()

    start = (timezone.now() + dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    page.get_by_label("Topic").fill("Spring product launch")
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("To be published").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Meeting saved.").wait_for()

    meeting = Meeting.objects.get(topic="Spring product launch")
    assert meeting.sync_state == SyncState.SYNCED and meeting.is_published

    other_site.html = embed_page(f"{live_server.url}/p/embed-co/meetings/")
    page.goto(other_site.url)
    feed = page.frame_locator("#feed")
    feed.get_by_text("Spring product launch").wait_for()
    assert feed.get_by_text("Live now").count() == 0

    fake_tm.set_live(meeting.server_meeting_id, attendees=4)
    meetings_poll.delay()
    meeting.refresh_from_db()
    assert (meeting.live_state, meeting.attendees) == ("live", 4)
    page.reload()
    page.frame_locator("#feed").get_by_text("Live now · 4 attending").wait_for()
    join = page.frame_locator("#feed").get_by_role("link", name="Join")
    assert meeting.server_meeting_id in join.get_attribute("href")


def test_a_site_not_allowed_cannot_frame_the_feed(page, host, live_server, other_site):
    from tests.factories import MeetingFactory

    MeetingFactory(host=host, topic="Members only webinar", is_published=True)
    other_site.html = embed_page(f"{live_server.url}/p/embed-co/meetings/")  # origin not allowed
    blocked = []
    page.on("console", lambda message: blocked.append(message.text))
    page.goto(other_site.url)
    page.wait_for_timeout(1000)
    frame = page.frame_locator("#feed")
    assert frame.get_by_text("Members only webinar").count() == 0
    assert any("frame-ancestors" in text for text in blocked)

    # The dashboard itself is never frameable, from anywhere.
    other_site.html = embed_page(f"{live_server.url}/dashboard/login/")
    page.goto(other_site.url)
    page.wait_for_timeout(500)
    assert page.frame_locator("#feed").get_by_text("Sign in").count() == 0


def test_a_meeting_being_scheduled_says_so_and_updates_itself(page, host, live_server):
    """Just after saving, no red error: the page says it is working and refreshes when done."""
    from tests.factories import MeetingFactory

    meeting = MeetingFactory(
        host=host, topic="Being scheduled", server_meeting_id="", sync_state=SyncState.PENDING
    )
    page.goto(live_server.url + "/dashboard/")
    page.get_by_label("Email").fill("host@embed.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")

    working = page.get_by_role("status")
    assert "Scheduling on the meeting server" in working.inner_text()
    assert page.locator(".sync-failed, .sync-pending").count() == 0  # nothing red

    Meeting.objects.filter(pk=meeting.pk).update(
        sync_state=SyncState.SYNCED, server_meeting_id="123456789"
    )
    page.get_by_role("link", name="Start", exact=True).wait_for(timeout=10_000)
    assert page.get_by_role("status").count() == 0


def test_cancelling_a_meeting_asks_first(page, host, live_server):
    from tests.factories import MeetingFactory

    meeting = MeetingFactory(
        host=host, topic="Board call", is_published=True, live_state="live", attendees=2
    )
    page.goto(live_server.url + "/dashboard/")
    page.get_by_label("Email").fill("host@embed.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")

    page.get_by_role("link", name="Cancel meeting…").click()
    page.get_by_role("heading", name="Cancel “Board call”?").wait_for()
    assert page.locator("#live-warning").is_visible()
    assert "It is live now, with 2 people in it." in page.locator("#live-warning").inner_text()
    page.get_by_role("link", name="Keep it").click()
    page.wait_for_url(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")
    assert Meeting.objects.get(pk=meeting.pk).cancelled_at is None

    page.get_by_role("link", name="Cancel meeting…").click()
    page.get_by_role("button", name="Cancel the meeting").click()
    page.get_by_text("Meeting cancelled.").wait_for()
    assert Meeting.objects.get(pk=meeting.pk).cancelled_at is not None
    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")
    assert "Cancelled on" in page.locator("main").inner_text()
    assert "published" not in page.locator("main").inner_text()


STYLE = "e => ((s) => [s.color, s.backgroundColor, s.borderTopColor])(getComputedStyle(e))"
RED, WHITE, BLUE = "rgb(207, 34, 46)", "rgb(255, 255, 255)", "rgb(31, 111, 235)"


def test_destructive_actions_are_red_on_white_links_and_buttons_alike(page, host, live_server):
    """Cancel meeting… and Stop meeting… (links) and their confirming buttons look alike,
    and not like Start; so do the webinars' Cancel webinar…, Reject… and Remove…."""
    from tests.factories import MeetingFactory
    from tests.webinars.factories import QuestionFactory, RegistrationFactory, WebinarFactory

    host.is_administrator = True
    host.save()
    meeting = MeetingFactory(host=host, topic="Board call", live_state="live", attendees=3)
    page.goto(live_server.url + "/dashboard/")
    page.get_by_label("Email").fill("host@embed.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")

    start = page.get_by_role("link", name="Start", exact=True).evaluate(STYLE)
    cancel = page.get_by_role("link", name="Cancel meeting…").evaluate(STYLE)
    stop = page.get_by_role("link", name="Stop meeting…").evaluate(STYLE)
    assert start == [WHITE, BLUE, BLUE]  # the main action
    assert cancel == stop == [RED, WHITE, RED]
    page.get_by_role("link", name="Stop meeting…").click()  # asks first, as cancelling does
    assert page.get_by_role("button", name="Stop the meeting").evaluate(STYLE) == stop
    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")
    page.get_by_role("link", name="Cancel meeting…").click()
    assert page.get_by_role("button", name="Cancel the meeting").evaluate(STYLE) == cancel

    webinar = WebinarFactory(host=host, customer=host.customer, title="Launch")
    QuestionFactory(webinar=webinar, label="Your role")
    RegistrationFactory(webinar=webinar, first_name="Ada", last_name="Byte")
    w = f"{live_server.url}/dashboard/webinars/{webinar.pk}"
    for url, name in [
        (f"{w}/", "Cancel webinar…"),
        (f"{w}/registrations/", "Reject Ada Byte"),
        (f"{w}/questions/", "Remove “Your role”"),
    ]:
        page.goto(url)
        assert page.get_by_role("button", name=name).evaluate(STYLE) == cancel, name


def test_after_a_failed_submit_the_error_summary_has_the_focus(page, host, live_server):
    """As on the public registration form: the summary is read out, Tab goes to its links."""
    page.goto(live_server.url + "/dashboard/")
    page.get_by_label("Email").fill("host@embed.example")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#error-summary").wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary", "sign-in"
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for url, button in [
        ("/dashboard/meetings/new/", "Save"),
        ("/dashboard/password_change/", "Change my password"),
    ]:
        page.goto(live_server.url + url)
        page.get_by_role("button", name=button).click()
        page.locator("#error-summary").wait_for()
        assert page.evaluate("document.activeElement.id") == "error-summary", url


def test_the_public_password_error_sits_under_its_input_and_takes_the_focus(
    page, host, live_server
):
    meeting = MeetingFactory(host=host, is_published=True, topic="Board")
    meeting.password = "board-pw"
    meeting.save()
    page.goto(f"{live_server.url}/p/{host.customer.slug}/meetings/{meeting.pk}/join/")
    page.get_by_label("Your name").fill("Visitor")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Join").click()
    page.locator("#error-summary").wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    error = page.locator("#id_password_error")
    assert error.is_visible()
    assert page.get_by_label("Password").get_attribute("aria-describedby") == "id_password_error"
    field = page.get_by_label("Password").bounding_box()
    assert error.bounding_box()["x"] == field["x"]  # not indented like a list
