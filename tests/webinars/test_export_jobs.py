"""Large exports as Celery jobs (eager here): the dashboard, the API, the files, the pruning."""

import datetime as dt
import io
import zoneinfo

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from portal.exports import tasks
from portal.exports.models import ExportJob
from portal.exports.services import export_start
from tests.factories import HostFactory, UserFactory
from tests.webinars.factories import QuestionFactory, RegistrationFactory
from tests.webinars.test_api import api_for
from webinars.models import Question, Registration

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WEBINAR_EXPORT_INLINE_MAX_ROWS = 2


@pytest.fixture
def answered(webinar):
    """Three registrations answering a date, a checkbox and a multiple-choice question."""
    day = QuestionFactory(webinar=webinar, label="Day", answer_type=Question.AnswerType.DATE)
    news = QuestionFactory(webinar=webinar, label="News", answer_type=Question.AnswerType.CHECKBOX)
    topics = QuestionFactory(
        webinar=webinar,
        label="Topics",
        answer_type=Question.AnswerType.MULTIPLE_CHOICE,
        choices="A\nB\nC",
    )
    created = dt.datetime(2031, 3, 1, 9, 30, tzinfo=dt.UTC)
    for n, first_name in enumerate(["Ada", "=HYPERLINK(1)", "Bo"]):
        RegistrationFactory(
            webinar=webinar,
            first_name=first_name,
            created_at=created + dt.timedelta(hours=n),
            answers={str(day.pk): "2031-05-06", str(news.pk): n != 1, str(topics.pk): ["A", "C"]},
        )
    return webinar


def workbook_rows(content: bytes) -> tuple[list, list[dict]]:
    ws = load_workbook(io.BytesIO(content)).active
    header, *rows = ws.iter_rows(values_only=True)
    return list(header), [dict(zip(header, row, strict=True)) for row in rows]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_large_webinar_exports_through_a_job_with_a_download(signed_in, answered, commit):
    page = signed_in.get(f"/dashboard/webinars/{answered.pk}/registrations/").content.decode()
    assert f'action="/dashboard/exports/registrations/{answered.pk}/"' in page
    assert f"/dashboard/webinars/{answered.pk}/registrations.xlsx" not in page
    with commit():
        response = signed_in.post(
            f"/dashboard/exports/registrations/{answered.pk}/", {"format": "xlsx"}
        )
    export = ExportJob.objects.get()
    assert response.status_code == 302
    assert response.url == f"/dashboard/exports/{export.uid}/"
    assert export.status == ExportJob.Status.DONE
    assert (export.rows_done, export.rows_total) == (3, 3)
    assert export.file.name.startswith("exports/") and export.finished_at is not None
    assert export.requested_by == signed_in.get("/dashboard/").wsgi_request.user

    job = signed_in.get(response.url).content.decode()
    download = f"/dashboard/exports/{export.uid}/download/"
    assert '<progress id="export-progress" max="100" value="100">' in job
    assert f'href="{download}"' in job and "http-equiv" not in job  # finished: no refresh
    status = signed_in.get(f"/dashboard/exports/{export.uid}/status.json")
    assert status.json() | {"id": 0} == {
        "id": 0,
        "status": "done",
        "status_display": "Done",
        "state_text": "Ready: 3 rows.",
        "rows_done": 3,
        "rows_total": 3,
        "percent": 100,
        "error": "",
        "download_url": download,
    }

    file = signed_in.get(download)
    assert file.status_code == 200 and file["Content-Type"] == XLSX
    assert f"registrations-{answered.slug}-" in file["Content-Disposition"]
    assert file["Cache-Control"] == "private, no-store"
    header, rows = workbook_rows(body(file))
    assert header[-5:] == ["Day", "News", "Topics: A", "Topics: B", "Topics: C"]
    assert [row["First name"] for row in rows] == ["Ada", "=HYPERLINK(1)", "Bo"]  # as typed
    first = rows[0]
    # In the customer's zone (Berlin, UTC+1 in March), as a real date-time cell.
    assert first["Registered (Europe/Berlin)"] == dt.datetime(2031, 3, 1, 10, 30)
    assert first["Day"] == dt.datetime(2031, 5, 6)  # a date cell (openpyxl reads datetimes)
    assert [row["News"] for row in rows] == [True, False, True]
    assert [first[f"Topics: {option}"] for option in "ABC"] == [True, False, True]
    assert first["Status"] == "Registered"
    assert first["Consent"] is False


