"""A customer on Webex: the host schedules in their own browser and Webex sends them back.

The browser is played by ``requests`` against the fake Webex site (real HTTP,
its login cookie kept), and the portal by the test client.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.core.exceptions import ValidationError
from django.utils import timezone

from conferencing.fakes.server import serve
from conferencing.fakes.webex import DEMO_PASSWORD, DEMO_USER, FakeWebex
from meetings import services
from meetings.models import Meeting
from portal.accounts.models import MeetingServer, SyncState
from tests.factories import CustomerFactory, HostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def webex():
    fake = FakeWebex()
    with serve(fake) as running:
        fake.base_url = fake.site_url(running.url)
        yield fake


@pytest.fixture
def host(webex):
    server = MeetingServer.objects.create(backend="webex", name="Webex", base_url=webex.base_url)
    return HostFactory(customer=CustomerFactory(server=server))


@pytest.fixture
def meeting(host, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = services.meeting_schedule(
            host=host,
            topic="Board call",
            starts_at=timezone.now() + dt.timedelta(days=1),
            ends_at=timezone.now() + dt.timedelta(days=1, hours=1),
        )
    made.refresh_from_db()
    return made


def follow_to_the_portal(session: requests.Session, url: str) -> str:
    """The browser follows Webex's redirects until one leads back to the portal."""
    for _ in range(5):
        response = session.get(url, allow_redirects=False, timeout=5)
        url = response.headers.get("Location", "")
        if url.startswith("http://testserver/"):
            return url.removeprefix("http://testserver")
    raise AssertionError(f"Webex never sent the browser back (last answer {response.status_code})")


def test_a_new_meeting_asks_the_host_to_schedule_it_on_webex(client, host, meeting):
    """The expected next step, in words: not a red "needs attention", nor "Scheduled"."""
    assert meeting.sync_state == SyncState.ATTENTION
    assert meeting.sync_error.startswith("Not on the meeting server yet: schedule it there")
    client.force_login(host.user)
    page = client.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert "Schedule on the meeting server" in page
    assert "Not on the meeting server yet" in page
    assert "Needs attention" not in page and "sync-attention" not in page
    assert "<span>Scheduled</span>" not in page
    assert "Stop meeting" not in page and "desktop app" not in page
    home = client.get("/dashboard/").content.decode()
    assert "Not on the meeting server yet" in home and "Needs attention" not in home


def test_a_host_not_signed_in_to_webex_signs_in_there_and_comes_back_scheduled(
    client, host, meeting, webex, django_capture_on_commit_callbacks
):
    """Webex refuses a browser not signed in (AccessDenied): the portal sends the host
    through Webex's own sign-in (AT=LI), which goes on to schedule and comes back."""
    client.force_login(host.user)
    to_webex = client.post(f"/dashboard/meetings/{meeting.pk}/schedule-on-server/")
    browser = requests.Session()  # not signed in to Webex
    back = follow_to_the_portal(browser, to_webex["Location"])
    refused = client.get(back)
    assert refused["Location"] == f"/dashboard/meetings/{meeting.pk}/server-sign-in/"

    page = client.get(refused["Location"]).content.decode()
    action = re.search(r'<form method="post" action="([^"]+)" id="server-sign-in">', page)[1]
    assert action == f"{webex.base_url}/p.php"  # straight to Webex: the portal sees no password
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    fields = {name: html.unescape(value) for name, value in fields.items()}
    assert fields["AT"] == "LI" and fields["MU"].startswith(f"{webex.base_url}/m.php?")
    assert 'name="WID"' in page and 'name="PW" type="password"' in page

    signed_in = browser.post(
        action, data=fields | {"WID": DEMO_USER, "PW": DEMO_PASSWORD}, allow_redirects=False
    )
    back = follow_to_the_portal(browser, signed_in.headers["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(back)
    meeting.refresh_from_db()
    assert meeting.server_meeting_id in webex.meetings and meeting.sync_state == SyncState.SYNCED


def test_a_wrong_webex_password_comes_back_to_the_sign_in_with_the_reason(
    client, host, meeting, webex
):
    client.force_login(host.user)
    page = client.get(f"/dashboard/meetings/{meeting.pk}/server-sign-in/").content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page))
    fields = {name: html.unescape(value) for name, value in fields.items()}
    browser = requests.Session()
    refused = browser.post(
        f"{webex.base_url}/p.php",
        data=fields | {"WID": DEMO_USER, "PW": "wrong"},
        allow_redirects=False,
    )
    back = refused.headers["Location"].removeprefix("http://testserver")
    again = client.get(back, follow=True)
    assert again.redirect_chain[-1][0] == f"/dashboard/meetings/{meeting.pk}/server-sign-in/"
    assert "did not accept that Webex ID or password" in again.content.decode()


