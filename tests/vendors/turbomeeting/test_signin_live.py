"""The meeting server's side of the callbacks, against a live portal over real HTTP."""

import datetime as dt

import pytest
from django.utils import timezone

from meetings.services import meeting_push, meeting_schedule
from portal.accounts.services import customer_create, customer_push, host_create
from vendors.turbomeeting.models import QueryToken

pytestmark = pytest.mark.django_db(transaction=True)


def test_fake_server_signs_in_lists_meetings_and_the_url_expires(fake_tm, live_server, settings):
    settings.PORTAL_URL = live_server.url
    fake_tm.portal_auth_url = live_server.url + "/tm/auth"
    customer = customer_create(name="Live Co", contact_email="it@live.example")
    customer_push(customer_id=customer.pk)
    host = host_create(
        customer=customer, email="live@live.example", password="a long password", first_name="Liv"
    )
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=1)
    meeting = meeting_schedule(
        host=host, topic="Launch review", starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    meeting = meeting_push(meeting_id=meeting.pk)
    assert meeting.server_meeting_id in fake_tm.meetings

    signed_in = fake_tm.sign_in("live@live.example", "a long password")

    assert signed_in.auth.ok, signed_in.auth.reason
    assert signed_in.auth.fields["FirstName"] == "Liv"
    assert signed_in.query_url.startswith(live_server.url + "/tm/meetings/")
    assert [m["MeetingId"] for m in signed_in.meetings.meetings] == [meeting.server_meeting_id]
    assert signed_in.meetings.meetings[0]["MeetingTopic"] == "Launch review"

    assert not fake_tm.sign_in("live@live.example", "wrong").auth.ok

    QueryToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    again = fake_tm.query_meetings(signed_in.query_url)
    assert again.status == "FAILED"