def test_csv_job_has_every_registration(signed_in, webinar, commit):
    Registration.objects.bulk_create(
        Registration(
            webinar=webinar,
            status=Registration.Status.CONFIRMED,
            first_name="P",
            last_name=str(n),
            email=f"p{n}@example.com",
        )
        for n in range(30)
    )
    with commit():
        signed_in.post(f"/dashboard/exports/registrations/{webinar.pk}/", {"format": "csv"})
    export = ExportJob.objects.get()
    download = signed_in.get(f"/dashboard/exports/{export.uid}/download/")
    text = body(download).decode("utf-8-sig")
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert text.count("@example.com") == 30 and export.rows_done == 30


def test_progress_is_recorded_while_it_runs(webinar, host, commit):
    Registration.objects.bulk_create(
        Registration(
            webinar=webinar,
            status=Registration.Status.CONFIRMED,
            first_name="P",
            last_name=str(n),
            email=f"p{n}@example.com",
        )
        for n in range(2_500)
    )
    with CaptureQueriesContext(connection) as queries, commit():
        export = export_start(exporter="registrations", target=webinar, user=host.user, fmt="csv")
        assert export.status == ExportJob.Status.QUEUED and export.rows_total == 2_500
    progress = [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "exportjob" in q["sql"]
    ]
    # running (0 of 2,500), 1,000 done (the first report is always written), then done
    assert '"rows_done" = 0' in progress[0] and "running" in progress[0]
    assert any('"rows_done" = 1000' in sql for sql in progress)
    assert len(progress) <= 4  # throttled: at most one write per 0.5 s after the first
    export.refresh_from_db()
    assert (export.status, export.rows_done, export.rows_total) == ("done", 2_500, 2_500)


