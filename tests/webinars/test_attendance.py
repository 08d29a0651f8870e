"""Attendance per webinar and per meeting: who registered, who pressed Join on their
personal link and when, what the meeting server reported; on the pages and exported."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
import requests
from django.utils import timezone
from openpyxl import load_workbook

from meetings.models import MeetingSample
from meetings.selectors import Attendance, attendance, attendance_by_meeting
from portal.exports.models import ExportJob
from tests.factories import HostFactory, MeetingFactory, UserFactory
from tests.meetings.test_join_links import om, om_meeting  # noqa: F401  (fixtures)
from tests.webinars.factories import RegistrationFactory, WebinarFactory
from tests.webinars.test_api import api_for
from webinars.mail import personal_join_url
from webinars.models import Registration

pytestmark = pytest.mark.django_db

S = Registration.Status
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
START = dt.datetime(2031, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def samples(meeting, *attendees: int, every: int = 30, start=START) -> None:
    MeetingSample.objects.bulk_create(
        MeetingSample(
            meeting=meeting,
            taken_at=start + dt.timedelta(seconds=every * n),
            active=count > 0,
            attendees=count,
        )
        for n, count in enumerate(attendees)
    )


def sheet(content: bytes) -> list[dict]:
    header, *rows = load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_pressing_join_on_a_personal_link_is_recorded(client, om, om_meeting, settings):  # noqa: F811
    settings.SITE_URL = "http://localhost:8000"
    webinar = WebinarFactory(host=om_meeting.host, meeting=om_meeting)
    rita = RegistrationFactory(webinar=webinar, status=S.CONFIRMED, first_name="Rita")
    other = RegistrationFactory(webinar=webinar, status=S.CONFIRMED)
    path = personal_join_url(rita).removeprefix("http://localhost:8000")

    assert client.get(path).status_code == 200  # a visit (or a mail scanner) is not a join
    rita.refresh_from_db()
    assert (rita.join_count, rita.first_joined_at) == (0, None)

    before = timezone.now()
    joined = client.post(path, {"name": "Rita Registrant"})
    assert joined.status_code == 303
    assert requests.get(joined["Location"], timeout=5).status_code == 200
    rita.refresh_from_db()
    assert rita.join_count == 1 and rita.first_joined_at == rita.last_joined_at >= before
    first = rita.first_joined_at

    client.post(path, {"name": "Rita Registrant"})  # she comes back
    rita.refresh_from_db()
    assert rita.join_count == 2
    assert rita.first_joined_at == first and rita.last_joined_at >= first
    other.refresh_from_db()
    assert other.join_count == 0 and other.first_joined_at is None

    # A link that is not a registration's (the public join page) records nothing.
    from meetings import launch

    public = launch.join_page(om_meeting).removeprefix("http://localhost:8000")
    client.post(public, {"name": "Vera Visitor"})
    assert sorted(Registration.objects.values_list("join_count", flat=True)) == [0, 2]


def test_a_server_that_refuses_the_join_records_nothing(client, om, om_meeting, settings):  # noqa: F811
    settings.SITE_URL = "http://localhost:8000"
    webinar = WebinarFactory(host=om_meeting.host, meeting=om_meeting)
    rita = RegistrationFactory(webinar=webinar, status=S.CONFIRMED)
    path = personal_join_url(rita).removeprefix("http://localhost:8000")
    om.mode = "down"
    assert client.post(path, {"name": "Rita"}).status_code == 503
    rita.refresh_from_db()
    assert rita.join_count == 0 and rita.last_joined_at is None


def test_peak_and_minutes_come_from_the_samples():
    meeting, idle, gap = MeetingFactory(), MeetingFactory(), MeetingFactory()
    # 0 then 3, 5, 2 attending at 30 s intervals, then empty: 3 intervals of 30 s with people.
    samples(meeting, 0, 3, 5, 2, 0, 0)
    samples(idle, 0, 0, 0)
    # Seen with 4 at 09:00, then not polled for an hour: counts at most 5 minutes.
    samples(gap, 4, every=3600)
    samples(gap, 4, 0, start=START + dt.timedelta(hours=1))
    seen = attendance_by_meeting([meeting.pk, idle.pk, gap.pk, MeetingFactory().pk])
    assert seen == {
        meeting.pk: Attendance(peak=5, minutes=2),  # 90 s, rounded
        idle.pk: Attendance(peak=None, minutes=0),
        gap.pk: Attendance(peak=4, minutes=5 + 1),  # 300 s capped, then 30 s
    }
    assert attendance(MeetingFactory()) == Attendance(None, 0)


def test_the_webinar_page_shows_the_attendance(signed_in, webinar):
    ada = RegistrationFactory(
        webinar=webinar,
        status=S.CONFIRMED,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@math.example",
        first_joined_at=START,
        last_joined_at=START + dt.timedelta(minutes=7),
        join_count=2,
    )
    RegistrationFactory(webinar=webinar, status=S.CONFIRMED, email="bo@math.example")
    RegistrationFactory(webinar=webinar, status=S.WAITLISTED, waitlisted_at=timezone.now())
    RegistrationFactory(webinar=webinar, status=S.CANCELLED)
    samples(webinar.meeting, 0, 3, 5, 2, 0)

    page = signed_in.get(f"/dashboard/webinars/{webinar.pk}/").content.decode()

    assert '<section id="attendance">' in page
    assert "2 registered" in page and "1 waiting" in page and "1 cancelled" in page
    assert "People who pressed Join on their personal link: 1" in page
    assert "at most 5 attending, and someone attending for 2 minutes" in page
    assert ada.email in page and "bo@math.example" not in page  # only those who joined
    assert f'action="/dashboard/exports/attendance/{webinar.pk}/"' in page


def test_the_meeting_page_shows_peak_and_minutes(signed_in, host):
    meeting = MeetingFactory(host=host)
    samples(meeting, 0, 4, 6, 0)
    page = signed_in.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert "at most 6 attending, and someone attending for 1 minutes" in page


def test_the_attendance_exports_to_xlsx_through_a_job(signed_in, webinar, commit):
    RegistrationFactory(
        webinar=webinar,
        status=S.CONFIRMED,
        email="ada@math.example",
        created_at=START - dt.timedelta(days=3),
        first_joined_at=START,
        last_joined_at=START + dt.timedelta(minutes=7),
        join_count=2,
    )
    RegistrationFactory(
        webinar=webinar, status=S.CANCELLED, email="bo@math.example", created_at=START
    )
    with commit():
        response = signed_in.post(
            f"/dashboard/exports/attendance/{webinar.pk}/", {"format": "xlsx"}
        )
    job = ExportJob.objects.get()
    assert response.url == f"/dashboard/exports/{job.uid}/"
    assert (job.exporter, job.target, job.status) == ("attendance", webinar, "done")
    file = signed_in.get(f"/dashboard/exports/{job.uid}/download/")
    assert file["Content-Type"] == XLSX
    assert f"attendance-{webinar.slug}-" in file["Content-Disposition"]
    zone = webinar.customer.time_zone
    ada, bo = sheet(b"".join(file.streaming_content))
    assert ada["Email"] == "ada@math.example" and ada["Status"] == "Registered"
    local = START.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
    assert ada[f"First joined ({zone})"] == local
    assert ada[f"Last joined ({zone})"] == local + dt.timedelta(minutes=7)
    assert ada["Joins"] == 2
    assert (bo["Status"], bo[f"First joined ({zone})"], bo["Joins"]) == ("Cancelled", None, 0)


def test_the_api_exports_the_attendance(host, webinar, commit):
    RegistrationFactory(webinar=webinar, status=S.CONFIRMED, join_count=1, first_joined_at=START)
    api = api_for(host)
    with commit():
        response = api.post(
            f"/api/v1/webinars/{webinar.pk}/registrations/export/",
            {"format": "csv", "exporter": "attendance"},
            format="json",
        )
    assert response.status_code == 202, response.json()
    assert response.json()["exporter"] == "attendance"
    job = api.get(response.json()["status_url"]).json()
    file = api.get(job["download_url"])
    text = b"".join(file.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].endswith(",Joins") and text.splitlines()[1].endswith(",1")
    bad = api.post(
        f"/api/v1/webinars/{webinar.pk}/registrations/export/",
        {"format": "csv", "exporter": "meetings"},
        format="json",
    )
    assert bad.status_code == 400


def test_a_customers_meetings_export_for_its_administrator_only(client, host, commit):
    host.is_administrator = True
    host.save()
    customer = host.customer
    busy = MeetingFactory(host=host, topic="=Busy", starts_at=START)
    MeetingFactory(host=HostFactory(customer=customer), topic="Quiet", starts_at=START)
    MeetingFactory(topic="Someone else's")  # another customer
    samples(busy, 0, 3, 5, 0)

    client.force_login(host.user)
    home = client.get("/dashboard/").content.decode()
    start = f"/dashboard/exports/meetings/{customer.pk}/"
    assert f'action="{start}"' in home
    with commit():
        response = client.post(start, {"format": "xlsx"})
    job = ExportJob.objects.get()
    assert (job.exporter, job.target, job.status) == ("meetings", customer, "done")
    download = f"/dashboard/exports/{job.uid}/download/"
    rows = sheet(b"".join(client.get(download).streaming_content))
    assert [(r["Topic"], r["Peak attending"], r["Minutes attended"]) for r in rows] == [
        ("=Busy", 5, 1),  # as typed (the cell is quote-prefixed, never a formula)
        ("Quiet", None, 0),
    ]
    assert client.get(response.url).status_code == 200

    plain = HostFactory(customer=customer)  # not an administrator
    client.force_login(plain.user)
    assert f'action="{start}"' not in client.get("/dashboard/").content.decode()
    assert client.post(start, {"format": "csv"}).status_code == 404
    assert client.get(download).status_code == 404
    client.force_login(UserFactory(is_staff=True))  # staff without the permission
    assert client.get(download).status_code == 404
