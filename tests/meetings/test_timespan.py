"""A meeting longer than a day shows its end date, wherever its time is shown."""

import datetime as dt
import zoneinfo

import pytest

from meetings import launch
from meetings.timespan import timespan
from tests.factories import CustomerFactory, HostFactory, MeetingFactory

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
START = dt.datetime(2030, 12, 20, 10, tzinfo=BERLIN)


def test_one_day_shows_one_date():
    assert timespan(START, START + dt.timedelta(hours=1), BERLIN) == (
        "Fri 20 Dec 2030, 10:00–11:00 CET"
    )


def test_a_week_shows_both_dates():
    assert timespan(START, START + dt.timedelta(days=7), BERLIN, zone_name=False) == (
        "Fri 20 Dec 2030, 10:00 – Fri 27 Dec 2030, 10:00"
    )
    assert timespan(START, START + dt.timedelta(days=7), BERLIN, long=True) == (
        "Friday, 20 December 2030, 10:00 CET – Friday, 27 December 2030, 10:00 CET"
    )


@pytest.mark.django_db
def test_the_list_the_page_and_the_invitation_show_the_end_date(client):
    host = HostFactory(customer=CustomerFactory(time_zone="Europe/Berlin"))
    meeting = MeetingFactory(
        host=host, topic="Trade fair", starts_at=START, ends_at=START + dt.timedelta(days=7)
    )
    client.force_login(host.user)
    listed = client.get("/dashboard/").content.decode()
    assert "Fri 20 Dec 2030, 10:00 – Fri 27 Dec 2030, 10:00" in listed
    page = client.get(f"/dashboard/meetings/{meeting.pk}/").content.decode()
    assert "Friday, 20 December 2030, 10:00 – Friday, 27 December 2030, 10:00" in page
    assert "Friday, 27 December 2030, 10:00 (Europe/Berlin)" in launch.invitation(meeting)