def test_a_failing_export_is_recorded_with_a_reason(
    signed_in, answered, commit, settings, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the storage folder should be")
    settings.MEDIA_ROOT = blocker
    with commit():
        response = signed_in.post(
            f"/dashboard/exports/registrations/{answered.pk}/", {"format": "xlsx"}
        )
    export = ExportJob.objects.get()
    assert export.status == ExportJob.Status.FAILED
    assert "could not be written or stored" in export.error and export.finished_at
    assert not export.file
    page = signed_in.get(response.url).content.decode()
    assert "could not be written or stored" in page and "Try again" in page
    assert signed_in.get(f"{response.url}download/").status_code == 404


def test_only_the_host_or_permitted_staff_can_see_and_download(client, host, answered, commit):
    with commit():
        export = export_start(exporter="registrations", target=answered, user=host.user, fmt="csv")
    base = f"/dashboard/exports/{export.uid}/"
    urls = [base, f"{base}status.json", f"{base}download/"]
    other_host = HostFactory(customer=host.customer)  # same customer, not this webinar's host
    client.force_login(other_host.user)
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    start = f"/dashboard/exports/registrations/{answered.pk}/"
    assert client.post(start, {"format": "csv"}).status_code == 404
    client.force_login(UserFactory())  # not a host at all
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    client.logout()
    assert all(client.get(url).status_code == 302 for url in urls)  # to the sign-in page
    # Staff see it only with the permission the admin asks for registrations.
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    staff.user_permissions.add(Permission.objects.get(codename="view_registration"))
    client.force_login(staff)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    client.force_login(host.user)
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    # Jobs are named by a random id: the database's counter is not in any URL.
    assert client.get(f"/dashboard/exports/{export.pk}/").status_code == 404
    assert default_storage.exists(export.file.name)
    assert "/media/" not in client.get(base).content.decode()


def test_a_small_webinar_still_downloads_at_once(signed_in, answered, settings):
    settings.WEBINAR_EXPORT_INLINE_MAX_ROWS = 5_000
    page = signed_in.get(f"/dashboard/webinars/{answered.pk}/registrations/").content.decode()
    assert f'href="/dashboard/webinars/{answered.pk}/registrations.xlsx"' in page
    assert f'action="/dashboard/exports/registrations/{answered.pk}/"' not in page
    response = signed_in.get(f"/dashboard/webinars/{answered.pk}/registrations.xlsx")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    _, rows = workbook_rows(body(response))
    assert len(rows) == 3
    assert rows[0]["Registered (Europe/Berlin)"] == dt.datetime(2031, 3, 1, 10, 30)
    assert not ExportJob.objects.exists()

    settings.WEBINAR_EXPORT_INLINE_MAX_ROWS = 2  # too many now: a GET does not start a job
    response = signed_in.get(f"/dashboard/webinars/{answered.pk}/registrations.csv")
    assert response.status_code == 302
    assert response.url == f"/dashboard/webinars/{answered.pk}/registrations/"
    assert not ExportJob.objects.exists()


def test_the_job_page_refreshes_until_done(signed_in, host, answered):
    export = ExportJob.objects.create(
        exporter="registrations",
        target=answered,
        requested_by=host.user,
        format="xlsx",
        rows_total=3,
        rows_done=1,
    )
    page = signed_in.get(f"/dashboard/exports/{export.uid}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page  # without JavaScript
    assert '<progress id="export-progress" max="100" value="33">' in page
    assert f'data-status-url="/dashboard/exports/{export.uid}/status.json"' in page
    assert "1 of 3 rows" in page and "Reload" in page
    status = signed_in.get(f"/dashboard/exports/{export.uid}/status.json")
    assert status.json()["status"] == "queued" and status.json()["download_url"] is None
    assert status["Cache-Control"] == "no-store"


def test_api_starts_a_job_and_reports_it(host, answered, commit):
    api = api_for(host)
    with commit():
        response = api.post(
            f"/api/v1/webinars/{answered.pk}/registrations/export/",
            {"format": "xlsx"},
            format="json",
        )
    assert response.status_code == 202, response.json()
    export = ExportJob.objects.get()
    status_url = f"http://testserver/api/v1/webinars/{answered.pk}/exports/{export.uid}/"
    assert response.json()["status_url"] == status_url and response["Location"] == status_url
    assert response.json()["status"] == "queued"  # as it was when the job was recorded

    job = api.get(status_url).json()
    assert job["status"] == "done" and (job["rows_done"], job["rows_total"]) == (3, 3)
    assert job["percent"] == 100 and job["format"] == "xlsx"
    assert job["download_url"] == f"{status_url}download/"
    file = api.get(job["download_url"])
    assert file.status_code == 200 and file["Content-Type"] == XLSX
    _, rows = workbook_rows(body(file))
    assert [row["Last name"] for row in rows] == list(
        answered.registrations.order_by("created_at").values_list("last_name", flat=True)
    )

    bad = api.post(
        f"/api/v1/webinars/{answered.pk}/registrations/export/", {"format": "pdf"}, format="json"
    )
    assert bad.status_code == 400 and "format" in bad.json()["errors"]
    other = api_for(HostFactory(customer=host.customer))
    assert other.get(status_url).status_code == 404
    assert other.get(f"{status_url}download/").status_code == 404
    assert (
        other.post(
            f"/api/v1/webinars/{answered.pk}/registrations/export/", {"format": "csv"}
        ).status_code
        == 404
    )


def test_api_download_waits_for_the_job(host, answered):
    export = ExportJob.objects.create(exporter="registrations", target=answered, format="csv")
    api = api_for(host)
    url = f"/api/v1/webinars/{answered.pk}/exports/{export.uid}/"
    assert api.get(url).json()["download_url"] is None
    assert api.get(f"{url}download/").status_code == 404


def test_export_endpoints_are_in_the_schema(admin_client):
    schema = admin_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths, components = schema.json()["paths"], schema.json()["components"]["schemas"]
    start = paths["/api/v1/webinars/{webinar_pk}/registrations/export/"]["post"]
    assert "202" in start["responses"]
    assert components["ExportRequestRequest"]["required"] == ["format"]
    assert "download_url" in components["RegistrationExport"]["properties"]
    assert "get" in paths["/api/v1/webinars/{id}/exports/{export_pk}/"]
    download = paths["/api/v1/webinars/{id}/exports/{export_pk}/download/"]["get"]
    export_pk = next(p for p in download["parameters"] if p["name"] == "export_pk")
    assert export_pk["schema"] == {"type": "string", "format": "uuid"}
    assert XLSX in download["responses"]["200"]["content"]


def test_old_exports_are_pruned(host, answered, commit, settings):
    with commit():
        old = export_start(exporter="registrations", target=answered, user=host.user, fmt="csv")
        new = export_start(exporter="registrations", target=answered, user=host.user, fmt="xlsx")
    old.refresh_from_db()
    new.refresh_from_db()
    assert default_storage.exists(old.file.name) and default_storage.exists(new.file.name)
    day_ago = timezone.now() - dt.timedelta(
        hours=settings.WEBINAR_EXPORT_RETENTION_HOURS, minutes=1
    )
    ExportJob.objects.filter(pk=old.pk).update(created_at=day_ago)
    stuck = ExportJob.objects.create(
        exporter="registrations",
        target=answered,
        format="csv",
        status=ExportJob.Status.RUNNING,
        created_at=timezone.now() - dt.timedelta(hours=2),
    )

    assert tasks.exports_prune.delay().get() == 1

    assert not default_storage.exists(old.file.name)
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    assert default_storage.exists(new.file.name)
    stuck.refresh_from_db()
    assert stuck.status == ExportJob.Status.FAILED and "interrupted" in stuck.error
    assert "portal.exports.tasks.exports_prune" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
