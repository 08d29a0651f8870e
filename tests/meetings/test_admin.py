"""Staff see a meeting's state in the admin, read-only: what its host reads and the raw
detail of what the meeting server said."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from meetings.services import meeting_schedule
from portal.accounts.services import customer_create, customer_push
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed_meeting(fake_tm, django_capture_on_commit_callbacks):
    customer = customer_push(
        customer_id=customer_create(name="Hooli", contact_email="it@hooli.example").pk
    )
    host = HostFactory(customer=customer, user__email="ann@hooli.example")
    fake_tm.mode = "down"
    start = timezone.now() + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meeting_schedule(
            host=host, topic="Roadmap", starts_at=start, ends_at=start + dt.timedelta(hours=1)
        )
    meeting.refresh_from_db()
    return meeting


def test_staff_see_the_raw_detail_beside_the_hosts_sentence(admin_client, failed_meeting):
    listed = admin_client.get("/admin/meetings/meeting/").content.decode()
    assert "Roadmap" in listed and "Hooli" in listed and "ann@hooli.example" in listed
    assert "not yet on the server" in listed and "Scheduled" in listed  # sync, live state

    page = admin_client.get(f"/admin/meetings/meeting/{failed_meeting.pk}/change/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "The meeting server is not answering right now." in text  # the host's sentence
    assert "ServerUnavailable" in text and "HTTP 503" in text  # what the server said
    assert 'name="topic"' not in text  # read-only: hosts change meetings, and the push follows


def test_the_admin_neither_adds_changes_nor_deletes_meetings(admin_client, failed_meeting):
    assert admin_client.get("/admin/meetings/meeting/add/").status_code == 403
    url = f"/admin/meetings/meeting/{failed_meeting.pk}/"
    assert admin_client.post(f"{url}change/", {"topic": "Other"}).status_code == 403
    assert admin_client.get(f"{url}delete/").status_code == 403
    failed_meeting.refresh_from_db()
    assert failed_meeting.topic == "Roadmap"


def test_a_push_that_succeeds_clears_the_raw_detail(fake_tm, failed_meeting):
    from meetings.services import meeting_push

    fake_tm.mode = "ok"
    pushed = meeting_push(meeting_id=failed_meeting.pk)
    assert pushed.sync_error == "" and pushed.sync_detail == ""