def test_webex_offers_only_what_it_can_do(client, host, meeting, webex):
    """No recurring meetings; once on Webex, topic and time are read-only with the reason;
    no "could not compare" on every edit page; not in the feeds until it is on Webex."""
    client.force_login(host.user)
    new = client.get("/dashboard/meetings/new/")
    assert "is_recurring" not in new.context["form"].fields
    assert 'href="/dashboard/webinars/"' not in new.content.decode()  # no webinars on Webex
    refused = client.get("/dashboard/webinars/new/", follow=True)
    assert "cannot hold webinars" in refused.content.decode()
    assert "New webinar" not in refused.content.decode()
    with pytest.raises(ValidationError):
        services.meeting_schedule(host=host, topic="Weekly", is_recurring=True)

    edit = client.get(f"/dashboard/meetings/{meeting.pk}/edit/").content.decode()
    assert "Could not compare" not in edit

    meeting.is_published = True
    meeting.save()
    feed = client.get(f"/p/{host.customer.slug}/meetings.json").json()
    assert feed["meetings"] == []  # nothing to join until it is on Webex

    meeting.server_meeting_id = "123456789"
    meeting.save()
    form = client.get(f"/dashboard/meetings/{meeting.pk}/edit/").context["form"]
    assert form.fields["topic"].disabled and form.fields["starts_at"].disabled
    assert "change it on the meeting server" in form.fields["topic"].help_text
    assert not form.fields["is_published"].disabled
    [listed] = client.get(f"/p/{host.customer.slug}/meetings.json").json()["meetings"]
    assert listed["meeting_id"] == "123456789"


def test_scheduling_on_webex_brings_the_meeting_key_back(
    client, host, meeting, webex, django_capture_on_commit_callbacks
):
    client.force_login(host.user)
    to_webex = client.post(f"/dashboard/meetings/{meeting.pk}/schedule-on-server/")
    assert to_webex.status_code == 302
    assert to_webex["Location"].startswith(f"{webex.base_url}/m.php?")
    assert dict(parse_qsl(urlsplit(to_webex["Location"]).query))["MN"] == "Board call"

    browser = requests.Session()
    ticket = webex.issue_ticket(DEMO_USER)
    browser.get(f"{webex.base_url}/p.php?AT=LI&WID={DEMO_USER}&TK={ticket}", timeout=5)
    back = follow_to_the_portal(browser, to_webex["Location"])
    assert back.startswith(f"/dashboard/meetings/{meeting.pk}/server-answer/?")

    with django_capture_on_commit_callbacks(execute=True):
        answered = client.get(back, follow=True)
    meeting.refresh_from_db()
    assert meeting.server_meeting_id.isdigit() and meeting.server_meeting_id in webex.meetings
    assert meeting.sync_state == SyncState.SYNCED
    page = answered.content.decode()
    assert f"{webex.base_url}/m.php?AT=JM" in page.replace("&amp;", "&")  # the join link


def test_the_locked_fields_send_the_host_to_change_the_meeting_on_webex(
    client, host, meeting, webex, django_capture_on_commit_callbacks
):
    """The URL API documents no edit command (seed 002, VENDORS.md): the read-only fields
    come with a link to the host's meetings on Webex (AT=LM), where they change it."""
    browser = requests.Session()
    ticket = webex.issue_ticket(DEMO_USER)
    browser.get(f"{webex.base_url}/p.php?AT=LI&WID={DEMO_USER}&TK={ticket}", timeout=5)
    client.force_login(host.user)
    before = client.get(f"/dashboard/meetings/{meeting.pk}/edit/").content.decode()
    assert 'id="change-on-server"' not in before  # nothing on Webex yet: nothing to change
    to_webex = client.post(f"/dashboard/meetings/{meeting.pk}/schedule-on-server/")
    with django_capture_on_commit_callbacks(execute=True):
        client.get(follow_to_the_portal(browser, to_webex["Location"]))
    meeting.refresh_from_db()

    edit = client.get(f"/dashboard/meetings/{meeting.pk}/edit/").content.decode()
    link = re.search(r'<a class="button secondary" id="change-on-server" href="([^"]+)"', edit)
    assert link and "Change it on Webex" in edit
    assert "does not come back to the portal" in edit
    url = html.unescape(link[1])
    assert url == f"{webex.base_url}/m.php?AT=LM"
    on_webex = browser.get(url, timeout=5)  # the host's signed-in browser
    assert on_webex.status_code == 200 and "ST=SUCCESS" in on_webex.text
    assert meeting.server_meeting_id in on_webex.text
    assert "ST=FAIL" in requests.get(url, timeout=5).text  # Webex asks others to sign in


def test_a_refusal_is_told_in_words_and_the_meeting_still_needs_scheduling(
    client, host, meeting, webex
):
    client.force_login(host.user)
    to_webex = client.post(f"/dashboard/meetings/{meeting.pk}/schedule-on-server/")
    back = follow_to_the_portal(requests.Session(), to_webex["Location"])  # not signed in

    page = client.get(back, follow=True).content.decode()
    assert "sign in to Webex as the meeting" in page
    meeting.refresh_from_db()
    assert meeting.sync_state == SyncState.ATTENTION and not meeting.server_meeting_id


