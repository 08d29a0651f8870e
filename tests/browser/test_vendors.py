"""The same pages on every kind of meeting server, driven in Chromium against the fakes.

A TrueConf host schedules a published meeting and a visitor registers for a
webinar and joins through the link in their mail; an OpenMeetings meeting
shows "Live now" after a poll; a Webex host schedules on Webex and the back
URL brings the meeting key home; a BigBlueButton host starts a meeting, a
visitor joins it, and the host publishes its recording.
"""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from conferencing.fakes.bigbluebutton import FakeBigBlueButton
from conferencing.fakes.openmeetings import FakeOpenMeetings
from conferencing.fakes.server import serve
from conferencing.fakes.trueconf import FakeTrueConf
from conferencing.fakes.turbomeeting import FakeTurboMeeting
from conferencing.fakes.webex import DEMO_PASSWORD, DEMO_USER, FakeWebex
from meetings.models import Meeting
from meetings.services import meeting_schedule
from meetings.tasks import meetings_poll
from portal.accounts import services
from portal.accounts.models import Host, MeetingServer, SyncState
from webinars.models import Webinar
from webinars.services.webinars import webinar_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "vendor-host-password"


@pytest.fixture
def on(live_server, settings):
    """``on(backend, fake)``: a customer on a server of that backend, and its host (the
    fake's own options are its credentials unless ``credentials`` are given)."""
    settings.PORTAL_URL = settings.SITE_URL = live_server.url
    running = []

    def make(backend, fake, path="", options=None):
        server_url = running_server(fake)
        server = services.server_save(
            server=MeetingServer(),
            backend=backend,
            name=f"{backend} server",
            base_url=server_url + path,
            credentials=fake.backend_options() if options is None else options,
        )
        customer = services.customer_push(
            customer_id=services.customer_create(
                name=f"{backend} customer", slug=backend, contact_email=f"it@{backend}.example",
                server=server, time_zone="UTC",
            ).pk
        )  # fmt: skip
        return services.host_create(
            customer=customer, email=f"host@{backend}.example", password=PASSWORD, first_name="Hana"
        )

    def running_server(fake):
        context = serve(fake)
        running.append(context)
        return context.__enter__().url

    yield make
    for context in running:
        context.__exit__(None, None, None)


