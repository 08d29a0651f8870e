import pytest
from defusedxml import ElementTree
from django.utils import timezone
from rest_framework.test import APIClient

from meetings.models import LiveState, Meeting
from portal.accounts.models import SyncState
from portal.accounts.services import customer_create, customer_push
from tests.factories import HostFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(fake_tm):
    customer = customer_push(
        customer_id=customer_create(name="Tyrell", contact_email="it@tyrell.example").pk
    )
    return HostFactory(customer=customer)


@pytest.fixture
def api(host):
    client = APIClient()
    token = client.post(
        "/api/v1/auth/token/", {"username": host.user.username, "password": "correct horse battery"}
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_create_list_update_cancel(api, host, fake_tm, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/meetings/",
            {
                "topic": "API meeting",
                "starts_at": "2031-05-01T10:00:00+02:00",
                "ends_at": "2031-05-01T11:00:00+02:00",
                "password": "pw-api",
                "is_published": True,
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert "password" not in body
    meeting = Meeting.objects.get(pk=body["id"])
    assert meeting.sync_state == SyncState.SYNCED and meeting.password == "pw-api"
    listed = api.get("/api/v1/meetings/").json()["results"]
    assert [m["id"] for m in listed] == [meeting.pk]
    assert listed[0]["join_url"].endswith("sumbit=submit") and listed[0]["server_meeting_id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(f"/api/v1/meetings/{meeting.pk}/", {"topic": "Renamed"}, format="json")
    assert response.status_code == 200
    assert fake_tm.meetings[meeting.server_meeting_id].topic == "Renamed"

    assert api.delete(f"/api/v1/meetings/{meeting.pk}/").status_code == 204
    meeting.refresh_from_db()
    assert meeting.cancelled_at is not None
    refused = api.patch(f"/api/v1/meetings/{meeting.pk}/", {"topic": "x"}, format="json")
    assert refused.status_code == 400 and refused.json()["reason"]


def test_invalid_meeting_is_a_400_with_reasons(api):
    response = api.post(
        "/api/v1/meetings/",
        {"topic": "x", "starts_at": "2031-05-01T10:00:00Z", "ends_at": "2031-05-01T09:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert "ends_at" in response.json()["errors"]
    assert not Meeting.objects.exists()


def test_status_and_command_file(api, host):
    meeting = MeetingFactory(host=host, live_state=LiveState.LIVE, attendees=5)
    status = api.get(f"/api/v1/meetings/{meeting.pk}/status/").json()
    assert (status["live_state"], status["attendees"]) == ("live", 5)
    response = api.get(f"/api/v1/meetings/{meeting.pk}/command-file/?role=join")
    assert response.status_code == 200
    assert ElementTree.fromstring(response.content).findtext("Action") == "Join"
    assert api.get(f"/api/v1/meetings/{meeting.pk}/command-file/?role=x").status_code == 400
    Meeting.objects.filter(pk=meeting.pk).update(cancelled_at=timezone.now())
    gone = api.get(f"/api/v1/meetings/{meeting.pk}/command-file/?role=join")
    assert gone.status_code == 404 and "cancelled" in gone.json()["reason"]


def test_only_the_hosts_own_meetings(api, django_user_model):
    other = MeetingFactory()
    assert api.get(f"/api/v1/meetings/{other.pk}/").status_code == 404
    nobody = APIClient()
    nobody.force_authenticate(
        django_user_model.objects.create_user("x", "x@x.example", "pw-12345678")
    )
    response = nobody.get("/api/v1/meetings/")
    assert response.status_code == 403 and "not a host" in response.json()["reason"]


def test_schema_lists_the_meeting_endpoints(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    assert {
        "/api/v1/meetings/",
        "/api/v1/meetings/{id}/status/",
        "/api/v1/meetings/{id}/command-file/",
    } <= set(paths)


def test_schema_describes_the_public_feeds_as_served(api, host, client):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    feed = schema["paths"]["/p/{slug}/meetings.json"]["get"]
    assert feed["security"] == [{}]
    described = set(schema["components"]["schemas"]["PublishedMeeting"]["properties"])

    MeetingFactory(host=host, is_published=True)
    served = client.get(f"/p/{host.customer.slug}/meetings.json").json()
    assert set(served) == set(schema["components"]["schemas"]["PublishedMeetings"]["properties"])
    assert set(served["meetings"][0]) == described