def test_a_forged_answer_changes_nothing(client, host, meeting):
    client.force_login(host.user)
    page = client.get(
        f"/dashboard/meetings/{meeting.pk}/server-answer/?AT=SM&ST=SUCCESS&MK=123456789",
        follow=True,
    ).content.decode()
    assert "not one this page asked for" in page  # no state signed for this host
    client.get(f"/dashboard/meetings/{meeting.pk}/server-answer/?AT=SM&ST=SUCCESS&MK=<script>")
    assert not Meeting.objects.get(pk=meeting.pk).server_meeting_id


def test_an_answer_counts_once_and_only_for_the_host_it_was_made_for(client, host, meeting, webex):
    from django.core import signing

    from meetings.dashboard.on_server import SERVER_ANSWER_SALT
    from tests.factories import HostFactory

    other = HostFactory(customer=host.customer)
    state = signing.dumps({"m": meeting.pk, "u": other.user.pk}, salt=SERVER_ANSWER_SALT)
    client.force_login(host.user)
    client.get(
        f"/dashboard/meetings/{meeting.pk}/server-answer/",
        {"state": state, "AT": "SM", "ST": "SUCCESS", "MK": "123456789"},
    )
    assert not Meeting.objects.get(pk=meeting.pk).server_meeting_id  # another host's state

    mine = signing.dumps({"m": meeting.pk, "u": host.user.pk}, salt=SERVER_ANSWER_SALT)
    answer = {"state": mine, "AT": "SM", "ST": "SUCCESS", "MK": "123456789"}
    client.get(f"/dashboard/meetings/{meeting.pk}/server-answer/", answer)
    assert Meeting.objects.get(pk=meeting.pk).server_meeting_id == "123456789"
    client.get(f"/dashboard/meetings/{meeting.pk}/server-answer/", answer | {"MK": "987654321"})
    assert Meeting.objects.get(pk=meeting.pk).server_meeting_id == "123456789"  # not again


def test_a_meeting_webex_cannot_hold_is_refused_in_words(client, host, meeting):
    meeting.is_recurring, meeting.starts_at, meeting.ends_at = True, None, None
    meeting.save()
    client.force_login(host.user)
    page = client.post(f"/dashboard/meetings/{meeting.pk}/schedule-on-server/", follow=True)
    assert "This meeting server cannot do that." in page.content.decode()
    assert "the Webex URL API" not in page.content.decode()  # the raw detail: log and admin


def test_feeds_leave_out_what_webex_cannot_report(client, host, webex):
    from lxml import etree

    from tests.factories import MeetingFactory
    from tests.meetings.test_feeds import XSD

    host.customer.slug = "umbrella"
    host.customer.save()
    MeetingFactory(host=host, is_published=True, server_meeting_id="123456789")

    [listed] = client.get("/p/umbrella/meetings.json").json()["meetings"]
    assert listed["is_live"] is None and listed["attendees"] is None
    assert listed["join_url"].startswith(f"{webex.base_url}/m.php?AT=JM")

    document = etree.fromstring(client.get("/p/umbrella/meetings.xml").content)
    etree.XMLSchema(etree.parse(str(XSD))).assertValid(document)
    assert not document.xpath("//*[local-name()='is_live' or local-name()='attendees']")


def test_only_the_kinds_webex_can_hold_are_offered_and_accepted(client, host):
    from rest_framework.test import APIClient

    client.force_login(host.user)
    form = client.get("/dashboard/meetings/new/").content.decode()
    assert '<option value="0" selected>Meeting</option>' in form
    assert "Webinar</option>" not in form and "Support session</option>" not in form

    api = APIClient()
    api.force_authenticate(host.user)
    start = timezone.now() + dt.timedelta(days=1)
    response = api.post(
        "/api/v1/meetings/",
        {
            "topic": "A webinar",
            "meeting_type": 3,
            "starts_at": start.isoformat(),
            "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["meeting_type"] == [
        "This customer's meeting server cannot hold a webinar."
    ]


def test_a_webex_meeting_on_the_server_cannot_drift_by_an_edit(client, host):
    from tests.factories import MeetingFactory

    start = timezone.now() + dt.timedelta(days=1)
    meeting = MeetingFactory(
        host=host, topic="Board call", server_meeting_id="123456789", starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        services.meeting_update(meeting=meeting, topic="Moved", starts_at=meeting.starts_at)
    assert set(refused.value.message_dict) == {"topic"}
    services.meeting_update(meeting=meeting, is_published=True)  # the portal's own: fine
    assert Meeting.objects.get(pk=meeting.pk).topic == "Board call"