def sign_in(page, live_server, host):
    page.goto(f"{live_server.url}/dashboard/login/")
    page.get_by_label("Email").fill(host.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/dashboard/**")


def schedule_in_the_dashboard(page, topic, *, published=False):
    page.get_by_role("link", name="Schedule a meeting").click()
    start = (timezone.now() + dt.timedelta(days=1)).replace(second=0, microsecond=0)
    page.get_by_label("Topic").fill(topic)
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    if published:
        page.get_by_label("To be published").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Meeting saved.").wait_for()


def test_a_trueconf_host_schedules_and_a_registrant_joins_by_the_mailed_link(page, live_server, on):
    fake = FakeTrueConf()
    host = on("trueconf", fake)
    sign_in(page, live_server, host)
    page.goto(f"{live_server.url}/dashboard/meetings/new/")  # what its password protects
    assert page.get_by_text("This meeting server has no meeting passwords").is_visible()
    page.goto(f"{live_server.url}/dashboard/")
    schedule_in_the_dashboard(page, "Partner briefing", published=True)
    meeting = Meeting.objects.get(topic="Partner briefing")
    assert meeting.sync_state == SyncState.SYNCED and meeting.server_meeting_id in fake.conferences
    assert (
        page.get_by_role("link", name="Join link")
        .get_attribute("href")
        .endswith(f"/webrtc/{meeting.server_meeting_id}")
    )

    start = timezone.now() + dt.timedelta(days=2)
    webinar = webinar_create(
        host=host,
        title="TrueConf deep dive",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=10,
        status=Webinar.Status.PUBLISHED,
    )
    page.goto(f"{live_server.url}/w/{webinar.slug}/")
    page.get_by_label("First name").fill("Vera")
    page.get_by_label("Last name").fill("Visitor")
    page.get_by_label("Email").fill("vera@visitor.example")
    page.get_by_role("button", name="Register").click()
    page.locator("#result").wait_for()

    # The portal's personal link, which reaches the server only while the seat is held.
    [link] = re.findall(r"https?://\S+/join/\S+", mail.outbox[-1].body)
    webinar.meeting.refresh_from_db()
    assert webinar.meeting.server_meeting_id not in mail.outbox[-1].body  # the ID is a way in
    page.goto(link)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url("**/webrtc/**")
    assert any(
        r.method == "GET" and r.path == f"/webrtc/{webinar.meeting.server_meeting_id}"
        for r in fake.requests
    )  # the fake saw the registrant arrive


def test_an_openmeetings_meeting_shows_live_after_a_poll(page, live_server, on):
    fake = FakeOpenMeetings()
    host = on("openmeetings", fake)
    meeting = meeting_schedule(
        host=host,
        topic="Room check",
        starts_at=timezone.now() + dt.timedelta(minutes=5),
        ends_at=timezone.now() + dt.timedelta(hours=1),
    )
    meeting.refresh_from_db()
    assert meeting.sync_state == SyncState.SYNCED
    fake.set_live(meeting.server_meeting_id, attendees=4)
    meetings_poll.delay()

    sign_in(page, live_server, host)
    row = page.locator(f'tr[data-meeting="{meeting.pk}"]')
    assert "Live now · 4 attending" in row.inner_text()


def test_an_openmeetings_host_presses_start_and_enters_as_moderator(page, live_server, on):
    """Start is a button (a POST) that makes the single-use moderator link when pressed."""
    fake = FakeOpenMeetings()
    host = on("openmeetings", fake)
    meeting = meeting_schedule(
        host=host,
        topic="Room check",
        starts_at=timezone.now() + dt.timedelta(minutes=5),
        ends_at=timezone.now() + dt.timedelta(hours=1),
    )
    sign_in(page, live_server, host)
    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")
    assert not fake.hashes  # showing the page made nothing
    page.get_by_role("button", name="Start", exact=True).click()
    page.get_by_text("Hana (moderator)").wait_for()
    [join] = fake.joins
    assert join.moderator is True


def test_an_openmeetings_visitor_gives_name_and_password_once_and_enters(page, live_server, on):
    fake = FakeOpenMeetings()
    host = on("openmeetings", fake)
    meeting = meeting_schedule(
        host=host,
        topic="Open day",
        starts_at=timezone.now() + dt.timedelta(minutes=5),
        ends_at=timezone.now() + dt.timedelta(hours=1),
        password="om-secret",
        is_published=True,
    )
    page.goto(f"{live_server.url}/p/openmeetings/meetings/{meeting.pk}/join/")
    page.get_by_label("Your name").fill("Vera Visitor")
    page.get_by_label("Meeting password").fill("om-secret")
    page.get_by_role("button", name="Join").click()
    page.get_by_text("Vera").first.wait_for()  # the server's room, not a second name page
    assert "/join/" not in page.url and [j.firstname for j in fake.joins] == ["Vera"]


def test_a_webex_host_schedules_on_webex_and_the_key_comes_back(page, live_server, on):
    fake = FakeWebex()
    host = on("webex", fake, path="/demo")
    sign_in(page, live_server, host)
    schedule_in_the_dashboard(page, "Webex all-hands")
    meeting = Meeting.objects.get(topic="Webex all-hands")
    assert meeting.sync_state == SyncState.ATTENTION

    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")
    site = f"{MeetingServer.objects.get(backend='webex').base_url}"
    # The host is signed in to Webex in this browser, as they would be.
    page.goto(f"{site}/p.php?AT=LI&WID={DEMO_USER}&TK={fake.issue_ticket(DEMO_USER)}")
    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Schedule on the meeting server").click()
    page.wait_for_url(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")

    meeting.refresh_from_db()
    assert meeting.server_meeting_id in fake.meetings and meeting.sync_state == SyncState.SYNCED
    assert meeting.server_meeting_id in page.content()
    assert (
        page.get_by_role("link", name="Join link")
        .get_attribute("href")
        .startswith(f"{site}/m.php?AT=JM")
    )


def test_a_bigbluebutton_host_starts_and_an_attendee_joins(page, chromium, live_server, on):
    """The meeting exists on the server only once the host presses Start; a visitor's Join
    enters the same meeting; when it ends, the host publishes its recording."""
    fake = FakeBigBlueButton()
    host = on("bigbluebutton", fake, path="/bigbluebutton")
    meeting = meeting_schedule(
        host=host,
        topic="Design review",
        starts_at=timezone.now() + dt.timedelta(minutes=5),
        ends_at=timezone.now() + dt.timedelta(hours=1),
        is_published=True,
    )
    meeting.refresh_from_db()
    assert meeting.sync_state == SyncState.SYNCED and not fake.meetings

    sign_in(page, live_server, host)
    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Start", exact=True).click()
    page.locator("#role").get_by_text("MODERATOR").wait_for()
    assert page.title() == "Design review" and fake.created == 1

    visitor = chromium.new_page()
    try:
        visitor.goto(f"{live_server.url}/p/{host.customer.slug}/meetings/")
        with visitor.expect_popup() as opened:
            visitor.get_by_role("link", name="Join").click()
        joining = opened.value
        joining.get_by_label("Your name").fill("Vera Visitor")
        joining.get_by_role("button", name="Join").click()
        joining.locator("#role").get_by_text("VIEWER").wait_for()
        assert "2 in the meeting" in joining.locator("#count").inner_text()
    finally:
        visitor.close()
    assert fake.created == 1  # the visitor entered the host's meeting, not a new one

    fake.set_ended(meeting.server_meeting_id)  # everyone left: the recording is processed
    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("The recording is published").wait_for()
    page.goto(f"{live_server.url}/p/{host.customer.slug}/meetings/")
    watch = page.get_by_role("link", name="Watch").get_attribute("href")
    [recording] = fake.recordings
    assert watch.endswith(f"/playback/presentation/2.3/{recording}")


# --- on every kind: schedule, edit while live as the server allows, stop after asking ------


def tm_options(fake):
    return {
        "service_company_uid": fake.partner_id,
        "integration_code": fake.integration_code,
        "admin_email": fake.admin_email,
        "admin_password": fake.admin_password,
    }


#: Per backend: its fake, the server record's options, what the host changes while the
#: meeting is live (a field label and a value), and whether the topic is locked then.
WHILE_LIVE = {
    "turbomeeting": (FakeTurboMeeting, tm_options, ("Topic", "Live review (renamed)"), False),
    "trueconf": (FakeTrueConf, None, ("Meeting password", "changed-while-live"), True),
    "openmeetings": (FakeOpenMeetings, None, ("Topic", "Live review (renamed)"), False),
}


@pytest.mark.parametrize("backend", list(WHILE_LIVE))
def test_a_host_schedules_edits_while_live_and_stops_after_confirming(
    page, live_server, on, backend
):
    make_fake, options, (label, value), topic_locked = WHILE_LIVE[backend]
    fake = make_fake()
    host = on(backend, fake, options=options(fake) if options else None)
    Host.objects.filter(pk=host.pk).update(is_administrator=True)
    sign_in(page, live_server, host)

    # Scheduling: soon, so the poller watches it.
    page.get_by_role("link", name="Schedule a meeting").click()
    start = (timezone.now() + dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    page.get_by_label("Topic").fill("Live review")
    page.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Meeting saved.").wait_for()
    meeting = Meeting.objects.get(topic="Live review")
    assert meeting.sync_state == SyncState.SYNCED

    fake.set_live(meeting.server_meeting_id, attendees=3)
    meetings_poll.delay()
    page.reload()
    assert "Live now · 3 attending" in page.locator("p", has_text="Status:").inner_text()

    # Editing while live: what the server refuses is locked, with the reason.
    page.get_by_role("link", name="Edit").click()
    assert page.get_by_label("Starts").is_disabled()  # never moved while it runs
    assert page.get_by_label("Topic").is_disabled() is topic_locked
    assert page.locator("#locked").is_visible()
    page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Changes saved.").wait_for()
    meeting.refresh_from_db()
    assert meeting.sync_state == SyncState.SYNCED and not meeting.sync_error
    if label == "Topic":
        assert meeting.topic == value
    else:
        assert meeting.password == value

    # Stopping: asked first, and the result shows at once, without waiting for a poll.
    page.get_by_role("link", name="Stop meeting…").click()
    page.get_by_role("heading", name="Stop “").wait_for()
    page.get_by_role("button", name="Stop the meeting").click()
    page.get_by_text("The meeting was stopped").wait_for()
    status = page.locator("p", has_text="Status:").inner_text()
    assert "Ended" in status and "attending" not in status
    assert page.get_by_role("link", name="Stop meeting…").count() == 0


def test_a_webex_host_not_signed_in_signs_in_there_and_comes_back_scheduled(page, live_server, on):
    """The round trip by clicking alone, with the demo Webex login `make run` offers."""
    fake = FakeWebex()
    host = on("webex", fake, path="/demo")
    sign_in(page, live_server, host)
    schedule_in_the_dashboard(page, "Webex kickoff")
    meeting = Meeting.objects.get(topic="Webex kickoff")
    page.get_by_text("Not on the meeting server yet").first.wait_for()

    page.get_by_role("button", name="Schedule on the meeting server").click()
    # Webex refused a browser not signed in; the portal shows Webex's sign-in.
    page.wait_for_url(f"{live_server.url}/dashboard/meetings/{meeting.pk}/server-sign-in/")
    page.get_by_label("Webex ID").fill(DEMO_USER)
    page.get_by_label("Webex password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in and schedule").click()
    page.wait_for_url(f"{live_server.url}/dashboard/meetings/{meeting.pk}/")
    page.get_by_text("The meeting is scheduled on Webex.").wait_for()

    meeting.refresh_from_db()
    assert meeting.server_meeting_id in fake.meetings and meeting.sync_state == SyncState.SYNCED
    assert (
        page.get_by_role("link", name="Join link")
        .get_attribute("href")
        .startswith(f"{MeetingServer.objects.get(backend='webex').base_url}/m.php?AT=JM")
    )

    # Its details are Webex's now: the form sends the host there to change them.
    page.goto(f"{live_server.url}/dashboard/meetings/{meeting.pk}/edit/")
    assert page.get_by_label("Topic").is_disabled()
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Change it on webex server").click()
    on_webex = opened.value
    on_webex.wait_for_load_state()
    assert "AT=LM, ST=SUCCESS" in on_webex.content()  # the host's meetings, signed in
    assert meeting.server_meeting_id in on_webex.content()
    on_webex.close()
