import datetime as dt
import zoneinfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conferencing.base import MeetingKind
from meetings.models import LiveState, MeetingSample
from portal.accounts.models import SyncState
from tests.webinars.factories import QuestionFactory, RegistrationFactory, WebinarFactory
from webinars.models import Question, Registration, Webinar

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
S = Registration.Status


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def test_header_links_to_webinars(signed_in):
    page = signed_in.get("/dashboard/").content.decode()
    assert 'href="/dashboard/webinars/"' in page


def test_create_in_the_customers_time_zone(client, synced_host, fake_tm, commit):
    client.force_login(synced_host.user)
    with commit():
        response = client.post(
            "/dashboard/webinars/new/",
            {
                "title": "Spring launch",
                "status": "published",
                "description": "Hello *world*",
                "starts_at": "2031-03-10T15:00",
                "ends_at": "2031-03-10T16:00",
                "capacity": "50",
                "waiting_list": "on",
                "approval": "automatic",
            },
        )
    assert response.status_code == 302, response.context["form"].errors
    webinar = Webinar.objects.get()
    assert webinar.starts_at == dt.datetime(2031, 3, 10, 15, 0, tzinfo=BERLIN)
    assert webinar.meeting.kind == MeetingKind.WEBINAR
    assert webinar.meeting.sync_state == SyncState.SYNCED
    page = client.get(response.url).content.decode()
    assert "Monday, 10 March 2031, 15:00–16:00 (Europe/Berlin)" in page
    assert "<em>world</em>" in page
    assert f"/w/{webinar.slug}/embed/" in page and "&lt;iframe" in page
    assert response.url in client.get("/dashboard/webinars/").content.decode()


def test_form_errors(signed_in):
    response = signed_in.post(
        "/dashboard/webinars/new/",
        {"title": "", "starts_at": "2031-03-10T15:00", "ends_at": "2031-03-10T14:00"},
    )
    assert response.status_code == 200
    assert {"title", "ends_at", "status", "approval"} <= set(response.context["form"].errors)
    assert not Webinar.objects.exists()


