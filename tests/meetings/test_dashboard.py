import datetime as dt
import zoneinfo

import pytest
from defusedxml import ElementTree
from django.test import Client
from django.utils import timezone

from meetings.models import LiveState, Meeting, MeetingSample
from portal.accounts.models import MeetingServer, SyncState
from portal.accounts.services import customer_create, customer_push, server_save
from tests.factories import HostFactory, MeetingFactory

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def host(fake_tm):
    customer = customer_create(
        name="Stark", contact_email="it@stark.example", time_zone="Europe/Berlin"
    )
    customer = customer_push(customer_id=customer.pk)
    return HostFactory(customer=customer, is_administrator=True)


@pytest.fixture
def signed_in(client, host):
    """Django's test client, signed in as the host (tests/browser drives a real browser)."""
    client.force_login(host.user)
    return client


def test_sign_in_page_and_redirects(client, host):
    assert client.get("/dashboard/").url.startswith("/dashboard/login/")
    page = client.get("/dashboard/login/")
    assert page.status_code == 200 and b"Forgot your password?" in page.content
    assert page["X-Frame-Options"] == "DENY"
    response = client.post(
        "/dashboard/login/", {"username": host.user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 302 and response.url == "/dashboard/"
    assert client.get("/dashboard/password_reset/").status_code == 200


def test_a_wrong_sign_in_speaks_of_the_email_the_form_asks_for(client, host):
    response = client.post("/dashboard/login/", {"username": host.user.email, "password": "no"})
    page = response.content.decode()
    assert response.status_code == 200 and '<label for="id_username">Email</label>' in page
    assert "Please enter a correct email address and password." in page
    for attribute in (
        'name="username"',
        'id="id_username"',
        'for="id_username"',
        'autocomplete="username"',
    ):
        page = page.replace(attribute, "")
    assert "username" not in page


def test_schedule_in_the_customers_time_zone(
    signed_in, host, fake_tm, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            "/dashboard/meetings/new/",
            {
                "kind": "0",
                "topic": "Board meeting",
                "starts_at": "2031-03-10T09:00",
                "ends_at": "2031-03-10T10:30",
                "password": "pw-1234",
                "is_published": "on",
                "call_number": "+49 30 123",
                "access_code_is_meeting_id": "on",
            },
        )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.starts_at == dt.datetime(2031, 3, 10, 9, 0, tzinfo=BERLIN)
    assert meeting.sync_state == SyncState.SYNCED
    assert fake_tm.meetings[meeting.server_meeting_id].password == "pw-1234"

    page = signed_in.get(response.url).content.decode()
    assert "Board meeting" in page
    assert "Monday, 10 March 2031, 09:00–10:30 (Europe/Berlin)" in page
    assert f"Meeting ID: {meeting.server_meeting_id}" in page
    assert f"Access code: {meeting.server_meeting_id}" in page
    assert "Stop meeting" not in page  # offered only while it is live


def test_form_errors_are_shown_and_nothing_is_saved(signed_in):
    response = signed_in.post(
        "/dashboard/meetings/new/",
        {
            "kind": "0",
            "topic": "",
            "starts_at": "2031-03-10T10:00",
            "ends_at": "2031-03-10T09:00",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "topic" in errors and "ends_at" in errors
    assert not Meeting.objects.exists()


def test_server_down_shows_the_meeting_as_not_yet_on_the_server(
    signed_in, host, fake_tm, django_capture_on_commit_callbacks
):
    fake_tm.mode = "down"
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            "/dashboard/meetings/new/",
            {"kind": "0", "topic": "Kept", "is_recurring": "on"},
        )
    page = signed_in.get(response.url).content.decode()
    assert "Not yet on the server" in page and "Retry now" in page
    fake_tm.mode = "ok"
    meeting = Meeting.objects.get()
    retried = signed_in.post(
        f"/dashboard/meetings/{meeting.pk}/retry/", follow=True
    ).content.decode()
    assert "The meeting is on the meeting server." in retried


def test_edit_sends_the_new_details_under_the_same_id(
    signed_in, host, fake_tm, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(host=host, server_meeting_id="", sync_state=SyncState.PENDING)
    from meetings.services import meeting_push

    meeting = meeting_push(meeting_id=meeting.pk)
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(
            f"/dashboard/meetings/{meeting.pk}/edit/",
            {"kind": "3", "topic": "Renamed", "is_recurring": "on"},
        )
    meeting.refresh_from_db()
    assert list(fake_tm.meetings) == [meeting.server_meeting_id]
    on_server = fake_tm.meetings[meeting.server_meeting_id]
    assert (on_server.topic, on_server.meeting_type, on_server.is_recurring) == ("Renamed", 3, True)


def test_command_files(signed_in, host):
    meeting = MeetingFactory(host=host)
    meeting.password = "secret-pw"
    meeting.save()
    host_file = signed_in.get(f"/dashboard/meetings/{meeting.pk}/launch-host.xml")
    assert host_file["Content-Disposition"].startswith("attachment")
    root = ElementTree.fromstring(host_file.content)
    assert root.findtext("Action") == "Host" and root.findtext("Email") == host.user.email
    assert root.findtext("StartAtMinimized") == "N"
    # A scheduled meeting's host file starts that meeting, as 000's sample does.
    assert root.findtext("MeetingId") == meeting.server_meeting_id
    assert root.findtext("ServerPort") == "80"  # the fake's port is none of 80, 443, 8889
    join_file = ElementTree.fromstring(
        signed_in.get(f"/dashboard/meetings/{meeting.pk}/launch-join.xml").content
    )
    assert join_file.findtext("MeetingId") == meeting.server_meeting_id
    assert join_file.findtext("MeetingPassword") == "secret-pw"
    assert signed_in.get(f"/dashboard/meetings/{meeting.pk}/launch-other.xml").status_code == 404
    meeting.cancelled_at = timezone.now()
    meeting.save()
    assert signed_in.get(f"/dashboard/meetings/{meeting.pk}/launch-host.xml").status_code == 404


def test_stop_is_for_administrators_and_reports_the_server(signed_in, host, fake_tm):
    meeting = MeetingFactory(host=host, server_meeting_id="", sync_state=SyncState.PENDING)
    from meetings.services import meeting_push

    meeting = meeting_push(meeting_id=meeting.pk)
    fake_tm.set_live(meeting.server_meeting_id, attendees=3)
    page = signed_in.post(f"/dashboard/meetings/{meeting.pk}/stop/", follow=True).content.decode()
    assert "The meeting was stopped" in page
    assert fake_tm.meetings[meeting.server_meeting_id].ended_at is not None
    stop_calls = [r for r in fake_tm.requests if r.path.endswith("stop_meeting")]
    assert stop_calls[0].method == "POST" and "password" not in stop_calls[0].path

    host.is_administrator = False
    host.save()
    page = signed_in.post(f"/dashboard/meetings/{meeting.pk}/stop/", follow=True).content.decode()
    assert "Only administrators" in page


def test_stop_is_offered_only_while_live_and_a_cancelled_meeting_says_so(signed_in, host):
    host.is_administrator = True
    host.save()
    meeting = MeetingFactory(host=host)
    page = signed_in.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert 'Status: <span class="live state-scheduled">Scheduled' in page
    assert "Stop meeting" not in page
    Meeting.objects.filter(pk=meeting.pk).update(live_state=LiveState.LIVE, attendees=4)
    page = signed_in.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert "Stop meeting" in page and "4 attending" in page
    Meeting.objects.filter(pk=meeting.pk).update(
        live_state=LiveState.SCHEDULED, cancelled_at=timezone.now()
    )
    page = signed_in.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert "Cancelled" in page and "Scheduled" not in page and "Stop meeting" not in page


def test_cancel_asks_first_then_removes_it_from_the_servers_list(signed_in, host):
    meeting = MeetingFactory(host=host, topic="Quarterly review")
    detail = signed_in.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert f'href="/dashboard/meetings/{meeting.pk}/cancel/">Cancel meeting…</a>' in detail
    asked = signed_in.get(f"/dashboard/meetings/{meeting.pk}/cancel/").content.decode()
    assert "Cancel “Quarterly review”?" in asked and "Keep it" in asked
    meeting.refresh_from_db()
    assert meeting.cancelled_at is None  # asking changes nothing
    response = signed_in.post(f"/dashboard/meetings/{meeting.pk}/cancel/")
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.cancelled_at is not None
    from meetings.selectors import scheduled_meetings

    assert not scheduled_meetings(host).exists()
    # Once cancelled, the question is moot: back to the meeting's page.
    assert signed_in.get(f"/dashboard/meetings/{meeting.pk}/cancel/").status_code == 302


def test_cancelling_mentions_desktop_files_only_where_the_server_has_them(signed_in, host):
    meeting = MeetingFactory(host=host)
    asked = signed_in.get(f"/dashboard/meetings/{meeting.pk}/cancel/").content.decode()
    assert "its desktop files stop working" in asked  # TurboMeeting has command files
    host.customer.server = server_save(
        server=MeetingServer(), backend="openmeetings", name="OM", base_url="http://om.example"
    )
    host.customer.save()
    asked = signed_in.get(f"/dashboard/meetings/{meeting.pk}/cancel/").content.decode()
    assert "Cancel “" in asked and "desktop files" not in asked


def test_cancelling_a_live_meeting_says_who_is_in_it(signed_in, host):
    meeting = MeetingFactory(host=host, live_state=LiveState.LIVE, attendees=7)
    asked = signed_in.get(f"/dashboard/meetings/{meeting.pk}/cancel/").content.decode()
    assert "<strong>It is live now, with 7 people in it.</strong>" in asked
    assert "Stop meeting" in asked  # an administrator can end it for everyone instead
    Meeting.objects.filter(pk=meeting.pk).update(attendees=1)
    asked = signed_in.get(f"/dashboard/meetings/{meeting.pk}/cancel/").content.decode()
    assert "live now, with 1 person in it" in asked
    Meeting.objects.filter(pk=meeting.pk).update(live_state=LiveState.SCHEDULED, attendees=0)
    assert (
        "live now"
        not in signed_in.get(f"/dashboard/meetings/{meeting.pk}/cancel/").content.decode()
    )


def test_a_cancelled_meeting_no_longer_says_published(signed_in, host):
    meeting = MeetingFactory(host=host, is_published=True)
    assert "· published" in signed_in.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    signed_in.post(f"/dashboard/meetings/{meeting.pk}/cancel/", follow=True)  # its message read
    page = signed_in.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert "Cancelled on" in page and "published" not in page


def test_other_hosts_meetings_are_not_found(signed_in):
    other = MeetingFactory()
    assert signed_in.get(f"/dashboard/meetings/{other.pk}/").status_code == 404
    assert signed_in.post(f"/dashboard/meetings/{other.pk}/cancel/").status_code == 404


def test_writes_need_a_csrf_token(host):
    client = Client(enforce_csrf_checks=True)
    client.force_login(host.user)
    meeting = MeetingFactory(host=host)
    assert client.post(f"/dashboard/meetings/{meeting.pk}/cancel/").status_code == 403


def test_staff_without_a_host_account(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/dashboard/")
    assert response.status_code == 403 and b"No host account" in response.content


def test_join_goes_to_the_server(signed_in, settings):
    response = signed_in.post(
        "/dashboard/join/", {"meeting_id": "123 456", "name": "Bo", "password": ""}
    )
    assert response.status_code == 302
    assert response.url.startswith(
        settings.TM_SERVER_URL + "/as/wapi/goto_downloader?role=attendee"
    )
    assert "meeting_id=123456" in response.url
    bad = signed_in.post("/dashboard/join/", {"meeting_id": "abc", "name": ""})
    assert bad.status_code == 200 and bad.context["join_form"].errors


def test_list_shows_live_state_with_constant_queries(
    signed_in, host, django_assert_max_num_queries
):
    def page_queries(n):
        MeetingFactory.create_batch(n, host=host, live_state=LiveState.LIVE, attendees=7)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get("/dashboard/").status_code == 200
            assert signed_in.get("/dashboard/status.json").status_code == 200
        return len(queries)

    assert page_queries(2) == page_queries(20)
    data = signed_in.get("/dashboard/status.json").json()
    assert len(data) == 22
    assert {v["label"] for v in data.values()} == {"Live now"}
    assert "7 attending" in signed_in.get("/dashboard/").content.decode()


def test_attendance_chart_from_samples(signed_in, host):
    meeting = MeetingFactory(host=host)
    start = timezone.now()
    MeetingSample.objects.bulk_create(
        MeetingSample(
            meeting=meeting, taken_at=start + dt.timedelta(minutes=i), active=True, attendees=a
        )
        for i, a in enumerate([1, 4, 9, 3])
    )
    page = signed_in.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert "<polyline" in page and "Peak 9 attending" in page
    # Its axes: 0 to the peak, the first poll's time to the last one's, in the customer's zone.
    zone = zoneinfo.ZoneInfo(host.customer.time_zone)
    first, last = start.astimezone(zone), (start + dt.timedelta(minutes=3)).astimezone(zone)
    assert '<div class="chart-y" aria-hidden="true"><span>9</span>' in page
    assert f"<span>{first:%H:%M}</span><span>time ({host.customer.time_zone})</span>" in page
    assert f"<span>{last:%H:%M}</span></div>" in page


def test_edit_shows_what_the_server_holds_when_it_differs(signed_in, host, fake_tm):
    from meetings.services import meeting_push

    meeting = meeting_push(
        meeting_id=MeetingFactory(host=host, server_meeting_id="", sync_state=SyncState.PENDING).pk
    )
    page = signed_in.get(f"/dashboard/meetings/{meeting.pk}/edit/").content.decode()
    assert 'id="drift"' not in page

    fake_tm.meetings[meeting.server_meeting_id].topic = "Changed on the server"
    page = signed_in.get(f"/dashboard/meetings/{meeting.pk}/edit/").content.decode()
    assert "The meeting server holds different details." in page
    assert "Changed on the server" in page

    fake_tm.mode = "down"
    page = signed_in.get(f"/dashboard/meetings/{meeting.pk}/edit/").content.decode()
    assert "Could not compare with the meeting server" in page


def test_publishing_urls_and_iframe_snippet(signed_in, host, settings):
    settings.SITE_URL = "https://portal.example"
    page = signed_in.get("/dashboard/").content.decode()
    slug = host.customer.slug
    assert f"https://portal.example/p/{slug}/meetings/" in page
    assert f"webcal://portal.example/p/{slug}/meetings.ics" in page
    assert "&lt;iframe src=&quot;https://portal.example/p/" in page  # escaped, to copy


def test_a_change_on_its_way_is_not_called_a_meeting_missing_from_the_server(signed_in, host):
    """A meeting the server holds, with a change not sent yet: the list and its page say a
    change is on its way, not that the meeting is not on the server."""
    meeting = MeetingFactory(host=host, topic="Weekly", server_meeting_id="123456")
    Meeting.objects.filter(pk=meeting.pk).update(sync_state=SyncState.PENDING)
    home = signed_in.get("/dashboard/").content.decode()
    assert ">change not yet on the server<" in home
    assert ">not yet on the server<" not in home
    page = signed_in.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert "Sending your change to the meeting server" in page
    assert "Scheduling on the meeting server…" not in page
    new = MeetingFactory(host=host, topic="New")
    Meeting.objects.filter(pk=new.pk).update(sync_state=SyncState.PENDING, server_meeting_id="")
    assert ">not yet on the server<" in signed_in.get("/dashboard/").content.decode()
