import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conferencing.base import MeetingKind
from meetings import services
from meetings.models import Meeting
from portal.accounts.models import SyncState
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(fake_tm):
    from portal.accounts.services import customer_create, customer_push

    customer = customer_create(name="Hooli", contact_email="it@hooli.example")
    customer_push(customer_id=customer.pk)
    return HostFactory(customer=customer)


def schedule(capture, host, **overrides):
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(days=2)
    data = {"topic": "Roadmap", "starts_at": start, "ends_at": start + dt.timedelta(minutes=90)}
    with capture(execute=True):
        meeting = services.meeting_schedule(host=host, **(data | overrides))
    meeting.refresh_from_db()
    return meeting


def test_schedule_reserves_an_id_and_sends_the_details(
    fake_tm, host, django_capture_on_commit_callbacks
):
    meeting = schedule(django_capture_on_commit_callbacks, host, kind=MeetingKind.WEBINAR)
    assert meeting.sync_state == SyncState.SYNCED, meeting.sync_error
    on_server = fake_tm.meetings[meeting.server_meeting_id]
    assert on_server.topic == "Roadmap"
    assert on_server.meeting_type == 3
    assert on_server.start == meeting.starts_at and on_server.end == meeting.ends_at


def test_server_down_keeps_the_meeting_and_schedules_it_once_later(
    fake_tm, host, django_capture_on_commit_callbacks
):
    fake_tm.mode = "down"
    meeting = schedule(django_capture_on_commit_callbacks, host)
    assert meeting.sync_state == SyncState.PENDING and meeting.server_meeting_id == ""
    assert "not answering right now" in meeting.sync_error

    fake_tm.mode = "ok"
    Meeting.objects.filter(pk=meeting.pk).update(next_sync_at=timezone.now())
    assert services.meetings_push_due() == 1
    meeting.refresh_from_db()
    assert meeting.sync_state == SyncState.SYNCED
    services.meeting_push(meeting_id=meeting.pk)
    assert list(fake_tm.meetings) == [meeting.server_meeting_id]


def test_recurring_meetings_have_no_times(fake_tm, host, django_capture_on_commit_callbacks):
    meeting = schedule(
        django_capture_on_commit_callbacks, host, starts_at=None, ends_at=None, is_recurring=True
    )
    assert meeting.sync_state == SyncState.SYNCED, meeting.sync_error
    with pytest.raises(ValidationError):
        schedule(django_capture_on_commit_callbacks, host, is_recurring=True)


def test_end_before_start_is_refused_before_saving(host):
    start = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.meeting_schedule(host=host, topic="x", starts_at=start, ends_at=start)
    assert "ends_at" in error.value.message_dict
    assert not Meeting.objects.exists()


def test_password_and_audio_reach_the_server_but_not_the_database_in_clear(
    fake_tm, host, django_capture_on_commit_callbacks
):
    host.customer.refresh_from_db()
    host.customer.default_call_number = "+1 800 555 0199"
    host.customer.default_access_code_is_meeting_id = True
    host.customer.save()
    meeting = schedule(django_capture_on_commit_callbacks, host, password="m33ting-pw")
    on_server = fake_tm.meetings[meeting.server_meeting_id]
    assert on_server.password == "m33ting-pw"
    assert on_server.call_number == "+1 800 555 0199"
    assert on_server.attendee_access_code == meeting.server_meeting_id
    assert "m33ting-pw" not in meeting.password_encrypted
    assert Meeting.objects.get(pk=meeting.pk).password == "m33ting-pw"
    sent = [r for r in fake_tm.requests if r.path.endswith("schedule_meeting")]
    assert sent and all(r.method == "POST" for r in sent)

    overridden = schedule(
        django_capture_on_commit_callbacks,
        host,
        call_number="+49 30 555",
        attendee_access_code="4711",
        access_code_is_meeting_id=False,
    )
    on_server = fake_tm.meetings[overridden.server_meeting_id]
    assert (on_server.call_number, on_server.attendee_access_code) == ("+49 30 555", "4711")


def test_old_status_samples_are_pruned(settings):
    from meetings.models import MeetingSample
    from meetings.tasks import samples_prune
    from tests.factories import MeetingFactory

    meeting = MeetingFactory()
    now = timezone.now()
    for age in (1, 89, 91, 400):
        MeetingSample.objects.create(
            meeting=meeting, taken_at=now - dt.timedelta(days=age), active=True, attendees=1
        )
    settings.SAMPLE_RETENTION_DAYS = 90
    samples_prune.delay()
    assert sorted((now - s.taken_at).days for s in MeetingSample.objects.all()) == [1, 89]


def test_a_start_in_the_past_is_refused_for_a_new_meeting(host):
    yesterday = timezone.now() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        services.meeting_schedule(
            host=host,
            topic="Too late",
            starts_at=yesterday,
            ends_at=yesterday + dt.timedelta(hours=1),
        )
    assert refused.value.message_dict == {
        "starts_at": ["This start is in the past. Choose a time from now on."]
    }
    assert not Meeting.objects.exists()
    just_now = timezone.now() - dt.timedelta(minutes=1)  # the current minute, typed
    services.meeting_schedule(
        host=host, topic="Now", starts_at=just_now, ends_at=just_now + dt.timedelta(hours=1)
    )


def test_a_past_meeting_can_still_be_renamed_but_not_moved_into_the_past(host):
    from tests.factories import MeetingFactory

    last_week = timezone.now() - dt.timedelta(days=7)
    meeting = MeetingFactory(
        host=host, starts_at=last_week, ends_at=last_week + dt.timedelta(hours=1)
    )
    services.meeting_update(meeting=meeting, topic="Renamed", starts_at=meeting.starts_at)
    assert Meeting.objects.get(pk=meeting.pk).topic == "Renamed"
    with pytest.raises(ValidationError, match="in the past"):
        services.meeting_update(meeting=meeting, starts_at=last_week - dt.timedelta(days=1))


def test_the_dashboard_and_the_api_show_the_reason(host, client):
    from rest_framework.test import APIClient

    client.force_login(host.user)
    page = client.post(
        "/dashboard/meetings/new/",
        {
            "topic": "Too late",
            "kind": 0,
            "starts_at": "2020-01-01T10:00",
            "ends_at": "2020-01-01T11:00",
        },
    )
    html = page.content.decode()
    assert page.status_code == 200 and 'class="summary"' in html  # summarised at the top
    assert (
        '<p class="field-error" id="id_starts_at_error">Starts: This start is in the past.' in html
    )  # and under its own field, with its label
    api = APIClient()
    api.force_authenticate(host.user)
    response = api.post(
        "/api/v1/meetings/",
        {
            "topic": "Too late",
            "starts_at": "2020-01-01T10:00:00Z",
            "ends_at": "2020-01-01T11:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["starts_at"] == [
        "This start is in the past. Choose a time from now on."
    ]