def test_edit_keeps_registrations(signed_in, webinar):
    RegistrationFactory.create_batch(3, webinar=webinar)
    response = signed_in.get(f"/dashboard/webinars/{webinar.pk}/edit/")
    form = response.context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data |= {
        "title": "Renamed",
        "starts_at": timezone.localtime(webinar.starts_at, BERLIN).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(webinar.ends_at, BERLIN).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "1",
    }
    response = signed_in.post(f"/dashboard/webinars/{webinar.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    webinar.refresh_from_db()
    assert webinar.title == "Renamed" and webinar.capacity == 1
    assert webinar.registrations.filter(status=S.CONFIRMED).count() == 3


def test_moving_a_webinar_tells_the_host_that_registrants_are_mailed(
    signed_in, webinar, commit, mailoutbox
):
    RegistrationFactory(webinar=webinar, email="ada@example.com")
    form = signed_in.get(f"/dashboard/webinars/{webinar.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    moved = webinar.starts_at + dt.timedelta(days=1)
    data |= {
        "starts_at": timezone.localtime(moved, BERLIN).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": timezone.localtime(moved + dt.timedelta(hours=1), BERLIN).strftime(
            "%Y-%m-%dT%H:%M"
        ),
    }
    with commit():
        response = signed_in.post(f"/dashboard/webinars/{webinar.pk}/edit/", data, follow=True)
    assert "Everyone holding a seat is mailed the new time" in response.content.decode()
    assert [m.to for m in mailoutbox] == [["ada@example.com"]]

    data["title"] = "Renamed"  # not a new time: nobody is mailed, and the host is not told so
    mailoutbox.clear()
    with commit():
        response = signed_in.post(f"/dashboard/webinars/{webinar.pk}/edit/", data, follow=True)
    assert "Everyone holding a seat" not in response.content.decode() and mailoutbox == []


def test_questions_page(signed_in, webinar):
    url = f"/dashboard/webinars/{webinar.pk}/questions/"
    signed_in.post(
        url,
        {"label": "Role", "answer_type": "single_choice", "choices": "Dev\nOps", "required": "on"},
    )
    role = Question.objects.get()
    response = signed_in.post(
        url,
        {
            "label": "Stack",
            "answer_type": "short_text",
            "depends_on": role.pk,
            "depends_on_value": "Nope",
        },
    )
    assert "depends_on_value" in response.context["form"].errors
    signed_in.post(
        url,
        {
            "label": "Stack",
            "answer_type": "short_text",
            "depends_on": role.pk,
            "depends_on_value": "Dev",
        },
    )
    stack = Question.objects.get(label="Stack")
    page = signed_in.get(url).content.decode()
    assert f"<code>q_{role.pk}</code>" in page and "only if “Role” is “Dev”" in page

    moved = signed_in.post(f"{url}{stack.pk}/move/", {"direction": "up"}, follow=True)
    assert "must come after" in moved.content.decode()

    RegistrationFactory(webinar=webinar, answers={str(role.pk): "Dev"})
    signed_in.post(
        f"{url}{role.pk}/edit/",
        {"label": "Your role", "answer_type": "single_choice", "choices": "Dev\nOps\nQA"},
    )
    role.refresh_from_db()
    assert role.label == "Your role" and role.choice_list == ["Dev", "Ops", "QA"]
    removed = signed_in.post(f"{url}{role.pk}/delete/", follow=True).content.decode()
    assert "its answers are kept" in removed
    assert Question.objects.filter(pk=role.pk, archived_at__isnull=False).exists()


def test_registrations_search_filter_and_actions(signed_in, webinar, commit, mailoutbox):
    webinar.capacity = 2
    webinar.save()
    ada = RegistrationFactory(
        webinar=webinar, first_name="Ada", email="ada@math.example", organisation="Analytical"
    )
    RegistrationFactory(webinar=webinar, first_name="Alan", email="alan@bletchley.example")
    wait = RegistrationFactory(
        webinar=webinar, first_name="Kurt", status=S.WAITLISTED, waitlisted_at=timezone.now()
    )
    url = f"/dashboard/webinars/{webinar.pk}/registrations/"

    page = signed_in.get(url, {"q": "analytical"}).content.decode()
    assert "ada@math.example" in page and "alan@bletchley.example" not in page
    page = signed_in.get(url, {"status": "waitlisted"}).content.decode()
    assert "Kurt" in page and "ada@math.example" not in page
    assert "2 of 2 registered · 0 awaiting approval · 1 waiting" in page

    with commit():
        response = signed_in.post(
            f"{url}{ada.pk}/reject/", {"message": "Sorry!", "next": url + "?q=a"}
        )
    assert response.status_code == 302 and response.url == url + "?q=a"
    assert Registration.objects.get(pk=ada.pk).status == S.REJECTED
    assert Registration.objects.get(pk=wait.pk).status == S.CONFIRMED  # promoted
    assert {m.to[0]: m.subject.split(":")[0] for m in mailoutbox} == {
        ada.email: "Your registration for Rocket science 101",
        wait.email: "You are registered",
    }
    mailoutbox.clear()
    with commit():
        signed_in.post(f"{url}{wait.pk}/resend/")
        page = signed_in.post(f"{url}{ada.pk}/approve/", follow=True).content.decode()
    assert "No seat is free" in page
    assert len(mailoutbox) == 1
    signed_in.post(f"{url}{wait.pk}/cancel/", {"next": "https://evil.example/"})
    assert Registration.objects.get(pk=wait.pk).status == S.CANCELLED
    assert signed_in.post(f"{url}{wait.pk}/explode/").status_code == 404
    assert signed_in.get(f"{url}{wait.pk}/cancel/").status_code == 405


def test_counts_attendance_and_chart(signed_in, webinar):
    start = timezone.now() - dt.timedelta(days=3)
    for day, status in enumerate([S.CONFIRMED, S.CONFIRMED, S.PENDING, S.WAITLISTED]):
        RegistrationFactory(
            webinar=webinar, status=status, created_at=start + dt.timedelta(days=day)
        )
    page = signed_in.get(f"/dashboard/webinars/{webinar.pk}/").content.decode()
    assert "<polyline" in page and "2 registered" in page
    assert "reported by the meeting server once live" in page

    meeting = webinar.meeting
    meeting.live_state, meeting.attendees = LiveState.LIVE, 5
    meeting.save()
    MeetingSample.objects.create(meeting=meeting, taken_at=timezone.now(), active=True, attendees=7)
    page = signed_in.get(f"/dashboard/webinars/{webinar.pk}/").content.decode()
    assert "<h2>7</h2><p>attended · 5 attending now" in page


def test_lists_run_a_constant_number_of_queries(signed_in, host):
    webinar = WebinarFactory(host=host)
    question = QuestionFactory(webinar=webinar, answer_type=Question.AnswerType.CHECKBOX)

    def pages():
        assert signed_in.get("/dashboard/webinars/").status_code == 200
        assert signed_in.get(f"/dashboard/webinars/{webinar.pk}/").status_code == 200
        assert signed_in.get(f"/dashboard/webinars/{webinar.pk}/registrations/").status_code == 200

    def grow(n):
        WebinarFactory.create_batch(n, host=host)
        RegistrationFactory.create_batch(n, webinar=webinar, answers={str(question.pk): True})

    grow(2)
    two = count_queries(pages)
    grow(18)
    assert count_queries(pages) == two


def test_custom_page_recipe(signed_in, webinar):
    role = QuestionFactory(
        webinar=webinar,
        label="Role <b>",
        answer_type=Question.AnswerType.SINGLE_CHOICE,
        choices="Dev\nOps",
    )
    webinar.consent_text = "I agree"
    webinar.save()
    page = signed_in.get(f"/dashboard/webinars/{webinar.pk}/custom-page/").content.decode()
    assert f"action=&quot;http://testserver/w/{webinar.slug}/register&quot;" in page
    for name in (
        "first_name",
        "last_name",
        "email",
        "organisation",
        "phone",
        role.field_name,
        "consent",
        "website",
        "success_url",
    ):
        assert f"<code>{name}</code>" in page
    assert "Role &amp;lt;b&amp;gt;" in page  # the sample's source is escaped, then shown
    assert "https://www.customer.example" in page


def test_export_view(signed_in, webinar):
    RegistrationFactory.create_batch(3, webinar=webinar)
    RegistrationFactory(webinar=webinar, first_name="=HYPERLINK(1)")
    response = signed_in.get(f"/dashboard/webinars/{webinar.pk}/registrations.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"First name" in body and body.count(b"Grace") == 3
    assert b"'=HYPERLINK(1)" in body
    xlsx = signed_in.get(f"/dashboard/webinars/{webinar.pk}/registrations.xlsx")
    assert xlsx.status_code == 200
    assert webinar.slug in xlsx["Content-Disposition"]
    assert signed_in.get(f"/dashboard/webinars/{webinar.pk}/registrations.pdf").status_code == 404


def test_other_hosts_webinars_are_not_found(signed_in):
    other = WebinarFactory()
    registration = RegistrationFactory(webinar=other)
    assert signed_in.get(f"/dashboard/webinars/{other.pk}/").status_code == 404
    assert signed_in.get(f"/dashboard/webinars/{other.pk}/registrations/").status_code == 404
    assert (
        signed_in.post(
            f"/dashboard/webinars/{other.pk}/registrations/{registration.pk}/cancel/"
        ).status_code
        == 404
    )
    assert signed_in.get(f"/dashboard/webinars/{other.pk}/registrations.csv").status_code == 404


def test_writes_need_csrf_and_pages_are_not_framable(host, webinar):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(host.user)
    assert strict.post(f"/dashboard/webinars/{webinar.pk}/cancel/").status_code == 403
    assert strict.get(f"/dashboard/webinars/{webinar.pk}/")["X-Frame-Options"] == "DENY"


def test_cancel_webinar(signed_in, webinar, commit, mailoutbox):
    RegistrationFactory(webinar=webinar, email="seated@example.com")
    # The webinar's page leads to a confirmation step, which asks for the message.
    confirm = f"/dashboard/webinars/{webinar.pk}/cancel/confirm/"
    assert (
        f'action="{confirm}"'
        in signed_in.get(f"/dashboard/webinars/{webinar.pk}/").content.decode()
    )
    assert 'name="message"' in signed_in.get(confirm).content.decode()
    with commit():
        response = signed_in.post(
            f"/dashboard/webinars/{webinar.pk}/cancel/", {"message": "Moved to May."}, follow=True
        )
    assert "Webinar cancelled" in response.content.decode()
    webinar.refresh_from_db()
    assert webinar.cancelled_at and webinar.meeting.cancelled_at
    assert webinar.cancellation_message == "Moved to May."
    assert [m.to for m in mailoutbox] == [["seated@example.com"]]
    assert "Moved to May." in mailoutbox[0].body
    assert signed_in.get(f"/dashboard/webinars/{webinar.pk}/edit/").status_code == 302


def test_a_webinar_cannot_start_in_the_past(client, synced_host, fake_tm):
    client.force_login(synced_host.user)
    response = client.post(
        "/dashboard/webinars/new/",
        {
            "title": "Yesterday's news",
            "status": "published",
            "starts_at": "2020-03-10T15:00",
            "ends_at": "2020-03-10T16:00",
            "capacity": "50",
            "approval": "automatic",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"] == [
        "This start is in the past. Choose a time from now on."
    ]
    assert not Webinar.objects.exists()
