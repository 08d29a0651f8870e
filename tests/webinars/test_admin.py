import pytest

from conferencing.base import MeetingKind
from portal.accounts.models import SyncState
from tests.webinars.factories import QuestionFactory, RegistrationFactory
from webinars.models import Question, Registration, Webinar

pytestmark = pytest.mark.django_db

INLINE = {
    "questions-TOTAL_FORMS": "0",
    "questions-INITIAL_FORMS": "0",
    "questions-MIN_NUM_FORMS": "0",
    "questions-MAX_NUM_FORMS": "1000",
}


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def test_adding_a_webinar_schedules_its_meeting(staff, synced_host, fake_tm, commit):
    with commit():
        response = staff.post(
            "/admin/webinars/webinar/add/",
            INLINE
            | {
                "title": "Admin webinar",
                "slug": "admin-webinar",
                "status": "published",
                "host": synced_host.pk,
                "starts_at_0": "2031-04-01",
                "starts_at_1": "10:00:00",
                "ends_at_0": "2031-04-01",
                "ends_at_1": "11:00:00",
                "approval": "automatic",
                "waiting_list": "on",
                "questions-TOTAL_FORMS": "1",
                "questions-0-label": "Role",
                "questions-0-answer_type": "short_text",
                "questions-0-position": "1",
            },
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    webinar = Webinar.objects.get()
    assert webinar.meeting.kind == MeetingKind.WEBINAR
    assert webinar.meeting.sync_state == SyncState.SYNCED
    assert webinar.questions.get().label == "Role"


def test_deleting_an_answered_question_inline_archives_it(staff, webinar):
    question = QuestionFactory(webinar=webinar)
    RegistrationFactory(webinar=webinar, answers={str(question.pk): "kept"})
    page = staff.get(f"/admin/webinars/webinar/{webinar.pk}/change/")
    assert page.status_code == 200
    data = page.context["adminform"].form.initial
    form = {
        k: v for k, v in data.items() if v is not None and k not in ("host", "customer", "meeting")
    }
    form |= {
        "starts_at_0": webinar.starts_at.strftime("%Y-%m-%d"),
        "starts_at_1": webinar.starts_at.strftime("%H:%M:%S"),
        "ends_at_0": webinar.ends_at.strftime("%Y-%m-%d"),
        "ends_at_1": webinar.ends_at.strftime("%H:%M:%S"),
        "capacity": "10",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "1",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
        "questions-0-id": question.pk,
        "questions-0-webinar": webinar.pk,
        "questions-0-label": question.label,
        "questions-0-answer_type": question.answer_type,
        "questions-0-position": question.position,
        "questions-0-DELETE": "on",
    }
    response = staff.post(f"/admin/webinars/webinar/{webinar.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Question.objects.get(pk=question.pk).archived_at is not None
    assert Registration.objects.get().answers == {str(question.pk): "kept"}


def test_registration_admin_actions_go_through_the_services(staff, webinar):
    pending = RegistrationFactory(webinar=webinar, status=Registration.Status.PENDING)
    assert staff.get("/admin/webinars/registration/").status_code == 200
    assert staff.get(f"/admin/webinars/registration/{pending.pk}/change/").status_code == 200
    staff.post(
        "/admin/webinars/registration/",
        {"action": "approve", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert pending.status == Registration.Status.CONFIRMED and pending.confirmed_at
