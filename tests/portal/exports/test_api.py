"""Export jobs of every registered exporter through /api/v1/exports/ (Celery eager here)."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from portal.exports.models import ExportJob
from tests.factories import HostFactory, MeetingFactory, UserFactory
from tests.webinars.factories import RegistrationFactory, WebinarFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2031, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (queueing the job, eager here) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def admin_host(db):
    host = HostFactory(is_administrator=True)
    MeetingFactory(host=host, topic="Busy", starts_at=START)
    MeetingFactory(host=HostFactory(customer=host.customer), topic="Quiet", starts_at=START)
    MeetingFactory(topic="Someone else's")  # another customer
    return host


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def staff_with(*codenames: str):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def start(api, **fields):
    return api.post("/api/v1/exports/", fields, format="json")


@pytest.mark.parametrize("who", ["administrator", "staff"])
def test_a_customers_meetings_export_through_the_api(who, admin_host, commit):
    customer = admin_host.customer
    user = admin_host.user if who == "administrator" else staff_with("view_meeting")
    api = api_for(user)
    with commit():
        response = start(api, exporter="meetings", object_id=customer.pk, format="csv")
    assert response.status_code == 202, response.json()
    job = ExportJob.objects.get()
    status_url = f"http://testserver/api/v1/exports/{job.uid}/"
    assert response["Location"] == status_url
    assert response.json()["status_url"] == status_url
    assert response.json()["exporter"] == "meetings"
    assert response.json()["object_id"] == customer.pk

    polled = api.get(status_url)
    assert polled.status_code == 200
    report = polled.json()
    assert report["status"] == "done" and report["percent"] == 100
    assert (report["rows_done"], report["rows_total"]) == (2, 2)
    assert report["download_url"] == f"{status_url}download/"

    file = api.get(report["download_url"])
    assert file.status_code == 200 and file["Content-Type"].startswith("text/csv")
    assert f"meetings-{customer.slug}-" in file["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body(file).decode("utf-8-sig"))))
    assert sorted(row["Topic"] for row in rows) == ["Busy", "Quiet"]


def test_the_api_download_is_the_dashboards_file(admin_host, client, commit):
    with commit():
        response = start(
            api_for(admin_host.user),
            exporter="meetings",
            object_id=admin_host.customer.pk,
            format="xlsx",
        )
    job = ExportJob.objects.get()
    api = api_for(admin_host.user)
    api_file = api.get(api.get(response.json()["status_url"]).json()["download_url"])
    assert api_file.status_code == 200
    client.force_login(admin_host.user)
    page_file = client.get(f"/dashboard/exports/{job.uid}/download/")
    assert body(api_file) == body(page_file)
    for header in ("Content-Type", "Content-Disposition", "Cache-Control"):
        assert api_file[header] == page_file[header]


def test_who_may_not_see_a_job_or_its_object_gets_404(admin_host, commit):
    customer = admin_host.customer
    with commit():
        response = start(
            api_for(admin_host.user), exporter="meetings", object_id=customer.pk, format="csv"
        )
    status_url = response.json()["status_url"]

    outsiders = [
        HostFactory(is_administrator=True).user,  # another customer's administrator
        HostFactory(customer=customer).user,  # the customer's host, not an administrator
        staff_with("view_registration"),  # staff without the meetings permission
    ]
    for user in outsiders:
        api = api_for(user)
        refused = start(api, exporter="meetings", object_id=customer.pk, format="csv")
        assert refused.status_code == 404
        assert refused.json()["code"] == "not_found"
        assert api.get(status_url).status_code == 404
        assert api.get(f"{status_url}download/").status_code == 404
    assert ExportJob.objects.count() == 1
    # An object that does not exist answers as one the caller may not see.
    missing = start(api_for(admin_host.user), exporter="meetings", object_id=10**9, format="csv")
    assert missing.status_code == 404
    assert APIClient().get(status_url).status_code in (401, 403)


def test_unknown_exporters_formats_and_ids_are_400_with_a_reason(admin_host):
    api = api_for(admin_host.user)
    customer = admin_host.customer.pk
    cases = [
        ({"exporter": "invoices", "object_id": customer, "format": "csv"}, "exporter"),
        ({"exporter": "meetings", "object_id": customer, "format": "pdf"}, "format"),
        ({"exporter": "meetings", "object_id": "one", "format": "csv"}, "object_id"),
        ({"exporter": "meetings", "object_id": 2**63, "format": "csv"}, "object_id"),
        ({"exporter": "meetings", "format": "csv"}, "object_id"),
    ]
    for fields, field in cases:
        response = start(api, **fields)
        assert response.status_code == 400, fields
        assert response.json()["code"] == "invalid" and response.json()["reason"]
        assert list(response.json()["errors"]) == [field]
    assert not ExportJob.objects.exists()


def test_a_webinar_export_through_the_generic_api(commit):
    webinar = WebinarFactory()
    RegistrationFactory(webinar=webinar, last_name="Curie")
    api = api_for(webinar.host.user)
    with commit():
        response = start(api, exporter="attendance", object_id=webinar.pk, format="csv")
    assert response.status_code == 202, response.json()
    job = api.get(response.json()["status_url"]).json()
    text = body(api.get(job["download_url"])).decode("utf-8-sig")
    assert "Curie" in text
    # Its job is reported by the webinar's export endpoint as well.
    legacy = api.get(f"/api/v1/webinars/{webinar.pk}/exports/{job['id']}/")
    assert legacy.status_code == 200 and legacy.json()["status"] == "done"


def test_the_export_endpoints_are_in_the_schema(admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths, components = schema.json()["paths"], schema.json()["components"]["schemas"]
    create = paths["/api/v1/exports/"]["post"]
    assert set(create["responses"]) >= {"202", "400", "401", "403", "404", "415"}
    invalid = create["responses"]["400"]["content"]["application/json"]["schema"]
    assert invalid == {"$ref": "#/components/schemas/InvalidRequestError"}
    request = components["ExportStartRequest"]
    assert set(request["required"]) == {"exporter", "object_id", "format"}
    exporters = request["properties"]["exporter"]["allOf"][0]["$ref"].rsplit("/", 1)[1]
    enum = components[exporters]["enum"]
    assert {"meetings", "registrations", "attendance"} <= set(enum)
    assert "download_url" in components["ExportJob"]["properties"]
    detail = paths["/api/v1/exports/{uid}/"]["get"]
    uid = next(p for p in detail["parameters"] if p["name"] == "uid")
    assert uid["schema"] == {"type": "string", "format": "uuid"}
    assert "404" in detail["responses"]
    download = paths["/api/v1/exports/{uid}/download/"]["get"]
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx in download["responses"]["200"]["content"]
