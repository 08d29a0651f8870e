"""A meeting another app manages says so itself (``managed_by``), and a personal join
link asks the app that handed it out (``launch.join_link_used``): meetings names no app."""

import pytest
from rest_framework.test import APIClient

from meetings import launch
from meetings.models import Meeting
from meetings.services import meeting_manage
from tests.factories import HostFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def managed():
    meeting = MeetingFactory(topic="Spring course")
    return meeting_manage(
        meeting=meeting, by="course", page="/courses/7/", api="/api/v1/courses/7/"
    )


def test_a_managed_meeting_sends_its_host_to_what_manages_it(client, managed):
    client.force_login(managed.host.user)
    assert '<span class="tag">course</span>' in client.get("/dashboard/").content.decode()
    page = client.get(f"/dashboard/meetings/{managed.pk}/").content.decode()
    assert 'href="/courses/7/"' in page and "Cancel meeting" not in page
    edit = client.get(f"/dashboard/meetings/{managed.pk}/edit/")
    assert edit.status_code == 302 and edit["Location"] == "/courses/7/"
    api = APIClient()
    api.force_authenticate(managed.host.user)
    refused = api.delete(f"/api/v1/meetings/{managed.pk}/")
    assert refused.status_code == 400 and "/api/v1/courses/7/" in str(refused.json())
    assert Meeting.objects.get(pk=managed.pk).cancelled_at is None


def test_the_webinar_marks_its_meeting_when_it_is_created():
    from webinars.services.webinars import webinar_create

    webinar = webinar_create(
        host=HostFactory(),
        title="Launch",
        starts_at=MeetingFactory.build().starts_at,
        ends_at=MeetingFactory.build().ends_at,
    )
    meeting = Meeting.objects.get(pk=webinar.meeting_id)
    assert (meeting.managed_by, meeting.managed_page, meeting.managed_api) == (
        "webinar",
        f"/dashboard/webinars/{webinar.pk}/",
        f"/api/v1/webinars/{webinar.pk}/",
    )


def test_a_personal_join_link_is_refused_when_a_receiver_says_so():
    def only_paid(sender, *, external_id, **kwargs):
        return external_id == "ticket-paid" if external_id.startswith("ticket-") else None

    launch.join_link_used.connect(only_paid)
    try:
        assert launch.may_still_join("ticket-paid")
        assert not launch.may_still_join("ticket-unpaid")
        assert launch.may_still_join("visitor-1")  # nobody's: anyone's
    finally:
        launch.join_link_used.disconnect(only_paid)
