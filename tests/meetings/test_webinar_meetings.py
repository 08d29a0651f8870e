"""A webinar's meeting is changed only through its webinar, so the two never drift apart."""

import pytest
from rest_framework.test import APIClient

from meetings.models import Meeting
from tests.webinars.factories import WebinarFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def webinar():
    return WebinarFactory(title="Launch day")


def test_the_list_labels_it_and_its_page_links_to_the_webinar(client, webinar):
    client.force_login(webinar.host.user)
    listed = client.get("/dashboard/").content.decode()
    assert '<span class="tag">webinar</span>' in listed
    page = client.get(f"/dashboard/meetings/{webinar.meeting.pk}/").content.decode()
    assert f'href="/dashboard/webinars/{webinar.pk}/"' in page
    assert "Cancel meeting" not in page and f"/meetings/{webinar.meeting.pk}/edit/" not in page


def test_editing_or_cancelling_it_from_the_meetings_pages_leads_to_the_webinar(client, webinar):
    client.force_login(webinar.host.user)
    meeting = webinar.meeting
    edit = client.get(f"/dashboard/meetings/{meeting.pk}/edit/")
    assert edit.status_code == 302 and edit["Location"] == f"/dashboard/webinars/{webinar.pk}/"
    cancel = client.post(f"/dashboard/meetings/{meeting.pk}/cancel/", follow=True)
    assert "on the webinar&#x27;s page" in cancel.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).cancelled_at is None


def test_the_api_refuses_with_the_way_to_change_it(webinar):
    api = APIClient()
    api.force_authenticate(webinar.host.user)
    meeting = webinar.meeting
    patched = api.patch(f"/api/v1/meetings/{meeting.pk}/", {"topic": "Drift"}, format="json")
    assert patched.status_code == 400
    assert f"/api/v1/webinars/{webinar.pk}/" in patched.json()["errors"]["non_field_errors"][0]
    assert api.delete(f"/api/v1/meetings/{meeting.pk}/").status_code == 400
    meeting.refresh_from_db()
    assert meeting.topic != "Drift" and meeting.cancelled_at is None


def test_an_ordinary_meeting_is_not_labelled(client):
    from tests.factories import MeetingFactory

    meeting = MeetingFactory()
    client.force_login(meeting.host.user)
    assert '<span class="tag">webinar</span>' not in client.get("/dashboard/").content.decode()
