import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from conferencing.base import MeetingKind
from portal.accounts.models import SyncState
from tests.webinars.factories import QuestionFactory, RegistrationFactory, WebinarFactory
from webinars.models import Question, Registration, Webinar

pytestmark = pytest.mark.django_db


def api_for(host):
    client = APIClient()
    client.force_authenticate(host.user)
    return client


@pytest.fixture
def api(host):
    return api_for(host)


def test_create_update_cancel_through_the_services(synced_host, fake_tm, commit):
    api = api_for(synced_host)
    with commit():
        response = api.post(
            "/api/v1/webinars/",
            {
                "title": "API webinar",
                "starts_at": "2031-05-01T10:00:00+02:00",
                "ends_at": "2031-05-01T11:00:00+02:00",
                "capacity": 20,
                "status": "published",
                "description": "**Hi** <script>x</script>",
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    webinar = Webinar.objects.get(pk=body["id"])
    assert webinar.meeting.kind == MeetingKind.WEBINAR
    assert webinar.meeting.sync_state == SyncState.SYNCED
    assert body["slug"] == "api-webinar"
    assert body["page_url"] == "http://testserver/w/api-webinar/"
    assert body["register_url"] == "http://testserver/w/api-webinar/register"
    assert body["description_html"] == "<p><strong>Hi</strong> </p>"

    with commit():
        response = api.patch(f"/api/v1/webinars/{webinar.pk}/", {"title": "Renamed"}, format="json")
    assert response.status_code == 200
    assert fake_tm.meetings[webinar.meeting.server_meeting_id].topic == "Renamed"

    bad = api.patch(
        f"/api/v1/webinars/{webinar.pk}/", {"ends_at": "2031-05-01T09:00:00+02:00"}, format="json"
    )
    assert bad.status_code == 400 and "ends_at" in bad.json()["errors"]

    too_long = api.delete(f"/api/v1/webinars/{webinar.pk}/", {"message": "x" * 2001}, format="json")
    assert too_long.status_code == 400 and "message" in too_long.json()["errors"]
    webinar.refresh_from_db()
    assert webinar.cancelled_at is None

    gone = api.delete(f"/api/v1/webinars/{webinar.pk}/", {"message": "Moved."}, format="json")
    assert gone.status_code == 204
    webinar.refresh_from_db()
    assert webinar.cancelled_at is not None and Webinar.objects.filter(pk=webinar.pk).exists()
    assert api.get(f"/api/v1/webinars/{webinar.pk}/").json()["cancellation_message"] == "Moved."


def test_list_is_the_hosts_own_with_counts_and_constant_queries(api, host):
    mine = WebinarFactory(host=host)
    QuestionFactory(webinar=mine)
    RegistrationFactory.create_batch(2, webinar=mine)
    WebinarFactory()  # another host's

    def listed(n):
        WebinarFactory.create_batch(n, host=host)
        with CaptureQueriesContext(connection) as queries:
            results = api.get("/api/v1/webinars/").json()["results"]
        return len(queries), results

    two, _ = listed(2)
    twenty, results = listed(18)
    assert two == twenty
    assert len(results) == 21
    first = next(r for r in results if r["id"] == mine.pk)
    assert first["counts"] == {"confirmed": 2, "pending": 0, "waiting": 0}
    assert len(first["questions"]) == 1


def test_questions(api, webinar):
    url = f"/api/v1/webinars/{webinar.pk}/questions/"
    role = api.post(
        url, {"label": "Role", "kind": "single_choice", "choices": ["Dev", "Ops"]}, format="json"
    ).json()
    assert role["field_name"] == f"q_{role['id']}" and role["choices"] == ["Dev", "Ops"]
    stack = api.post(
        url,
        {
            "label": "Stack",
            "kind": "short_text",
            "depends_on": role["id"],
            "depends_on_value": "Dev",
        },
        format="json",
    )
    assert stack.status_code == 201, stack.json()
    bad = api.post(url, {"label": "X", "kind": "single_choice"}, format="json")
    assert bad.status_code == 400 and "choices" in bad.json()["errors"]
    RegistrationFactory(webinar=webinar, answers={str(role["id"]): "Dev"})
    assert api.delete(f"{url}{role['id']}/").status_code == 204
    assert Question.objects.get(pk=role["id"]).archived_at is not None
    assert [q["label"] for q in api.get(url).json()["results"]] == ["Stack"]


def test_registrations(api, webinar, commit, mailoutbox):
    role = QuestionFactory(
        webinar=webinar,
        answer_type=Question.AnswerType.SINGLE_CHOICE,
        choices="Dev\nOps",
        required=True,
    )
    url = f"/api/v1/webinars/{webinar.pk}/registrations/"
    person = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}
    missing = api.post(url, person, format="json")
    assert missing.status_code == 400 and role.field_name in missing.json()["errors"]
    with commit():
        created = api.post(url, person | {"answers": {str(role.pk): "Ops"}}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "confirmed" and created.json()["channel"] == "api"
    assert len(mailoutbox) == 1
    again = api.post(
        url,
        person | {"email": "GRACE@example.com", "answers": {str(role.pk): "Ops"}},
        format="json",
    )
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]

    pk = created.json()["id"]
    RegistrationFactory(webinar=webinar, last_name="Zed", status=Registration.Status.PENDING)
    assert [r["last_name"] for r in api.get(url, {"status": "pending"}).json()["results"]] == [
        "Zed"
    ]
    assert [r["email"] for r in api.get(url, {"search": "hopper"}).json()["results"]] == [
        "grace@example.com"
    ]

    with commit():
        rejected = api.post(f"{url}{pk}/reject/", {"message": "No"}, format="json")
    assert rejected.json()["status"] == "rejected" and rejected.json()["rejection_message"] == "No"
    assert api.post(f"{url}{pk}/approve/").json()["status"] == "confirmed"
    assert api.post(f"{url}{pk}/resend-confirmation/").status_code == 202
    assert api.post(f"{url}{pk}/cancel/").json()["status"] == "cancelled"
    refused = api.post(f"{url}{pk}/resend-confirmation/")
    assert refused.status_code == 400 and "reason" in refused.json()


def test_other_hosts_webinars_are_not_found(api):
    other = WebinarFactory()
    assert api.get(f"/api/v1/webinars/{other.pk}/").status_code == 404
    assert api.get(f"/api/v1/webinars/{other.pk}/registrations/").status_code == 404
    assert api.post(f"/api/v1/webinars/{other.pk}/questions/", {"label": "x"}).status_code == 404


def test_in_the_schema(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in (
        "/api/v1/webinars/",
        "/api/v1/webinars/{id}/",
        "/api/v1/webinars/{webinar_pk}/questions/",
        "/api/v1/webinars/{webinar_pk}/registrations/",
        "/api/v1/webinars/{webinar_pk}/registrations/{id}/approve/",
        "/api/v1/webinars/{webinar_pk}/registrations/{id}/reject/",
        "/api/v1/webinars/{webinar_pk}/registrations/{id}/cancel/",
        "/w/{slug}/register",
    ):
        assert path in paths


def test_an_unknown_status_filter_is_a_400(host):
    webinar = WebinarFactory(host=host, customer=host.customer)
    api = api_for(host)
    url = f"/api/v1/webinars/{webinar.pk}/registrations/"
    assert api.get(url, {"status": "confirmed"}).status_code == 200
    refused = api.get(url, {"status": "AAA"})
    assert refused.status_code == 400 and "status" in refused.json()["errors"]
    assert refused.json()["code"] == "invalid"


def test_a_search_with_a_nul_is_a_400_with_a_reason(host):
    """PostgreSQL cannot compare text holding NUL: it was a 500."""
    webinar = WebinarFactory(host=host, customer=host.customer)
    RegistrationFactory(webinar=webinar)
    refused = api_for(host).get(f"/api/v1/webinars/{webinar.pk}/registrations/?search=a%00b")
    assert refused.status_code == 400
    assert refused.json()["errors"]["search"] == ["Null characters are not allowed."]
